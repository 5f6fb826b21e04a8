package org.syncserver.events;

import io.javalin.http.sse.SseClient;

import java.util.concurrent.Executor;

/**
 * An open Server-Sent Events stream (PROTOCOL §11.2): {@code event: changes}, {@code id: <clock>},
 * {@code data: {"clock": <clock>}}, and a comment every heartbeat. The notification thread, the heartbeat and the
 * safety check only note what is to be written; a writer (a virtual thread, one at a time per stream) writes it.
 * A stream whose reader stopped reading blocks its own writer, never the realm's notification thread: one such
 * stream once held another user's event for 28.8 s. What piles up meanwhile is one clock and one ping.
 */
final class StreamListener extends DeviceListener {

    private final SseClient client;
    private final Executor writers;
    private final Runnable sent;
    private volatile long since;
    /** Guarded by this: what the writer is to write next (0: no event), and whether a writer runs. */
    private long pendingClock;
    private boolean pendingPing;
    private boolean writing;
    /**
     * Guarded by this: whether the response is held open ({@link #start}), and whether a close came before. Javalin's
     * {@code SseClient.close()} ends the response only once {@code keepAlive()} has run; a close before it (a notice,
     * a safety check or a replacement, all of which reach a stream as soon as it is in the hub) left the response
     * open for ever.
     */
    private boolean started;
    private boolean closedEarly;
    /** When the running writer began writing (System.nanoTime), or 0 when none writes. */
    private volatile long writingSince;

    /** @param sent told of every event written, for the metrics */
    StreamListener(SseClient client, Device device, long since, Executor writers, Runnable sent) {
        super(device);
        this.client = client;
        this.since = since;
        this.writers = writers;
        this.sent = sent;
    }

    @Override
    public long since() {
        return since;
    }

    @Override
    public synchronized void changed(long clock) {
        if (clock <= since || client.terminated()) {
            return;
        }
        since = clock;
        pendingClock = clock;
        startWriter();
    }

    @Override
    public synchronized void ping() {
        if (!client.terminated()) {
            pendingPing = true;
            startWriter();
        }
    }

    /** Whether a write has been blocked for longer than {@code nanos}: the reader stopped reading. */
    boolean stalledFor(long nanos) {
        long began = writingSince;
        return began != 0 && System.nanoTime() - began > nanos;
    }

    /**
     * Holds the response open until the stream is closed, then runs {@code onClose}; a close that came earlier
     * takes effect now.
     */
    void start(Runnable onClose) {
        client.keepAlive();
        client.onClose(onClose);
        synchronized (this) {
            started = true;
            if (!closedEarly) {
                return;
            }
        }
        client.close();
    }

    @Override
    public void close() {
        if (startedOrNoted()) {
            writers.execute(client::close);
        }
    }

    /** Ends the stream on the calling thread: at shutdown, before the server stops waiting for open responses. */
    void closeNow() {
        if (startedOrNoted()) {
            client.close();
        }
    }

    /** Whether the stream has started; if not, notes the close for {@link #start}. */
    private synchronized boolean startedOrNoted() {
        if (!started) {
            closedEarly = true;
        }
        return started;
    }

    private void startWriter() {
        if (!writing) {
            writing = true;
            writers.execute(this::write);
        }
    }

    /** Writes what is pending until nothing is; an event goes before a ping, which it makes needless. */
    private void write() {
        while (true) {
            long clock;
            boolean ping;
            synchronized (this) {
                clock = pendingClock;
                ping = pendingPing;
                pendingClock = 0;
                pendingPing = false;
                if (clock == 0 && !ping) {
                    writing = false;
                    writingSince = 0;
                    return;
                }
            }
            writingSince = System.nanoTime();
            try {
                if (clock != 0) {
                    client.sendEvent("changes", "{\"clock\":" + clock + "}", String.valueOf(clock));
                    sent.run();
                } else if (!client.terminated()) {
                    client.sendComment("ping");
                }
            } catch (RuntimeException e) {
                closeNow();
            }
        }
    }
}
