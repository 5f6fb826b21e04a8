package org.syncserver.console;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.ConsoleClient;
import org.syncserver.support.Response;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #28: the console's login throttle holds under concurrency, and what an operator (or someone pretending)
 * was refused, and an export cut midway, are in the audit log.
 */
class ConsoleRefusalsTest {

    private static final int FAILURES_PER_MINUTE = 5;
    private static RealmConfig realm;
    private static TestServer server;

    @BeforeAll
    static void start() {
        realm = TestPostgres.newRealm("default");
        server = TestConfig.realms(realm).admin(ConsoleClient.admin(FAILURES_PER_MINUTE)).start();
        assertThat(script("GET", "/api/realms").status()).as("the API token, verified once, before any throttling")
                .isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The bucket used to be checked before the hash and charged after it: 60 at once all got their guess. */
    @Test
    void sixtyConcurrentWrongPasswordsGetNoMoreGuessesThanTheThrottleAllows() throws Exception {
        List<Integer> statuses = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(60)) {
            List<Future<Response>> attempts = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                String guess = "guess " + i;
                attempts.add(pool.submit(() -> new ConsoleClient(server).login(ConsoleClient.OPERATOR, guess)));
            }
            for (Future<Response> attempt : attempts) {
                statuses.add(attempt.get().status());
            }
        }

        assertThat(statuses.stream().filter(status -> status == 401)).hasSize(FAILURES_PER_MINUTE);
        assertThat(statuses.stream().filter(status -> status == 429)).hasSize(60 - FAILURES_PER_MINUTE);
        assertThat(auditEntries("login")).anySatisfy(entry ->
                assertThat(entry.get("outcome").asText()).startsWith("refused: too many failed attempts"));
    }

    @Test
    void anActionOnAnUnknownUserIsRefusedAndAudited() {
        UUID nobody = UUID.randomUUID();
        Response refused = script("DELETE", "/api/realms/default/users/" + nobody);

        assertThat(refused.status()).isEqualTo(404);
        assertThat(auditEntries("delete-user")).anySatisfy(entry -> {
            assertThat(entry.get("target").asText()).isEqualTo("user " + nobody);
            assertThat(entry.get("outcome").asText()).isEqualTo("refused (404): No user " + nobody + " in this realm");
        });
    }

    @Test
    void aPasswordResetWithoutMailIsRefusedAndAudited() {
        UUID userId = newUserWithRows(0);
        assertThat(script("POST", "/api/realms/default/users/" + userId + "/password-reset").status()).isEqualTo(409);
        assertThat(auditEntries("password-reset")).anySatisfy(entry ->
                assertThat(entry.get("outcome").asText()).startsWith("refused (409): No e-mail is configured"));
    }

    @Test
    void anExportWhoseReaderHangsUpMidwayIsAuditedAsCut() throws Exception {
        UUID userId = newUserWithRows(20_000);
        try (Socket socket = new Socket("127.0.0.1", server.consoleUri("/").getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /api/realms/default/users/" + userId + "/export HTTP/1.1\r\nHost: x\r\n"
                    + "Authorization: Bearer " + ConsoleClient.API_TOKEN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            assertThat(in.readNBytes(4_096)).hasSize(4_096);
            socket.setSoLinger(true, 0); // a reset, as when a laptop is closed
        }

        long deadline = System.currentTimeMillis() + 20_000;
        while (auditEntries("export-user").stream().noneMatch(entry -> entry.get("outcome").asText()
                .startsWith("export cut after")) && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertThat(auditEntries("export-user")).anySatisfy(entry -> {
            assertThat(entry.get("target").asText()).isEqualTo("user " + userId);
            assertThat(entry.get("outcome").asText()).startsWith("export cut after");
        });
    }

    /** Each export holds a connection while it writes; ten whose reader never read held the realm's whole pool. */
    @Test
    void exportsWhoseReaderNeverReadsLeaveTheRealmsPoolToDevices() throws Exception {
        UUID userId = newUserWithRows(20_000);
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                Socket socket = new Socket("127.0.0.1", server.consoleUri("/").getPort());
                socket.getOutputStream().write(("GET /api/realms/default/users/" + userId + "/export HTTP/1.1\r\n"
                        + "Host: x\r\nAuthorization: Bearer " + ConsoleClient.API_TOKEN + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                stalled.add(socket);
            }
            Thread.sleep(1_000); // the exports have begun, and filled their sockets
            Device device = new Accounts(server).device("default", "pool-" + UUID.randomUUID() + "@example.com",
                    "secret password", true);
            long started = System.nanoTime();
            Response pull = server.post("/pull/default", java.util.Map.of("clientId", device.clientId().toString(),
                    "lastSync", 0), "Authorization", device.bearer());
            assertThat(pull.status()).as(pull.body()).isEqualTo(200);
            assertThat((System.nanoTime() - started) / 1_000_000).as("pull in ms").isLessThan(2_000);
            assertThat(auditEntries("export-user")).anySatisfy(entry ->
                    assertThat(entry.get("outcome").asText()).startsWith("refused (503): Realm default is running as many exports"));
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }

    @Test
    void aWholeExportIsAuditedAsFinished() {
        UUID userId = newUserWithRows(3);
        assertThat(script("GET", "/api/realms/default/users/" + userId + "/export").status()).isEqualTo(200);
        assertThat(auditEntries("export-user")).anySatisfy(entry -> assertThat(entry.get("outcome").asText())
                .isEqualTo("export finished: 3 rows, 0 conflicts"));
    }

    private static Response script(String method, String path) {
        return new ConsoleClient(server).send(method, path, null,
                java.util.Map.of("Authorization", "Bearer " + ConsoleClient.API_TOKEN));
    }

    /** A user whose rows (of about 1 KB each) are written straight into the table, for speed. */
    private static UUID newUserWithRows(int rows) {
        Device device = new Accounts(server).device("default", "refusals-" + UUID.randomUUID() + "@example.com",
                "secret password", true);
        UUID userId = (UUID) TestPostgres.queryValue(realm,
                "SELECT userid FROM user_clients WHERE clientid = '" + device.clientId() + "'");
        TestPostgres.execute(realm, """
                INSERT INTO sync_rows (userid, rowguid, tablename, operation, clientid, clientdate, serverdate, json)
                SELECT '%s', gen_random_uuid(), 'notes', 'I', '%s', g, g, json_build_object('text', repeat('x', 1000))
                  FROM generate_series(1, %d) g""".formatted(userId, device.clientId(), rows));
        return userId;
    }

    private static List<JsonNode> auditEntries(String action) {
        List<JsonNode> entries = new ArrayList<>();
        script("GET", "/api/audit?limit=1000").json().get("entries").forEach(entry -> {
            if (entry.get("action").asText().equals(action)) {
                entries.add(entry);
            }
        });
        return entries;
    }
}
