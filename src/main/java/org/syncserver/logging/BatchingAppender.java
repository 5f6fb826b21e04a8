package org.syncserver.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes log lines from a background thread that wakes on a timer, so that a request never waits for the console.
 * Logback's own AsyncAppender does the same but wakes its thread for every line: on the two-core benchmark machine
 * parking and waking it took 6 % of the server's CPU during ingest (a line per request; docs/performance.md).
 * Here a request only queues its line; the writer takes whatever has queued every {@link #FLUSH_NANOS}, and is
 * woken at once only for warnings and errors. When the queue is full, lines are dropped (and counted
 * in a logback status warning) rather than requests slowed. Stopping the appender writes what is still queued.
 */
public final class BatchingAppender extends UnsynchronizedAppenderBase<ILoggingEvent>
        implements AppenderAttachable<ILoggingEvent> {

    private static final long FLUSH_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final AppenderAttachableImpl<ILoggingEvent> appenders = new AppenderAttachableImpl<>();
    private final AtomicLong dropped = new AtomicLong();
    private final TraceIds traceIds = new TraceIds();
    private int queueSize = 8192;
    private ArrayBlockingQueue<ILoggingEvent> queue;
    private Thread writer;

    /** Set from logback.xml ({@code <queueSize>}). */
    public void setQueueSize(int queueSize) {
        this.queueSize = queueSize;
    }

    @Override
    public void start() {
        if (isStarted()) {
            return;
        }
        queue = new ArrayBlockingQueue<>(queueSize);
        super.start();
        writer = Thread.ofPlatform().daemon().name("log-writer").start(this::writeUntilStopped);
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        appenders.detachAndStopAllAppenders();
    }

    @Override
    protected void append(ILoggingEvent event) {
        traceIds.addTo(event, (LoggerContext) getContext());
        event.prepareForDeferredProcessing(); // the message and its arguments are formatted on the caller's thread
        if (!queue.offer(event)) {
            dropped.incrementAndGet();
        } else if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
            LockSupport.unpark(writer);
        }
    }

    private void writeUntilStopped() {
        List<ILoggingEvent> batch = new ArrayList<>();
        while (isStarted()) {
            LockSupport.parkNanos(FLUSH_NANOS);
            writeQueued(batch);
        }
        writeQueued(batch);
    }

    private void writeQueued(List<ILoggingEvent> batch) {
        queue.drainTo(batch);
        long lost = dropped.getAndSet(0);
        if (lost > 0) {
            addWarn(lost + " log lines were dropped: the console could not keep up");
        }
        for (ILoggingEvent event : batch) {
            appenders.appendLoopOnAppenders(event);
        }
        batch.clear();
    }

    @Override
    public void addAppender(Appender<ILoggingEvent> appender) {
        appenders.addAppender(appender);
    }

    @Override
    public Iterator<Appender<ILoggingEvent>> iteratorForAppenders() {
        return appenders.iteratorForAppenders();
    }

    @Override
    public Appender<ILoggingEvent> getAppender(String name) {
        return appenders.getAppender(name);
    }

    @Override
    public boolean isAttached(Appender<ILoggingEvent> appender) {
        return appenders.isAttached(appender);
    }

    @Override
    public void detachAndStopAllAppenders() {
        appenders.detachAndStopAllAppenders();
    }

    @Override
    public boolean detachAppender(Appender<ILoggingEvent> appender) {
        return appenders.detachAppender(appender);
    }

    @Override
    public boolean detachAppender(String name) {
        return appenders.detachAppender(name);
    }
}
