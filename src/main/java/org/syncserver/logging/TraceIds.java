package org.syncserver.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

import java.util.HashMap;
import java.util.Map;

/**
 * Puts the ids of the span a line is logged in into the line's MDC, under the keys the OpenTelemetry javaagent uses
 * ({@code trace_id}, {@code span_id}, {@code trace_flags}): a JSON line then leads to its trace, and a trace to its
 * lines (README "Tracing"). Read on the thread that logs, before the line is queued for the writer thread. Outside
 * a recorded trace (no javaagent) the current span is invalid and nothing is added.
 */
final class TraceIds {

    static final String TRACE_ID = "trace_id";
    static final String SPAN_ID = "span_id";
    static final String TRACE_FLAGS = "trace_flags";

    private TraceIds() {
    }

    static void addTo(ILoggingEvent event, LoggerContext context) {
        SpanContext span = Span.current().getSpanContext();
        if (!span.isValid() || !(event instanceof LoggingEvent logged)) {
            return;
        }
        Map<String, String> threadMdc = context.getMDCAdapter().getCopyOfContextMap();
        Map<String, String> mdc = threadMdc == null ? new HashMap<>(4) : new HashMap<>(threadMdc);
        mdc.put(TRACE_ID, span.getTraceId());
        mdc.put(SPAN_ID, span.getSpanId());
        mdc.put(TRACE_FLAGS, span.getTraceFlags().asHex());
        logged.setMDCPropertyMap(mdc);
    }
}
