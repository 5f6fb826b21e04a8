package org.syncserver.ops;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.syncserver.App;
import org.syncserver.support.Accounts;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With an OpenTelemetry SDK installed (as the javaagent installs one), each sync call is a span with its steps as
 * children and the figures an operator looks for; nothing secret or personal is in any of them.
 */
class TracingTest {

    private static final String PASSWORD = "correct horse battery";
    private static final String PHONE_TEXT = "phone's private note";
    private static final String TABLET_TEXT = "tablet's private note";

    private static final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private static OpenTelemetrySdk telemetry;
    private static TestServer server;

    /** A user of each test's own. */
    private final String email = "traced-" + UUID.randomUUID() + "@example.com";

    @BeforeAll
    static void startTracedServer() {
        telemetry = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exported)).build()).build();
        server = TestServer.start(TestConfig.realms(TestPostgres.newRealm("default")).build(), telemetry);
    }

    @AfterAll
    static void stop() {
        server.close();
        telemetry.close();
    }

    @Test
    void aSyncIsAPullAndAPushWithTheirStepsAndFigures() {
        SyncDevice phone = device(true);
        phone.insert(Map.of("title", "first"));
        phone.insert(Map.of("title", "second"));
        exported.reset();

        phone.sync();

        SpanData pull = only("sync.pull");
        assertThat(pull.getInstrumentationScopeInfo().getName()).isEqualTo(App.INSTRUMENTATION_SCOPE);
        assertThat(pull.getAttributes().get(AttributeKey.stringKey("sync.realm"))).isEqualTo("default");
        assertThat(pull.getAttributes().get(AttributeKey.longKey("sync.rows"))).isZero();
        assertThat(pull.getAttributes().get(AttributeKey.longKey("sync.bytes"))).isPositive();
        assertThat(pull.getAttributes().get(AttributeKey.doubleKey("sync.lock.wait_ms"))).isPositive();
        assertThat(childrenOf(pull)).containsExactly("sync.lock", "sync.read", "sync.cursor");

        SpanData push = only("sync.push");
        assertThat(push.getAttributes().get(AttributeKey.stringKey("sync.realm"))).isEqualTo("default");
        assertThat(push.getAttributes().get(AttributeKey.longKey("sync.rows"))).isEqualTo(2);
        assertThat(push.getAttributes().get(AttributeKey.longKey("sync.bytes"))).isPositive();
        assertThat(push.getAttributes().get(AttributeKey.longKey("sync.conflicts.skipped"))).isZero();
        assertThat(push.getAttributes().get(AttributeKey.doubleKey("sync.lock.wait_ms"))).isPositive();
        assertThat(push.getAttributes().get(AttributeKey.booleanKey("sync.events.notify"))).isNotNull();
        assertThat(childrenOf(push)).containsExactly("sync.lock", "sync.store");
        assertThat(push.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    }

    @Test
    void aPulledAnswerAndAJournaledConflictAreCountedOnTheirSpans() {
        SyncDevice phone = device(true);
        SyncDevice tablet = device(false);
        UUID row = phone.insert(Map.of("title", "shared"));
        phone.sync();
        tablet.sync();
        tablet.update(row, Map.of("title", TABLET_TEXT));
        pause();
        phone.update(row, Map.of("title", PHONE_TEXT));
        phone.sync();
        exported.reset();

        tablet.sync();

        SpanData pull = only("sync.pull");
        assertThat(pull.getAttributes().get(AttributeKey.longKey("sync.rows"))).isEqualTo(1);
        SpanData push = only("sync.push");
        assertThat(push.getAttributes().get(AttributeKey.longKey("sync.conflicts.skipped"))).isEqualTo(1);
        SpanData store = only("sync.store");
        assertThat(store.getParentSpanId()).isEqualTo(push.getSpanId());
        assertThat(store.getAttributes().get(AttributeKey.longKey("sync.conflicts.skipped"))).isEqualTo(1);
        assertThat(store.getAttributes().get(AttributeKey.longKey("sync.rows"))).isEqualTo(1);
    }

    @Test
    void aRefusedPullIsMarkedFailedWithTheExceptionTypeOnly() {
        Accounts.Device device = new Accounts(server).device("default", email, PASSWORD, true);
        Map<String, Object> pull = Map.of("clientId", device.clientId().toString(), "lastSync", 0, "changes", List.of());
        server.post("/pull/default", pull, "Authorization", device.bearer());
        exported.reset();

        assertThat(server.post("/pull/default", pull, "Authorization", device.bearer()).status()).isEqualTo(409);

        SpanData refused = only("sync.pull");
        assertThat(refused.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(refused.getStatus().getDescription()).isEmpty();
        assertThat(refused.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("ConflictException");
        assertThat(refused.getEvents()).as("no exception event: its message could quote data").isEmpty();
        assertThat(childrenOf(refused)).containsExactly("sync.lock");
    }

    @Test
    void noSpanCarriesRowDataTokensPasswordsAddressesOrIds() {
        exported.reset();
        SyncDevice phone = device(true);
        SyncDevice tablet = device(false);
        UUID row = phone.insert(Map.of("title", "shared"));
        phone.sync();
        tablet.sync();
        tablet.update(row, Map.of("title", TABLET_TEXT));
        pause();
        phone.update(row, Map.of("title", PHONE_TEXT));
        phone.sync();
        tablet.sync();

        List<String> secrets = List.of(PASSWORD, email, PHONE_TEXT, TABLET_TEXT, "shared", row.toString(),
                phone.account().accessToken(), phone.account().refreshToken(), tablet.account().accessToken(),
                phone.account().clientId().toString(), tablet.account().clientId().toString());
        List<String> everything = new ArrayList<>();
        for (SpanData span : exported.getFinishedSpanItems()) {
            everything.add(span.getName());
            everything.add(span.getStatus().getDescription());
            span.getAttributes().forEach((key, value) -> everything.add(key.getKey() + "=" + value));
            span.getEvents().forEach(event -> everything.add(event.getName() + " " + event.getAttributes()));
        }
        assertThat(exported.getFinishedSpanItems()).hasSizeGreaterThan(10);
        for (String secret : secrets) {
            assertThat(everything).noneMatch(text -> text.contains(secret));
        }
    }

    private SyncDevice device(boolean newUser) {
        return new SyncDevice(server, new Accounts(server).device("default", email, PASSWORD, newUser), false);
    }

    private SpanData only(String name) {
        List<SpanData> named = exported.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
        assertThat(named).as("spans named " + name).hasSize(1);
        return named.getFirst();
    }

    /** The names of a span's children, in the order they started. */
    private List<String> childrenOf(SpanData parent) {
        return exported.getFinishedSpanItems().stream()
                .filter(span -> span.getParentSpanId().equals(parent.getSpanId()))
                .sorted(java.util.Comparator.comparingLong(SpanData::getStartEpochNanos))
                .map(SpanData::getName).toList();
    }

    /** Device clocks tick in milliseconds: edits a few apart are certainly ordered. */
    private static void pause() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
