package org.syncserver.events;

import io.javalin.http.sse.SseClient;

import java.util.UUID;

/**
 * An open Server-Sent Events stream (PROTOCOL §11.2): {@code event: changes}, {@code id: <clock>},
 * {@code data: {"clock": <clock>}}, and a comment every heartbeat. Writes are few and small; they come from the
 * notification thread, the heartbeat and the safety check, one at a time.
 */
final class StreamListener extends DeviceListener {

    private final SseClient client;
    private final Runnable sent;
    private volatile long since;

    /** @param sent told of every event written, for the metrics */
    StreamListener(SseClient client, UUID userId, UUID clientId, long since, long expiresAt, Runnable sent) {
        super(userId, clientId, expiresAt);
        this.client = client;
        this.since = since;
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
        client.sendEvent("changes", "{\"clock\":" + clock + "}", String.valueOf(clock));
        sent.run();
    }

    @Override
    public synchronized void ping() {
        if (!client.terminated()) {
            client.sendComment("ping");
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
