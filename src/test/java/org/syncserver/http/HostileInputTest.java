package org.syncserver.http;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;
import org.syncserver.config.TokenMode;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.RunningServer;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Input as attackers and unlucky devices send it: every answer is a 4xx in the error format naming the problem,
 * nothing is stored, and row data reaches other devices exactly as it was sent.
 */
class HostileInputTest {

    @RegisterExtension
    static final RunningServer running = RunningServer.withRealm("default", TokenMode.OPAQUE);

    /** What a device may legitimately store: a NUL, a lone surrogate, huge and precise numbers, any escape. */
    private static final String ROW_DATA = "{\"title\":\"pasted\\u0000text\",\"lone\":\"\\ud800\","
            + "\"big\":1e400,\"precise\":0.1000000000000000055511151231257827,\"escapes\":\"\\u00e9\\/\\\"\\t\","
            + "\"nested\":{\"list\":[1,2.50,-0,{\"n\":null}],\"empty\":{}}, \"spaced\" : true}";

    @Test
    void rowDataReachesTheOtherDeviceExactlyAsSent() {
        Device phone = newUser();
        Device laptop = running.accounts().device("default", phone.email(), "pw", false);
        UUID rowguid = UUID.randomUUID();
        pull(phone);
        Response push = postJson("/push/default", phone, "{\"clientId\":\"" + phone.clientId() + "\",\"lastSync\":0,"
                + "\"isPartial\":0,\"changes\":[{\"operation\":\"I\",\"rowguid\":\"" + rowguid + "\","
                + "\"tablename\":\"todos\",\"clientdate\":1000,\"rowData\":" + ROW_DATA + "}]}");
        assertThat(push.status()).as(push.body()).isEqualTo(200);

        String answer = pull(laptop).body();

        assertThat(answer).contains("\"rowData\":" + ROW_DATA + "}");
    }

    @Test
    void textWithANulCharacterIsRefusedNamingTheField() {
        var registration = Accounts.registration("nul@example.com", "pw", UUID.randomUUID(), true);
        registration.put("name", "pasted\u0000name");
        assertThat(running.server().post("/register/default", registration).message())
                .isEqualTo("Invalid value for 'name': text must not contain the NUL character (\\u0000)");

        Device device = newUser();
        pull(device);
        Response push = postJson("/push/default", device, "{\"clientId\":\"" + device.clientId() + "\",\"changes\":"
                + "[{\"operation\":\"I\",\"rowguid\":\"" + UUID.randomUUID() + "\",\"tablename\":\"to\\u0000dos\","
                + "\"clientdate\":1,\"rowData\":{}}]}");
        assertThat(push.status()).isEqualTo(400);
        assertThat(push.message()).contains("changes[0]", "tablename must not contain the NUL character");

        Response login = running.server().post("/login/default", Map.of("clientId", device.clientId().toString()),
                "Authorization", Accounts.basic("a\u0000b@example.com", "pw"));
        assertThat(login.status()).isEqualTo(400);

        Response change = running.server().post("/password/default/change",
                Map.of("email", device.email(), "pin", "12\u00003456", "password", "new"));
        assertThat(change.status()).isEqualTo(400);
        assertThat(change.message()).isEqualTo("Invalid value for 'pin': text must not contain the NUL character (\\u0000)");
        assertThat(TestPostgres.count(running.realm(), "users WHERE email = 'nul@example.com'")).isZero();
    }

