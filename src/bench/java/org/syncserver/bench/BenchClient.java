package org.syncserver.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The HTTP calls of sync_client against one server: gzip request bodies, JSON answers, any 200 else an error.
 * Uses the JDK's blocking HttpURLConnection with buffered bodies, so that headers and body leave in one write:
 * the JDK's HttpClient writes them separately without TCP_NODELAY, and on loopback Nagle's algorithm then adds
 * about 1.3 ms to every call, an artefact the real (Dart) client does not have.
 */
final class BenchClient implements SyncSession.Transport {

    /** A call answered with something other than 200. */
    static final class CallFailed extends RuntimeException {
        CallFailed(String message) {
            super(message);
        }
    }

    private static final int CALL_TIMEOUT_MS = 60_000;

    static {
        // Keep a connection per simulated device (the default keeps 5), and let a failed POST surface here
        // (the default retries it silently) so that retries are counted.
        System.setProperty("http.maxConnections", "1000");
        System.setProperty("sun.net.http.retryPost", "false");
    }

    private final URI base;
    private final AtomicInteger retried = new AtomicInteger();
    private final ObjectMapper json = new ObjectMapper();

    BenchClient(URI base) {
        this.base = base;
    }

    @Override
    public JsonNode post(String path, Object body, String authorization) {
        try (InputStream in = send(path, body, authorization)) {
            return json.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** POSTs and streams the answer's rows and outdated rowguids to the consumers; returns its {@code lastSync}. */
    @Override
    public long pull(String path, Object body, String authorization, Consumer<JsonNode> rows,
                     Consumer<String> outdated) {
        long lastSync = 0;
        try (InputStream in = send(path, body, authorization); JsonParser parser = json.getFactory().createParser(in)) {
            parser.nextToken();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if (field.equals("data")) {
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        rows.accept(json.readTree(parser));
                    }
                } else if (field.equals("outdatedRowsGuid")) {
                    while (parser.nextToken() == JsonToken.VALUE_STRING) {
                        outdated.accept(parser.getText());
                    }
                } else if (field.equals("lastSync")) {
                    lastSync = parser.getLongValue();
                } else {
                    parser.skipChildren();
                }
            }
            in.transferTo(OutputStream.nullOutputStream());
            return lastSync;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    URI base() {
        return base;
    }

    /** The server's heap in use, from its /metrics. */
    long heapUsedBytes() {
        return EventsBench.heapUsed(metrics());
    }

    /** How long the server's JIT has compiled so far, from its /metrics. */
    double compilationMillis() {
        for (String line : metrics().split("\n")) {
            if (line.startsWith("jvm_compilation_time_ms_total")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    private String metrics() {
        try {
            HttpURLConnection connection = (HttpURLConnection) base.resolve("/metrics").toURL().openConnection();
            try (InputStream in = connection.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code GET /healthz}: a call through the whole HTTP stack that reaches no database. */
    void bareCall() {
        try {
            HttpURLConnection connection = (HttpURLConnection) base.resolve("/healthz").toURL().openConnection();
            connection.setRequestProperty("Accept-Encoding", "gzip");
            if (connection.getResponseCode() != 200) {
                throw new CallFailed("/healthz answered " + connection.getResponseCode());
            }
            try (InputStream in = connection.getInputStream()) {
                in.transferTo(OutputStream.nullOutputStream());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean healthy() {
        try {
            HttpURLConnection connection = (HttpURLConnection) base.resolve("/healthz").toURL().openConnection();
            connection.setConnectTimeout(2_000);
            connection.setReadTimeout(2_000);
            int status = connection.getResponseCode();
            try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
                if (in != null) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
            }
            return status == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** Calls that failed on the network and were sent once more, as sync_client does with any failed call. */
    int retried() {
        return retried.get();
    }

    static String basic(String email, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((email + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static Map<String, Object> map(Object... keyValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    /** @return the answer's body, inflated; the caller reads it to the end and closes it */
    private InputStream send(String path, Object body, String authorization) throws IOException {
        byte[] gzipped = gzip(json.writeValueAsBytes(body));
        try {
            return sendOnce(path, gzipped, authorization);
        } catch (CallFailed e) {
            throw e;
        } catch (IOException e) {
            retried.incrementAndGet();
            return sendOnce(path, gzipped, authorization);
        }
    }

    private InputStream sendOnce(String path, byte[] gzipped, String authorization) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) base.resolve(path).toURL().openConnection();
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setConnectTimeout(CALL_TIMEOUT_MS);
        connection.setReadTimeout(CALL_TIMEOUT_MS);
        connection.setRequestProperty("Content-Type", "application/json; charset=utf-8");
        connection.setRequestProperty("Accept", "application/json");
        connection.setRequestProperty("Accept-Encoding", "gzip");
        connection.setRequestProperty("Content-Encoding", "gzip");
        if (authorization != null) {
            connection.setRequestProperty("Authorization", authorization);
        }
        try (OutputStream out = connection.getOutputStream()) {
            out.write(gzipped);
        }
        int status = connection.getResponseCode();
        boolean gzippedAnswer = "gzip".equalsIgnoreCase(connection.getHeaderField("Content-Encoding"));
        if (status != 200 && status != 201) { // 201: an invitation made (the shared scenario)
            try (InputStream error = connection.getErrorStream()) {
                String text = error == null ? "" : new String(inflated(error, gzippedAnswer).readAllBytes(), StandardCharsets.UTF_8);
                throw new CallFailed(path.replaceAll("/[0-9a-f-]{36}", "/:clientId") + " answered " + status + ": " + text);
            }
        }
        return inflated(connection.getInputStream(), gzippedAnswer);
    }

    private InputStream inflated(InputStream in, boolean gzipped) throws IOException {
        InputStream counted = new java.io.FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                answerBytes.add(b < 0 ? 0 : 1);
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, length);
                answerBytes.add(Math.max(n, 0));
                return n;
            }
        };
        return gzipped ? new GZIPInputStream(counted, 64 * 1024) : counted;
    }

    /** Bytes of answers received so far, as sent (compressed when the server compressed them). */
    long answerBytes() {
        return answerBytes.sum();
    }

    private final java.util.concurrent.atomic.LongAdder answerBytes = new java.util.concurrent.atomic.LongAdder();

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 4 + 64);
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(data);
        }
        return out.toByteArray();
    }
}
