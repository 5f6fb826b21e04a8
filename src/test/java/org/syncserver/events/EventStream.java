package org.syncserver.events;

import org.syncserver.support.Accounts.Device;
import org.syncserver.support.TestServer;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A real streaming HTTP client on an event stream: it reads the lines as they arrive. */
final class EventStream implements AutoCloseable {

    /** Put in the queue when the server ends the stream. */
    static final String END = "<end of stream>";

    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final CompletableFuture<HttpResponse<Stream<String>>> response;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private EventStream(TestServer server, String path, Device device, String lastEventId) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).header("Accept", "text/event-stream");
        if (device != null) {
            request.header("Authorization", device.bearer());
        }
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        response = http.sendAsync(request.GET().build(), HttpResponse.BodyHandlers.ofLines());
        response.thenAccept(answer -> Thread.ofVirtual().start(() -> {
            try {
                answer.body().forEach(lines::add);
            } catch (RuntimeException closed) {
                // the connection ended
            }
            lines.add(END);
        }));
    }

    static EventStream open(TestServer server, Device device) {
        return open(server, device, null);
    }

    static EventStream open(TestServer server, Device device, String lastEventId) {
        EventStream stream = new EventStream(server, "/events/default/" + device.clientId(), device, lastEventId);
        stream.status(); // the headers have arrived: the server has registered the stream
        return stream;
    }

    static EventStream openPath(TestServer server, String path, Device device) {
        return new EventStream(server, path, device, null);
    }

    int status() {
        return response.orTimeout(10, TimeUnit.SECONDS).join().statusCode();
    }

    String header(String name) {
        return response.join().headers().firstValue(name).orElse(null);
    }

    /** The clock of the next {@code changes} event, or null when none comes within the time. */
    Long nextEvent(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        String id = null;
        while (true) {
            String line = poll(deadline);
            if (line == null || line.equals(END)) {
                return null;
            }
            if (line.startsWith("id: ") || line.startsWith("id:")) {
                id = line.substring(3).trim();
            }
            if (line.startsWith("data:") && id != null) {
                return Long.parseLong(id);
            }
        }
    }

    /** Forgets the lines that have arrived so far: what comes next is what the server sends from now on. */
    void skipReceived() {
        lines.clear();
    }

    /** Whether a line starting with this prefix comes within the time. */
    boolean receives(String prefix, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        for (String line = poll(deadline); line != null; line = poll(deadline)) {
            if (line.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private String poll(long deadline) {
        try {
            return lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Override
    public void close() {
        response.cancel(true);
        http.shutdownNow();
    }
}