    /** It used to be stored as "t?x": the device's rows came back under a table that does not exist. */
    @Test
    void aTableNameWithHalfASurrogatePairIsRefusedNotStoredAsAnotherName() {
        Device device = newUser();
        pull(device);
        Response push = postJson("/push/default", device, "{\"clientId\":\"" + device.clientId() + "\",\"changes\":"
                + "[{\"operation\":\"I\",\"rowguid\":\"" + UUID.randomUUID() + "\",\"tablename\":\"t\\ud800x\","
                + "\"clientdate\":1,\"rowData\":{}}]}");

        assertThat(push.status()).isEqualTo(400);
        assertThat(push.message()).contains("changes[0]", "tablename must be valid Unicode text");
        assertThat(TestPostgres.count(running.realm(), "sync_rows WHERE clientid = '" + device.clientId() + "'")).isZero();

        Response paired = postJson("/push/default", device, "{\"clientId\":\"" + device.clientId() + "\",\"changes\":"
                + "[{\"operation\":\"I\",\"rowguid\":\"" + UUID.randomUUID() + "\",\"tablename\":\"t\\ud83d\\ude00x\","
                + "\"clientdate\":1,\"rowData\":{}}]}");
        assertThat(paired.status()).as("a whole pair (an emoji) is fine").isEqualTo(200);
        assertThat(TestPostgres.queryValue(running.realm(), "SELECT tablename FROM sync_rows WHERE clientid = '"
                + device.clientId() + "'")).isEqualTo("t\uD83D\uDE00x");
    }

    @Test
    void parserLimitsAnswer400NamingTheLimit() {
        Device device = newUser();
        pull(device);
        String deep = "{\"a\":" + "[".repeat(1_000) + "]".repeat(1_000) + "}";
        String longNumber = "{\"n\":" + "9".repeat(5_000) + "}";
        String longName = "{\"" + "k".repeat(60_000) + "\":1}";
        for (String rowData : List.of(deep, longNumber, longName)) {
            Response response = postJson("/push/default", device, "{\"clientId\":\"" + device.clientId() + "\","
                    + "\"changes\":[{\"operation\":\"I\",\"rowguid\":\"" + UUID.randomUUID() + "\",\"tablename\":\"t\","
                    + "\"clientdate\":1,\"rowData\":" + rowData + "}]}");
            assertThat(response.status()).as(response.body()).isEqualTo(400);
            assertThat(response.message()).startsWith("The request body exceeds a limit: ")
                    .containsAnyOf("nesting depth", "Number value length", "Name length");
            assertThat(response.body()).doesNotContain("StreamReadConstraints");
        }
        Response bigRegistration = running.server().post("/register/default",
                Map.of("email", "big@example.com", "clientDescription", "[{}," .repeat(100_000) + "{}]"));
        assertThat(bigRegistration.status()).isEqualTo(413);
        assertThat(TestPostgres.count(running.realm(), "sync_rows WHERE userid IN (SELECT id FROM users WHERE email = '"
                + device.email() + "')")).isZero();
    }

    @Test
    void aTokenIsGoodForItsOwnDeviceOnly() {
        Device phone = newUser();
        Device laptop = running.accounts().device("default", phone.email(), "pw", false);
        String laptopBody = "{\"clientId\":\"" + laptop.clientId() + "\",\"lastSync\":0,\"changes\":[]}";

        assertThat(postJson("/pull/default", phone, laptopBody).status()).isEqualTo(403);
        assertThat(postJson("/push/default", phone, laptopBody).status()).isEqualTo(403);
        assertThat(postJson("/cancelSync/default", phone, laptopBody).status()).isEqualTo(403);
        assertThat(postJson("/pull/default/" + laptop.clientId(), phone,
                "{\"clientId\":\"" + phone.clientId() + "\",\"lastSync\":0}").status())
                .as("the path's clientId too").isEqualTo(403);
        assertThat(postJson("/pull/default/" + phone.clientId(), phone,
                "{\"clientId\":\"" + phone.clientId() + "\",\"lastSync\":0}").status()).isEqualTo(200);
    }

