package org.syncserver.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.read.ListAppender;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A JSON log line written inside a traced span names the trace and the span, as the javaagent's lines do. */
class TraceIdsTest {

    private final LoggerContext context = new LoggerContext();
    private final ListAppender<ILoggingEvent> console = new ListAppender<>();
    private final BatchingAppender appender = new BatchingAppender();
    private final SdkTracerProvider tracing = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(InMemorySpanExporter.create())).build();
    private final Tracer tracer = tracing.get("test");

    @BeforeEach
    void start() {
        context.setMDCAdapter(new LogbackMDCAdapter());
        console.setContext(context);
        console.start();
        appender.setContext(context);
        appender.addAppender(console);
        appender.start();
    }

    @AfterEach
    void stop() {
        appender.stop();
        tracing.close();
    }

    @Test
    void aLineLoggedInASpanCarriesItsTraceAndSpanIdsBesideTheThreadsMdc() {
        Span span = tracer.spanBuilder("sync.push").startSpan();
        try (Scope ignored = span.makeCurrent()) {
            context.getMDCAdapter().put("job", "purge");
            appender.doAppend(event("in a span"));
        } finally {
            span.end();
            context.getMDCAdapter().clear();
        }

        String line = json(written());

        assertThat(line).contains("\"trace_id\":\"" + span.getSpanContext().getTraceId() + "\"")
                .contains("\"span_id\":\"" + span.getSpanContext().getSpanId() + "\"")
                .contains("\"trace_flags\":\"" + span.getSpanContext().getTraceFlags().asHex() + "\"")
                .contains("\"job\":\"purge\"");
    }

    @Test
    void aLineOutsideAnyTraceCarriesNoIds() {
        appender.doAppend(event("untraced"));

        assertThat(json(written())).doesNotContain("trace_id").doesNotContain("span_id");
    }

    private ILoggingEvent written() {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (console.list.isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(console.list).hasSize(1);
        return console.list.getFirst();
    }

    /** The line as logback-json.xml's encoder writes it. */
    private String json(ILoggingEvent event) {
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.start();
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }

    private LoggingEvent event(String message) {
        return new LoggingEvent(TraceIdsTest.class.getName(), context.getLogger("test"), Level.INFO, message, null,
                null);
    }
}
