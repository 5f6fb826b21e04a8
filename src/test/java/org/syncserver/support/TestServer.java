package org.syncserver.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.OpenTelemetry;
import org.syncserver.App;
import org.syncserver.config.Config;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.TokenMode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;

/** The real server on a random port, and an HTTP client that sends gzip bodies as sync_client does. */
public final class TestServer implements AutoCloseable {

    public static final Config.Tokens.Jwt JWT_SECRETS = new Config.Tokens.Jwt("test-access-secret", "test-refresh-secret");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Far beyond any answer on a loaded machine (an 80 MB chunked push at -Xmx256m takes seconds). */
    private static final Duration ANSWER_WITHIN = Duration.ofMinutes(3);

    private final String host;
    private final int port;
    private final AutoCloseable stop;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final TestClock clock;

    private TestServer(String host, int port, AutoCloseable stop, TestClock clock) {
        this.host = host;
        this.port = port;
        this.stop = stop;
        this.clock = clock;
    }

    /** The operator console's address, for a server started with {@code TestConfig.admin}. */
    public URI consoleUri(String path) {
        int consolePort = ((App) stop).consolePort().orElseThrow(() -> new IllegalStateException("no console"));
        return URI.create("http://" + host + ":" + consolePort + path);
    }

    public boolean hasConsole() {
        return stop instanceof App app && app.consolePort().isPresent();
    }

    /** A server running in another process (see {@link ServerProcess}); it has the real clock. */
    public static TestServer external(String host, int port, AutoCloseable stop) {
        return new TestServer(host, port, stop, null);
    }

    public static TestServer start(TokenMode mode, RealmConfig... realms) {
        return TestConfig.realms(realms).tokenMode(mode).start();
    }

    public static TestServer start(Config config) {
        return start(config, OpenTelemetry.noop());
    }

    /** A server whose spans go to the given OpenTelemetry (an SDK with an in-memory exporter, to read them). */
    public static TestServer start(Config config, OpenTelemetry telemetry) {
        TestClock clock = new TestClock();
        App app = App.start(config, clock, telemetry);
        return new TestServer("127.0.0.1", app.port(), app, clock);
    }

    public TestClock clock() {
        return clock;
    }

    public URI uri(String path) {
        return URI.create("http://" + host + ":" + port + path);
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    /** A GET with the device's access token. */
    public Response get(String path, Accounts.Device device) {
        return send(HttpRequest.newBuilder(uri(path)).header("Authorization", device.bearer()).GET());
    }

    /** POSTs the object as gzip-compressed JSON; headers come as name, value pairs. */
    public Response post(String path, Object body, String... headers) {
        try {
            return postRaw(path, gzip(JSON.writeValueAsBytes(body)), withHeaders(headers, "Content-Encoding", "gzip"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Response postRaw(String path, byte[] body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json; charset=utf-8")
                .header("Accept", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    public Response send(HttpRequest.Builder request) {
        return send(http, request);
    }

    /**
     * Sends with the given client (a console session keeps its own, with its cookies). A request without a timeout of
     * its own gets {@link #ANSWER_WITHIN}: a server that stops answering fails the test instead of stalling the run.
     */
    static Response send(HttpClient http, HttpRequest.Builder request) {
        HttpRequest built = request.build();
        if (built.timeout().isEmpty()) {
            built = HttpRequest.newBuilder(built, (name, value) -> true).timeout(ANSWER_WITHIN).build();
        }
        try {
            HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body(), response.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A value as a JSON tree. */
    public static com.fasterxml.jackson.databind.JsonNode json(Object value) {
        return JSON.valueToTree(value);
    }

    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String[] withHeaders(String[] headers, String... more) {
        String[] all = new String[headers.length + more.length];
        System.arraycopy(more, 0, all, 0, more.length);
        System.arraycopy(headers, 0, all, more.length, headers.length);
        return all;
    }

    @Override
    public void close() {
        try {
            stop.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