    @Test
    void errorsJettyAnswersByItselfAreJsonToo() throws Exception {
        String tooLong = "GET /" + "x".repeat(20_000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
        String badHeader = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Bad: a\u0001b\r\n\r\n";
        String hugeHeaders = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "y".repeat(20_000) + "\r\n\r\n";
        for (String request : List.of(tooLong, badHeader, hugeHeaders)) {
            String answer = raw(request);
            assertThat(answer).containsIgnoringCase("Content-Type: application/json");
            assertThat(answer).containsPattern("\\{\"code\":4\\d\\d,\"message\":\"[^\"]+\"}");
        }
    }

    @Test
    void errorBodiesHaveCodeThenMessageAndRealmsCannotForgeLogLines() {
        Logger accessLog = (Logger) LoggerFactory.getLogger("access");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        accessLog.addAppender(lines);
        try {
            Response response = running.server().post("/register/evil%0D%0A2026-01-01%20forged", Map.of());
            assertThat(response.status()).isEqualTo(404);
            assertThat(response.body()).startsWith("{\"code\":404,\"message\":");
        } finally {
            accessLog.detachAppender(lines);
        }
        assertThat(lines.list).anySatisfy(line -> assertThat(line.getFormattedMessage())
                .contains("realm=evil\\u000d\\u000a2026-01-01 forged").doesNotContain("\n"));
    }

    /**
     * The database goes away while a large pull streams: the client must see a broken answer (never a 200 with an
     * error spliced in), and its retry must not be refused as "already syncing".
     */
    @Test
    void aPullThatFailsMidStreamIsCutAndGivesItsLockBack() throws Exception {
        Device writer = newUser();
        Device reader = running.accounts().device("default", writer.email(), "pw", false);
        String photo = "p".repeat(200) + UUID.randomUUID();
        for (int push = 0; push < 20; push++) {
            pull(writer);
            StringBuilder body = new StringBuilder("{\"clientId\":\"" + writer.clientId() + "\",\"changes\":[");
            for (int i = 0; i < 1_000; i++) {
                body.append(i == 0 ? "" : ",").append("{\"operation\":\"I\",\"rowguid\":\"").append(UUID.randomUUID())
                        .append("\",\"tablename\":\"t\",\"clientdate\":1,\"rowData\":{\"data\":\"")
                        .append(UUID.randomUUID()).append(photo).append(UUID.randomUUID()).append("\"}}");
            }
            assertThat(postJson("/push/default", writer, body.append("]}").toString()).status()).isEqualTo(200);
        }
        java.net.http.HttpResponse<java.io.InputStream> streaming = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(running.server().uri("/pull/default"))
                        .header("Authorization", reader.bearer())
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"clientId\":\"" + reader.clientId()
                                + "\",\"lastSync\":0}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        assertThat(streaming.statusCode()).isEqualTo(200);
        try (java.io.InputStream answer = streaming.body()) {
            assertThat(answer.readNBytes(1_000)).hasSize(1_000);
            // Only this test's database, and only a session in the middle of its read: test classes run in
            // parallel on the same PostgreSQL, and an idle session keeps its last query's text.
            Object killed = TestPostgres.queryValue(running.realm(), "SELECT count(pg_terminate_backend(pid)) FROM "
                    + "pg_stat_activity WHERE query LIKE 'SELECT rowguid%' AND pid <> pg_backend_pid() "
                    + "AND datname = current_database() AND state <> 'idle'");
            assertThat(killed).as("the pull's database session").isEqualTo(1L);
            org.assertj.core.api.Assertions.assertThatThrownBy(answer::readAllBytes)
                    .as("the answer is cut, not completed").isInstanceOf(java.io.IOException.class);
        }
        assertThat(postJson("/pull/default", reader, "{\"clientId\":\"" + reader.clientId() + "\",\"lastSync\":0}")
                .status()).as("the lock was given back").isEqualTo(200);
    }

    private static String raw(String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", running.server().uri("/").getPort())) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder answer = new StringBuilder();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                answer.append(line).append('\n');
                if (line.startsWith("{")) {
                    break;
                }
            }
            return answer.toString();
        }
    }

    private static Response pull(Device device) {
        Response response = postJson("/pull/default", device, "{\"clientId\":\"" + device.clientId()
                + "\",\"lastSync\":0,\"changes\":[]}");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response;
    }

    /** Posts JSON text as it is, gzip-compressed as the client sends it. */
    private static Response postJson(String path, Device device, String json) {
        return running.server().postRaw(path, TestServer.gzip(json.getBytes(StandardCharsets.UTF_8)),
                "Content-Encoding", "gzip", "Authorization", device.bearer());
    }

    private static Device newUser() {
        return running.accounts().device("default", UUID.randomUUID() + "@example.com", "pw", true);
    }
}
