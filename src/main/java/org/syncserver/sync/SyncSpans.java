package org.syncserver.sync;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import org.syncserver.realm.Realm;

import java.util.function.Function;

/**
 * The spans of a sync call, to see where one slow sync spent its time (README "Tracing"): {@code sync.pull},
 * {@code sync.push} and {@code sync.cancel}, and within them {@code sync.lock} (the wait for the device's lock, or
 * for the user's row behind the pushes of the user's other devices), {@code sync.read} (reading the rows and
 * writing the answer), {@code sync.cursor} and {@code sync.store} (a batch stored and its conflicts journaled, in
 * one statement). Attributes are the realm's name, counts, sizes and durations: never row data, ids, tokens,
 * passwords or e-mail addresses, and a failure is marked with its exception's type only, since messages can quote
 * data. Without an OpenTelemetry SDK (no javaagent) the tracer is the API's no-op: a span is a shared constant and
 * nothing is timed.
 */
final class SyncSpans {

    static final AttributeKey<String> REALM = AttributeKey.stringKey("sync.realm");
    /** Changes a push holds, or rows a pull's answer holds. */
    static final AttributeKey<Long> ROWS = AttributeKey.longKey("sync.rows");
    /** The push's body or the pull's answer, uncompressed JSON. */
    static final AttributeKey<Long> BYTES = AttributeKey.longKey("sync.bytes");
    static final AttributeKey<Long> SKIPPED = AttributeKey.longKey("sync.conflicts.skipped");
    static final AttributeKey<Long> OVERWRITTEN = AttributeKey.longKey("sync.conflicts.overwritten");
    /** On the pull or push: how long its {@code sync.lock} took, so that the one span says it. */
    static final AttributeKey<Double> LOCK_WAIT = AttributeKey.doubleKey("sync.lock.wait_ms");
    static final AttributeKey<Boolean> PARTIAL = AttributeKey.booleanKey("sync.push.partial");
    /** Whether the push's commit pokes the event streams of the user's other devices (PostgreSQL NOTIFY). */
    static final AttributeKey<Boolean> NOTIFIES = AttributeKey.booleanKey("sync.events.notify");
    /** Semantic conventions' {@code error.type}: the exception's class, never its message. */
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    private final Tracer tracer;

    SyncSpans(Tracer tracer) {
        this.tracer = tracer;
    }

    /** Work that may throw what the code it wraps throws (an SQLException inside a transaction). */
    interface Work<T, E extends Exception> {
        T run() throws E;
    }

    /** Runs a sync call in its span, the current one while it runs. */
    <T> T call(String name, Realm realm, Function<Span, T> call) {
        Span span = tracer.spanBuilder(name).setAttribute(REALM, realm.name()).startSpan();
        try (Scope ignored = span.makeCurrent()) {
            return call.apply(span);
        } catch (RuntimeException e) {
            failed(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    /** Runs a step of the current call in a span of its own. */
    <T, E extends Exception> T step(String name, Work<T, E> work) throws E {
        Span span = tracer.spanBuilder(name).startSpan();
        try (Scope ignored = span.makeCurrent()) {
            return work.run();
        } catch (Exception e) {
            failed(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    /** A {@code sync.lock} step, whose duration is noted on the call's span too. */
    <T, E extends Exception> T lock(Work<T, E> work) throws E {
        Span call = Span.current();
        if (!call.isRecording()) {
            return step("sync.lock", work);
        }
        long started = System.nanoTime();
        try {
            return step("sync.lock", work);
        } finally {
            call.setAttribute(LOCK_WAIT, (System.nanoTime() - started) / 1e6);
        }
    }

    private static void failed(Span span, Exception e) {
        span.setStatus(StatusCode.ERROR);
        span.setAttribute(ERROR_TYPE, e.getClass().getSimpleName());
    }
}
