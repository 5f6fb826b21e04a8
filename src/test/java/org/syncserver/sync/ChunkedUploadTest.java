package org.syncserver.sync;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.syncserver.config.Config;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.Timeouts;
import org.syncserver.config.TokenMode;
import org.syncserver.realm.Realms;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.TestClock;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 2026 clients send large pull and push bodies in chunks (PROTOCOL §11.1): any order, concurrently, retried, to
 * any instance, across a restart; the chunk that completes the upload gets the request's answer.
 */
class ChunkedUploadTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Config.PendingChunks UNCAPPED = new Config.PendingChunks(Long.MAX_VALUE, Long.MAX_VALUE);
    private static RealmConfig realm;
    private static TestServer server;

    @BeforeAll
    static void start() {
        realm = TestPostgres.newRealm("default");
        server = TestServer.start(TokenMode.OPAQUE, realm);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void chunksInAnyOrderAndRetriedMakeOnePush() {
        Device device = newUser();
        pull(server, device);
        List<String> chunks = chunks(pushBody(device, 50), 5);
        UUID syncId = UUID.randomUUID();
        int total = totalSize(chunks);

        for (int index : new int[] {3, 0, 4, 1}) {
            Response partial = sendChunk(server, device, "push", syncId, chunks, index, total);
            assertThat(partial.status()).isEqualTo(206);
            assertThat(partial.json().get("message").asText()).isEqualTo("Please send next chunk");
        }
        Response retried = sendChunk(server, device, "push", syncId, chunks, 3, total);
        assertThat(retried.json().get("progress").asText()).as("a retried chunk counts once").isEqualTo("4/5");
        assertThat(retried.json().get("percentage").asInt()).isEqualTo(80);

        Response last = sendChunk(server, device, "push", syncId, chunks, 2, total);
        assertThat(last.status()).as(last.body()).isEqualTo(200);
        assertThat(last.json().get("lastSync").isNumber()).isTrue();
        Response again = sendChunk(server, device, "push", syncId, chunks, 4, total);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body()).as("a chunk of a completed upload gets its answer again").isEqualTo(last.body());
        assertThat(rowsOf(device)).isEqualTo(50);
    }

    @Test
    void concurrentChunksCompleteTheUploadOnce() throws Exception {
        Device device = newUser();
        pull(server, device);
        List<String> chunks = chunks(pushBody(device, 30), 6);
        UUID syncId = UUID.randomUUID();
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            List<CompletableFuture<Response>> answers = new ArrayList<>();
            for (int i = 0; i < chunks.size(); i++) {
                int index = i;
                answers.add(CompletableFuture.supplyAsync(() -> sendChunk(server, device, "push", syncId, chunks, index,
                        totalSize(chunks)), threads));
            }
            List<Integer> statuses = answers.stream().map(CompletableFuture::join).map(Response::status).toList();
            assertThat(statuses).containsOnly(206, 200).contains(200);
        } finally {
            threads.shutdownNow();
        }
        assertThat(rowsOf(device)).isEqualTo(30);
    }

    @Test
    void anUploadContinuesAtAnotherInstanceAndAfterARestart() {
        Device device = newUser();
        pull(server, device);
        List<String> chunks = chunks(pushBody(device, 20), 5);
        UUID syncId = UUID.randomUUID();
        int total = totalSize(chunks);
        try (TestServer first = TestServer.start(TokenMode.OPAQUE, realm)) {
            assertThat(sendChunk(first, device, "push", syncId, chunks, 0, total).status()).isEqualTo(206);
            assertThat(sendChunk(first, device, "push", syncId, chunks, 1, total).status()).isEqualTo(206);
            assertThat(sendChunk(server, device, "push", syncId, chunks, 2, total).status()).isEqualTo(206);
        }
        try (TestServer restarted = TestServer.start(TokenMode.OPAQUE, realm)) {
            assertThat(sendChunk(restarted, device, "push", syncId, chunks, 3, total).status()).isEqualTo(206);
            assertThat(sendChunk(restarted, device, "push", syncId, chunks, 4, total).status()).isEqualTo(200);
        }
        assertThat(rowsOf(device)).isEqualTo(20);
    }

    @Test
    void anInvalidJoinedBodyIsRefusedAndNothingIsStored() {
        Device device = newUser();
        pull(server, device);
        String body = pushBody(device, 10).replace("\"operation\":\"I\"", "\"operation\":\"X\"");
        List<String> chunks = chunks(body, 3);
        UUID syncId = UUID.randomUUID();
        int total = totalSize(chunks);
        sendChunk(server, device, "push", syncId, chunks, 0, total);
        sendChunk(server, device, "push", syncId, chunks, 1, total);

        Response last = sendChunk(server, device, "push", syncId, chunks, 2, total);
        assertThat(last.status()).isEqualTo(400);
        assertThat(last.message()).contains("changes[0]", "operation must be");
        assertThat(sendChunk(server, device, "push", syncId, chunks, 0, total).message()).isEqualTo(last.message());
        assertThat(rowsOf(device)).isZero();
    }

    @Test
    void aChunkedPullAnswersAndARetriedLastChunkGetsTheSameRows() {
        Device writer = newUser();
        Device reader = new Accounts(server).device("default", writer.email(), "pw", false);
        pull(server, writer);
        assertThat(post(server, writer, "/push/default", pushBody(writer, 5)).status()).isEqualTo(200);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("clientId", reader.clientId().toString());
        body.put("lastSync", 0);
        List<Map<String, Object>> pending = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            pending.add(Map.of("operation", "U", "rowguid", UUID.randomUUID().toString(), "tablename", "tâches",
                    "clientdate", i));
        }
        body.put("changes", pending);
        List<String> chunks = chunks(json(body), 4);
        UUID syncId = UUID.randomUUID();
        int total = totalSize(chunks);
        for (int i = 0; i < 3; i++) {
            assertThat(sendChunk(server, reader, "pull", syncId, chunks, i, total).status()).isEqualTo(206);
        }

        Response answer = sendChunk(server, reader, "pull", syncId, chunks, 3, total);
        Response replayed = sendChunk(server, reader, "pull", syncId, chunks, 3, total);

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().get("data")).hasSize(5);
        assertThat(replayed.status()).isEqualTo(200);
        assertThat(replayed.json().get("data")).isEqualTo(answer.json().get("data"));
        assertThat(replayed.json().get("lastSync")).isEqualTo(answer.json().get("lastSync"));
    }

    @Test
    void abandonedUploadsAreRemovedAfterADay() {
        Device device = newUser();
        List<String> chunks = chunks(pushBody(device, 3), 3);
        UUID syncId = UUID.randomUUID();
        sendChunk(server, device, "push", syncId, chunks, 0, totalSize(chunks));
        String stored = "upload_chunks WHERE clientid = '" + device.clientId() + "'";
        assertThat(TestPostgres.count(realm, stored)).isOne();

        TestClock clock = new TestClock();
        try (Realms realms = Realms.open(List.of(realm), Timeouts.DEFAULTS, new SimpleMeterRegistry())) {
            new ChunkedUploads(Long.MAX_VALUE, UNCAPPED, clock).purge(realms);
            assertThat(TestPostgres.count(realm, stored)).as("kept for a day").isOne();
            clock.advance(Duration.ofDays(2));
            new ChunkedUploads(Long.MAX_VALUE, UNCAPPED, clock).purge(realms);
        }
        assertThat(TestPostgres.count(realm, stored)).isZero();
    }

    static Response sendChunk(TestServer to, Device device, String route, UUID syncId, List<String> chunks,
                                      int index, int totalSize) {
        int start = 0;
        for (int i = 0; i < index; i++) {
            start += chunks.get(i).getBytes(StandardCharsets.UTF_8).length;
        }
        Map<String, Object> chunk = new LinkedHashMap<>();
        chunk.put("chunkIndex", index);
        chunk.put("chunks", chunks.size());
        chunk.put("data", chunks.get(index));
        chunk.put("start", start);
        chunk.put("end", start + chunks.get(index).getBytes(StandardCharsets.UTF_8).length);
        chunk.put("syncId", syncId.toString());
        chunk.put("totalSize", totalSize);
        chunk.put("multiple", 1);
        return to.post("/" + route + "/default/" + device.clientId(), chunk, "Authorization", device.bearer());
    }

    /** The text cut into n pieces of about the same length (never inside a character). */
    static List<String> chunks(String text, int n) {
        List<String> pieces = new ArrayList<>();
        int size = (text.length() + n - 1) / n;
        for (int i = 0; i < n; i++) {
            pieces.add(text.substring(Math.min(text.length(), i * size), Math.min(text.length(), (i + 1) * size)));
        }
        return pieces;
    }

    static int totalSize(List<String> chunks) {
        return String.join("", chunks).getBytes(StandardCharsets.UTF_8).length;
    }

    static String pushBody(Device device, int rows) {
        List<Map<String, Object>> changes = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            changes.add(SyncProtocolTest.change("I", UUID.randomUUID(), 1000 + i, Map.of("title", "chunk row é " + i)));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("clientId", device.clientId().toString());
        body.put("lastSync", 0);
        body.put("isPartial", 0);
        body.put("changes", changes);
        return json(body);
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void pull(TestServer to, Device device) {
        assertThat(post(to, device, "/pull/default", "{\"clientId\":\"" + device.clientId() + "\",\"lastSync\":0}")
                .status()).isEqualTo(200);
    }

    static Response post(TestServer to, Device device, String path, String json) {
        return to.postRaw(path, TestServer.gzip(json.getBytes(StandardCharsets.UTF_8)), "Content-Encoding", "gzip",
                "Authorization", device.bearer());
    }

    private static long rowsOf(Device device) {
        return TestPostgres.count(realm, "sync_rows WHERE userid = (SELECT id FROM users WHERE email = '"
                + device.email() + "')");
    }

    private static Device newUser() {
        return new Accounts(server).device("default", UUID.randomUUID() + "@example.com", "pw", true);
    }
}
