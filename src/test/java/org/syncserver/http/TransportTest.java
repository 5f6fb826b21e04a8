package org.syncserver.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** What every route shares: encodings, limits, errors, CORS and headers. */
@Isolated // timed assertions: runs alone, not beside other test classes
class TransportTest {

    private static final long BODY_LIMIT = 64 * 1024;
    private static RealmConfig realm;
    private static TestServer server;

    @BeforeAll
    static void start() {
        realm = TestPostgres.newRealm("default");
        server = TestConfig.realms(realm).maxBodyBytes(BODY_LIMIT).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void rootAnswersHelloAndHealthzAnswersOk() {
        assertThat(server.get("/").body()).isEqualTo("Hello from Sync Server!");
        Response health = server.get("/healthz");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().path("status").asText()).isEqualTo("ok");
    }

    @Test
    void unknownRouteIs404Json() {
        Response response = server.post("/nothing/here", "{}");
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().path("code").asInt()).isEqualTo(404);
    }

    @Test
    void unknownRealmIs404NamingTheRealmAndIsNeverMappedToDefault() {
        Response response = new Accounts(server).register("nosuchrealm", "a@example.com", "pw", UUID.randomUUID(), true);
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().path("message").asText()).isEqualTo("Unknown realm: nosuchrealm");
        assertThat(TestPostgres.queryValue(realm, "SELECT count(*) FROM users WHERE email = 'a@example.com'"))
                .isEqualTo(0L);
    }

    @Test
    void realmNamesIgnoreCase() {
        Response response = new Accounts(server).register("DEFAULT", "case@example.com", "pw", UUID.randomUUID(), true);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    @Test
    void uncompressedAndDeflateBodiesAreAcceptedLikeGzip() throws Exception {
        byte[] json = registrationJson("plain@example.com");
        assertThat(server.postRaw("/register/default", json).status()).isEqualTo(200);

        ByteArrayOutputStream zlib = new ByteArrayOutputStream();
        try (var out = new DeflaterOutputStream(zlib)) {
            out.write(registrationJson("zlib@example.com"));
        }
        assertThat(server.postRaw("/register/default", zlib.toByteArray(), "Content-Encoding", "deflate").status())
                .isEqualTo(200);

        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (var out = new DeflaterOutputStream(raw, new Deflater(Deflater.DEFAULT_COMPRESSION, true))) {
            out.write(registrationJson("rawdeflate@example.com"));
        }
        assertThat(server.postRaw("/register/default", raw.toByteArray(), "Content-Encoding", "deflate").status())
                .isEqualTo(200);
    }

    @Test
    void malformedJsonIs400WithReadableMessage() {
        Response response = server.postRaw("/register/default", "{\"email\": ".getBytes(StandardCharsets.UTF_8));
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.message()).startsWith("The request body is not valid JSON");
    }

    @Test
    void wrongFieldTypeIs400NamingTheField() {
        Response response = server.postRaw("/register/default",
                "{\"email\": 42, \"password\": \"x\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.message()).isEqualTo("Invalid value for 'email': expected a string");
    }

    @Test
    void emptyBodyIs400() {
        Response response = server.postRaw("/register/default", new byte[0]);
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.message()).contains("empty");
    }

    @Test
    void corruptGzipIs400() {
        Response response = server.postRaw("/register/default", "not gzip".getBytes(StandardCharsets.UTF_8),
                "Content-Encoding", "gzip");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.message()).contains("gzip");
    }

    @Test
    void unknownContentEncodingIs415() {
        Response response = server.postRaw("/register/default", registrationJson("br@example.com"),
                "Content-Encoding", "br");
        assertThat(response.status()).isEqualTo(415);
        assertThat(response.message()).contains("br");
        assertThat(TestPostgres.queryValue(realm, "SELECT count(*) FROM users WHERE email = 'br@example.com'"))
                .isEqualTo(0L);
    }

    @Test
    void bodyOverTheLimitIs413() {
        byte[] big = ("{\"email\":\"" + "x".repeat((int) BODY_LIMIT) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(server.postRaw("/register/default", big).status()).isEqualTo(413);
    }

    @Test
    void gzipBombIsCutOffAt413() {
        // 64 MB of spaces compress to about 64 KB; the limit is 64 KB after inflating
        byte[] bomb = TestServer.gzip(("{\"email\":\"a\"" + " ".repeat(64 * 1024 * 1024) + "}").getBytes(StandardCharsets.UTF_8));
        Response response = server.postRaw("/register/default", bomb, "Content-Encoding", "gzip");
        assertThat(response.status()).isEqualTo(413);
        assertThat(response.message()).contains("limit");
    }

    @Test
    void corsPreflightIsAnsweredForAnyOrigin() {
        Response response = server.send(HttpRequest.newBuilder(server.uri("/push/default"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://app.example.com")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type,authorization,content-encoding"));
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Access-Control-Allow-Origin")).isIn("*", "https://app.example.com");
        assertThat(response.header("Access-Control-Allow-Headers")).containsIgnoringCase("authorization");
    }

    @Test
    void answersCarrySecurityHeaders() {
        Response response = server.get("/healthz");
        assertThat(response.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(response.header("Cache-Control")).isEqualTo("no-store");
    }

    @Test
    void largeAnswersAreGzippedWhenTheClientAcceptsIt() throws Exception {
        String longName = "n".repeat(5000);
        var body = Accounts.registration("gzip-answer@example.com", "pw", UUID.randomUUID(), true);
        body.put("name", "x");
        body.put("clientDescription", "{\"name\":\"" + longName + "\"}");
        var request = HttpRequest.newBuilder(server.uri("/register/default"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(body)))
                .header("Accept-Encoding", "gzip");
        var raw = java.net.http.HttpClient.newHttpClient().send(request.build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(raw.headers().firstValue("Content-Encoding")).hasValue("gzip");
        String text = new String(new GZIPInputStream(new java.io.ByteArrayInputStream(raw.body())).readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(text).contains(longName);
    }

    @Test
    void aGzipBodyWhoseTrailerArrivesLateIsReadToTheEndAndTheConnectionStaysUsable() throws Exception {
        byte[] body = TestServer.gzip(registrationJson("late-trailer@example.com"));
        postWithLateTailThenReuseConnection("/register/default", "", body, body.length - 8, "HTTP/1.1 200 OK");
    }

    @Test
    void aRequestRefusedBeforeItsBodyIsReadStillHasItsBodyReadAndTheConnectionStaysUsable() throws Exception {
        byte[] body = TestServer.gzip(new byte[20_000]);
        postWithLateTailThenReuseConnection("/push/default", "Authorization: Bearer not-a-token\r\n", body,
                body.length / 2, "HTTP/1.1 403 Forbidden");
    }

    /**
     * POSTs a gzip body whose bytes from {@code lateFrom} on arrive 300 ms after the rest, expects the status line,
     * then checks that a second request on the same connection is answered.
     */
    private static void postWithLateTailThenReuseConnection(String path, String extraHeaders, byte[] body, int lateFrom,
                                                            String expectedStatus) throws Exception {
        try (var socket = new java.net.Socket("127.0.0.1", server.uri("/").getPort())) {
            var out = socket.getOutputStream();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" + extraHeaders
                    + "Content-Encoding: gzip\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, lateFrom);
            out.flush();
            Thread.sleep(300);
            out.write(body, lateFrom, body.length - lateFrom);
            out.flush();
            assertThat(in.readLine()).isEqualTo(expectedStatus);
            skipResponse(in);

            out.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(in.readLine()).as("second request on the same connection").isEqualTo("HTTP/1.1 200 OK");
        }
    }

    /** Reads the headers and the Content-Length body of a response. */
    private static void skipResponse(java.io.BufferedReader in) throws java.io.IOException {
        int length = 0;
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.skip(length);
    }

    private static byte[] registrationJson(String email) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper()
                    .writeValueAsBytes(Accounts.registration(email, "pw", UUID.randomUUID(), true));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
