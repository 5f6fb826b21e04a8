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
 * a recorded trace (no javaagent) the current span is invalid and nothing is added. With the javaagent, which adds
 * the same keys itself, this steps aside.
 */
final class TraceIds {

    static final String TRACE_ID = "trace_id";
    static final String SPAN_ID = "span_id";
    static final String TRACE_FLAGS = "trace_flags";

    /** Set once the javaagent is seen adding the ids (it took the line's MDC before this appender). */
    private volatile boolean agentAddsIds;

    void addTo(ILoggingEvent event, LoggerContext context) {
        SpanContext span = Span.current().getSpanContext();
        if (agentAddsIds || !span.isValid() || !(event instanceof LoggingEvent logged)) {
            return;
        }
        Map<String, String> threadMdc = context.getMDCAdapter().getCopyOfContextMap();
        Map<String, String> mdc = threadMdc == null ? new HashMap<>(4) : new HashMap<>(threadMdc);
        mdc.put(TRACE_ID, span.getTraceId());
        mdc.put(SPAN_ID, span.getSpanId());
        mdc.put(TRACE_FLAGS, span.getTraceFlags().asHex());
        try {
            logged.setMDCPropertyMap(mdc);
        } catch (IllegalStateException e) {
            // The javaagent reads the MDC as logback hands the line to the appenders, and adds the same ids to it
            // itself; the map can be set only once. Once is enough to know: from then on, the agent does it.
            agentAddsIds = true;
        }
    }
}
