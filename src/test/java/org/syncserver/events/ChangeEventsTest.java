package org.syncserver.events;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.syncserver.config.Config;
import org.syncserver.config.MailConfig;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Change notifications through real servers, a real PostgreSQL and a real streaming client: a device hears of
 * other devices' pushes at once, on any instance, never of its own or of another user's; the stream survives a
 * lost notification connection, resumes, and ends with the token.
 */
class ChangeEventsTest {

    @RegisterExtension
    static final GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
            .withPerMethodLifecycle(false);

    private static final Duration SOON = Duration.ofSeconds(5);
    private static final Duration QUIET = Duration.ofMillis(1_500);

    private static RealmConfig realm;
    private static TestServer server;

    @BeforeAll
    static void start() {
        realm = TestPostgres.newRealm("default");
        server = config().start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static TestConfig config() {
        return TestConfig.realms(realm).notifications(TestConfig.FAST_NOTIFICATIONS).mail(new MailConfig("Sync",
                "noreply@example.com", "127.0.0.1", smtp.getSmtp().getPort(), null, null, Map.of()));
    }

    @Test
    void aDeviceHearsOfItsOtherDevicesPushesButNotOfItsOwnOrOfOtherUsers() {
        Device phone = newUser(server);
        SyncDevice laptop = new SyncDevice(server, secondDevice(server, phone), false);
        SyncDevice phoneSync = new SyncDevice(server, phone, false);
        SyncDevice stranger = new SyncDevice(server, newUser(server), false);
        try (EventStream events = EventStream.open(server, phone)) {
            assertThat(events.status()).isEqualTo(200);
            assertThat(events.header("Content-Type")).startsWith("text/event-stream");
            assertThat(events.header("Cache-Control")).isEqualTo("no-cache");
            assertThat(events.header("X-Accel-Buffering")).isEqualTo("no");
            assertThat(events.receives("retry: 3000", SOON)).isTrue();

            laptop.insert(Map.of("title", "from the laptop"));
            laptop.sync();
            Long clock = events.nextEvent(SOON);
            assertThat(clock).as("poked after the laptop's push").isNotNull();

            phoneSync.insert(Map.of("title", "from the phone itself"));
            phoneSync.sync();
            assertThat(phoneSync.lastSync()).as("the event's clock is what the phone's pull delivered up to")
                    .isEqualTo(clock);
            stranger.insert(Map.of("title", "another user's"));
            stranger.sync();
            assertThat(events.nextEvent(QUIET)).as("nothing for its own push or another user's").isNull();
        }
    }

    @Test
    void aReconnectingStreamIsPokedAtOnceForWhatItMissed() {
        Device phone = newUser(server);
        SyncDevice laptop = new SyncDevice(server, secondDevice(server, phone), false);
        SyncDevice phoneSync = new SyncDevice(server, phone, false);
        phoneSync.sync(); // the phone's last pull (its tokens are refreshed on the way, as sync_client does)
        try (EventStream quiet = EventStream.open(server, phoneSync.account())) {
            assertThat(quiet.nextEvent(QUIET)).as("nothing new since its last pull").isNull();
        }
        laptop.insert(Map.of("title", "while the phone was away"));
        laptop.sync();

        try (EventStream fresh = EventStream.open(server, phoneSync.account())) {
            assertThat(fresh.nextEvent(SOON)).as("a fresh stream compares with the last pull").isNotNull();
        }
        try (EventStream resumed = EventStream.open(server, phoneSync.account(), String.valueOf(phoneSync.lastSync()))) {
            assertThat(resumed.nextEvent(SOON)).as("Last-Event-ID before the push").isNotNull();
        }
        try (EventStream upToDate = EventStream.open(server, phoneSync.account(), String.valueOf(Long.MAX_VALUE / 2))) {
            assertThat(upToDate.nextEvent(QUIET)).as("Last-Event-ID after it").isNull();
        }
    }

    @Test
    void streamsGetAHeartbeat() {
        Device phone = newUser(server);
        try (EventStream events = EventStream.open(server, phone)) {
            assertThat(events.receives(": ping", SOON)).isTrue();
            assertThat(events.receives(": ping", SOON)).isTrue();
        }
    }

    /** The safety check reads the database; one that waits there must not hold back every stream's ping. */
    @Test
    void aSafetyCheckWaitingForTheDatabaseDoesNotHoldBackThePings() throws Exception {
        Device phone = newUser(server);
        try (EventStream events = EventStream.open(server, phone);
             Connection locker = DriverManager.getConnection(realm.jdbcUrl(), "postgres", null)) {
            assertThat(events.receives(": ping", SOON)).isTrue();
            locker.setAutoCommit(false);
            locker.createStatement().execute("LOCK TABLE user_tokens IN ACCESS EXCLUSIVE MODE");
            try {
                assertThat(TestPostgres.aLockIsAwaitedOn(realm, "user_tokens")).as("a safety check waits for the locked table")
                        .isTrue();
                events.skipReceived();
                assertThat(events.receives(": ping", SOON)).isTrue();
                assertThat(events.receives(": ping", SOON)).isTrue();
            } finally {
                locker.rollback();
            }
        }
    }

    @Test
    void aPushOnAnotherInstanceReachesTheStream() {
        try (TestServer other = config().start()) {
            Device phone = newUser(server);
            SyncDevice laptopOnTheOtherInstance = new SyncDevice(other, secondDevice(other, phone), false);
            try (EventStream events = EventStream.open(server, phone)) {
                events.receives("retry:", SOON);
                laptopOnTheOtherInstance.insert(Map.of("title", "pushed elsewhere"));
                long pushed = System.nanoTime();
                laptopOnTheOtherInstance.sync();
                assertThat(events.nextEvent(SOON)).isNotNull();
                assertThat(Duration.ofNanos(System.nanoTime() - pushed)).isLessThan(SOON);
            }
        }
    }

    @Test
    void aLostNotificationConnectionLosesNoPoke() {
        Device phone = newUser(server);
        SyncDevice laptop = new SyncDevice(server, secondDevice(server, phone), false);
        try (EventStream events = EventStream.open(server, phone)) {
            events.receives("retry:", SOON);
            Object killed = TestPostgres.queryValue(realm, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE application_name = 'sync-server-listener' AND datname = current_database()");
            assertThat((Long) killed).as("listener connections killed").isPositive();
            laptop.insert(Map.of("title", "while the listener was down"));
            laptop.sync();
            assertThat(events.nextEvent(SOON)).as("the safety check covers the gap").isNotNull();
        }
    }

    @Test
    void theStreamEndsWhenTheDeviceIsUnregisteredOrThePasswordChanges() throws Exception {
        Device phone = newUser(server);
        try (EventStream events = EventStream.open(server, phone)) {
            events.receives("retry:", SOON);
            Response unregistered = server.post("/unregister/default", Map.of("email", phone.email(), "password", "pw",
                    "clientId", phone.clientId().toString()), "Authorization", phone.bearer());
            assertThat(unregistered.status()).isEqualTo(200);
            assertThat(events.receives(EventStream.END, SOON)).isTrue();
        }

        Device laptop = newUser(server);
        try (EventStream events = EventStream.open(server, laptop)) {
            events.receives("retry:", SOON);
            server.post("/password/default/forgotten", Map.of("email", laptop.email()));
            String pin = awaitPin(laptop.email());
            assertThat(server.post("/password/default/change", Map.of("email", laptop.email(), "pin", pin,
                    "password", "new-pw")).status()).isEqualTo(200);
            assertThat(events.receives(EventStream.END, SOON)).isTrue();
        }
    }

    @Test
    void authenticationAndRealmsAnswerAsTheSyncRoutes() {
        Device phone = newUser(server);
        Device laptop = secondDevice(server, phone);
        assertThat(EventStream.openPath(server, "/events/default/" + phone.clientId(), null).status()).isEqualTo(401);
        assertThat(EventStream.openPath(server, "/events/default/" + laptop.clientId(), phone).status()).isEqualTo(403);
        assertThat(EventStream.openPath(server, "/events/nowhere/" + phone.clientId(), phone).status()).isEqualTo(404);
    }

    @Test
    void capsAnswer429PerUserAnd503PerInstanceWithRetryAfter() {
        Device phone = newUser(server);
        try (EventStream a = EventStream.open(server, phone);
             EventStream b = EventStream.open(server, secondDevice(server, phone));
             EventStream c = EventStream.open(server, secondDevice(server, phone))) {
            try (EventStream fourth = EventStream.open(server, secondDevice(server, phone))) {
                assertThat(fourth.status()).isEqualTo(429);
                assertThat(fourth.header("Retry-After")).isNotNull();
            }
        }
        try (TestServer small = TestConfig.realms(realm).notifications(new Config.Notifications(3, 1,
                Duration.ofSeconds(15), Duration.ofSeconds(10), Config.Notifications.DEFAULT_MAX_STREAMS_PER_ADDRESS)).start()) {
            Device one = newUser(small);
            Device two = newUser(small);
            try (EventStream first = EventStream.open(small, one); EventStream second = EventStream.open(small, two)) {
                assertThat(first.status()).isEqualTo(200);
                assertThat(second.status()).isEqualTo(503);
                assertThat(second.header("Retry-After")).isNotNull();
            }
        }
    }

    @Test
    void longPollAnswersTheClockOr204() {
        Device phone = newUser(server);
        SyncDevice laptop = new SyncDevice(server, secondDevice(server, phone), false);
        laptop.insert(Map.of("title", "before the poll"));
        laptop.sync();

        Response changed = poll(phone, 0, 5);
        assertThat(changed.status()).isEqualTo(200);
        long clock = changed.json().get("clock").asLong();
        assertThat(clock).isPositive();

        long started = System.nanoTime();
        Response nothing = poll(phone, clock, 1);
        assertThat(nothing.status()).isEqualTo(204);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(poll(phone, 0, 61).status()).isEqualTo(400);
    }

    @Test
    void stoppingTheServerEndsItsStreams() {
        try (TestServer stopping = config().start()) {
            Device phone = newUser(stopping);
            EventStream events = EventStream.open(stopping, phone);
            events.receives("retry:", SOON);
            long started = System.nanoTime();
            stopping.close();
            assertThat(events.receives(EventStream.END, SOON)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("closed, not waited out")
                    .isLessThan(Duration.ofSeconds(10));
            events.close();
        }
    }

    private static Response poll(Device device, long since, int waitSeconds) {
        return server.send(HttpRequest.newBuilder(server.uri("/events/default/" + device.clientId() + "?since=" + since
                + "&wait=" + waitSeconds)).header("Authorization", device.bearer()).GET());
    }

    private static String awaitPin(String email) throws InterruptedException {
        Pattern pin = Pattern.compile(">(\\d{6})<");
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            var mails = smtp.getReceivedMessagesForDomain(email);
            if (mails.length > 0) {
                Matcher matcher = pin.matcher(GreenMailUtil.getBody(mails[0]).replaceAll("=\\r?\\n", ""));
                if (matcher.find()) {
                    return matcher.group(1);
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no PIN mail to " + email);
    }

    private static Device newUser(TestServer on) {
        return new Accounts(on).device("default", UUID.randomUUID() + "@example.com", "pw", true);
    }

    private static Device secondDevice(TestServer on, Device first) {
        return new Accounts(on).device("default", first.email(), "pw", false);
    }
}
