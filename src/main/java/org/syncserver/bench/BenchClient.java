package org.syncserver.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** The HTTP calls of sync_client against one server: gzip request bodies, JSON answers, any 200 else an error. */
final class BenchClient {

    /** A call answered with something other than 200. */
    static final class CallFailed extends RuntimeException {
        CallFailed(String message) {
            super(message);
        }
    }

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    static {
        // Close idle connections well before the server does (Jetty: 30 s), as sync_client's Dart HttpClient does
        // (15 s): reusing a connection the server is closing at that moment fails the call.
        System.setProperty("jdk.httpclient.keepalive.timeout", "15");
    }

    private final URI base;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    BenchClient(URI base) {
        this.base = base;
    }

    JsonNode post(String path, Object body, String authorization) {
        HttpResponse<InputStream> response = send(path, body, authorization);
        try (InputStream in = decoded(response)) {
            return json.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** POSTs and streams the answer's {@code data} array to the consumer; returns the answer's {@code lastSync}. */
    long pull(String path, Object body, String authorization, Consumer<String> rowguids) {
        HttpResponse<InputStream> response = send(path, body, authorization);
        long lastSync = 0;
        try (InputStream in = decoded(response); JsonParser parser = json.getFactory().createParser(in)) {
            parser.nextToken();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if (field.equals("data")) {
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        JsonNode row = json.readTree(parser);
                        rowguids.accept(row.get("rowguid").asText());
                    }
                } else if (field.equals("lastSync")) {
                    lastSync = parser.getLongValue();
                } else {
                    parser.skipChildren();
                }
            }
            return lastSync;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean healthy() {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(base.resolve("/healthz"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static String basic(String email, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((email + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<InputStream> send(String path, Object body, String authorization) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                    .timeout(CALL_TIMEOUT)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(gzip(json.writeValueAsBytes(body))))
                    .header("Content-Type", "application/json; charset=utf-8")
                    .header("Accept", "application/json")
                    .header("Accept-Encoding", "gzip")
                    .header("Content-Encoding", "gzip");
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                try (InputStream in = decoded(response)) {
                    throw new CallFailed(path.replaceAll("/[0-9a-f-]{36}", "/:clientId") + " answered "
                            + response.statusCode() + ": " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static InputStream decoded(HttpResponse<InputStream> response) throws IOException {
        boolean gzipped = response.headers().firstValue("Content-Encoding").map("gzip"::equalsIgnoreCase).orElse(false);
        return gzipped ? new GZIPInputStream(response.body(), 64 * 1024) : response.body();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 4 + 64);
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(data);
        }
        return out.toByteArray();
    }

    static Map<String, Object> map(Object... keyValues) {
        Map<String, Object> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }
}
