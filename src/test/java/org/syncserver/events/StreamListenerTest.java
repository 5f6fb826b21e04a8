package org.syncserver.events;

import io.javalin.Javalin;
import io.javalin.http.sse.SseClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stream is in the hub, where notices, safety checks and replacements close it, a moment before its response is
 * held open. Through real Jetty and Javalin: a close in that moment must still end the response.
 */
class StreamListenerTest {

    /** The writer runs at once: as when the request's thread pauses after the stream joined the hub. */
    private final Executor writers = Runnable::run;
    private final CountDownLatch removedFromHub = new CountDownLatch(1);
    private Javalin app;

    @BeforeEach
    void startAStreamWhoseCloseComesBeforeItStarted() {
        app = Javalin.create(config -> config.routes.get("/stream", ctx -> {
            StreamListener listener = new StreamListener(new SseClient(ctx), new DeviceListener.Device(
                    UUID.randomUUID(), UUID.randomUUID(), "127.0.0.1", UUID.randomUUID(), Long.MAX_VALUE), 0,
                    writers, () -> { });
            ctx.res().setContentType("text/event-stream");
            ctx.res().getOutputStream().write("retry: 1000\n\n".getBytes());
            ctx.res().flushBuffer();
            listener.close(); // a notice that the password changed, between the hub and the start
            listener.start(removedFromHub::countDown);
        })).start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        app.stop();
    }

    @Test
    void aCloseBeforeTheStreamStartedEndsItsResponseOnceItStarts() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/stream")).build(),
                        HttpResponse.BodyHandlers.ofString())
                .get(5, TimeUnit.SECONDS);

        assertThat(response.body()).isEqualTo("retry: 1000\n\n");
        assertThat(removedFromHub.await(5, TimeUnit.SECONDS)).as("the stream left the hub").isTrue();
    }
}
