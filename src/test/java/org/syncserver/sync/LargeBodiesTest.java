package org.syncserver.sync;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.Response;
import org.syncserver.support.ServerProcess;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #28: legal bodies at {@code -Xmx256m}, as small deployments run the server — chunked bodies joined from the
 * database, and large rows. Each used to end in OutOfMemoryError.
 */
@Isolated // large bodies and a small heap: runs alone, not beside other test classes
class LargeBodiesTest {

    private static final int MIB = 1024 * 1024;
    @TempDir
    static Path dir;
    private static ServerProcess process;
    private static TestServer server;
    private static RealmConfig realm;

    @BeforeAll
    static void start() throws IOException {
        realm = TestPostgres.newRealm("default");
        Path config = Files.writeString(dir.resolve("config.json"),
                "{\"db\":{\"realms\":{\"default\":\"" + TestPostgres.url(realm) + "\"}}}");
        process = ServerProcess.start(dir.resolve("server.log"), Map.of(), "--config", config.toString());
        server = process.client();
    }

    @AfterAll
    static void stop() {
        process.close();
    }

    /** The same body unchunked succeeded; chunked, it was joined in memory (as text, then as bytes) and ran out. */
    @Test
    void an80MbPushInFiveMibChunksIsStored() {
        Device device = newUser();
        ChunkedUploadTest.pull(server, device);
        String body = pushBody(device, 80, MIB);
        List<String> chunks = ChunkedUploadTest.chunks(body, (body.length() + 5 * MIB - 1) / (5 * MIB));
        UUID syncId = UUID.randomUUID();
        int total = ChunkedUploadTest.totalSize(chunks);
        Response last = null;
        for (int index = 0; index < chunks.size(); index++) {
            last = ChunkedUploadTest.sendChunk(server, device, "push", syncId, chunks, index, total);
        }
        assertThat(last.status()).as(last.body()).isEqualTo(200);
        assertThat(rowsOf(device)).isEqualTo(80);
    }

    /** Each replay used to join the 44 MB body again in memory, twice over. */
    @Test
    void theLastChunkOfA44MbChunkedPullReplayedSixTimesAtOnceIsAnsweredEachTime() throws Exception {
        Device writer = newUser();
        Device reader = new Accounts(server).device("default", writer.email(), "pw", false);
        ChunkedUploadTest.pull(server, writer);
        assertThat(ChunkedUploadTest.post(server, writer, "/push/default", pushBody(writer, 5, 100)).status())
                .isEqualTo(200);
        StringBuilder pull = new StringBuilder("{\"clientId\":\"" + reader.clientId() + "\",\"lastSync\":0,\"changes\":[");
        for (int i = 0; pull.length() < 44 * MIB; i++) {
            pull.append(i == 0 ? "" : ",").append("{\"operation\":\"U\",\"rowguid\":\"").append(UUID.randomUUID())
                    .append("\",\"tablename\":\"todos\",\"clientdate\":").append(1_700_000_000_000L + i).append('}');
        }
        String body = pull.append("]}").toString();
        List<String> chunks = ChunkedUploadTest.chunks(body, (body.length() + 5 * MIB - 1) / (5 * MIB));
        UUID syncId = UUID.randomUUID();
        int total = ChunkedUploadTest.totalSize(chunks);
        int last = chunks.size() - 1;
        for (int index = 0; index <= last; index++) {
            Response answer = ChunkedUploadTest.sendChunk(server, reader, "pull", syncId, chunks, index, total);
            assertThat(answer.status()).as(answer.body()).isEqualTo(index < last ? 206 : 200);
        }

        List<Integer> statuses = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(6)) {
            List<CompletableFuture<Response>> replays = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                replays.add(CompletableFuture.supplyAsync(() -> ChunkedUploadTest.sendChunk(server, reader, "pull",
                        syncId, chunks, last, total), threads));
            }
            for (CompletableFuture<Response> replay : replays) {
                statuses.add(replay.get().status());
            }
        }
        System.out.println("6 replays of a 44 MB chunked pull: " + statuses);
        assertThat(statuses).allMatch(status -> status == 200 || status == 503);
        assertThat(server.get("/healthz").status()).isEqualTo(200);
    }

    @Test
    void aHundredRowsOf1MbAreStored() {
        Device device = newUser();
        ChunkedUploadTest.pull(server, device);
        Response pushed = ChunkedUploadTest.post(server, device, "/push/default", pushBody(device, 100, MIB));
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(200);
        assertThat(rowsOf(device)).isEqualTo(100);
    }

    @Test
    void aSingle40MbRowIsStored() {
        Device device = newUser();
        ChunkedUploadTest.pull(server, device);
        Response pushed = ChunkedUploadTest.post(server, device, "/push/default", pushBody(device, 1, 40 * MIB));
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(200);
        assertThat(rowsOf(device)).isEqualTo(1);
    }

    @Test
    void aSingle64MbRowIsStored() {
        Device device = newUser();
        ChunkedUploadTest.pull(server, device);
        Response pushed = ChunkedUploadTest.post(server, device, "/push/default", pushBody(device, 1, 64 * MIB));
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(200);
        assertThat(rowsOf(device)).isEqualTo(1);
    }

    /** Text beyond Latin-1 takes two bytes a character in a Java string. */
    @Test
    void aSingle20MbRowOfGreekTextIsStored() {
        Device device = newUser();
        ChunkedUploadTest.pull(server, device);
        String body = pushBody(device, 1, 20 * MIB).replace('A', 'Ω').replace('B', 'λ');
        Response pushed = ChunkedUploadTest.post(server, device, "/push/default", body);
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(200);
        assertThat(rowsOf(device)).isEqualTo(1);
    }

    @Test
    void thirtyConcurrentPushesOfA9MbRowAreStored() throws Exception {
        List<Device> devices = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            Device device = newUser();
            ChunkedUploadTest.pull(server, device);
            devices.add(device);
        }
        try (ExecutorService threads = Executors.newFixedThreadPool(30)) {
            List<CompletableFuture<Response>> pushes = new ArrayList<>();
            for (Device device : devices) {
                String body = pushBody(device, 1, 9 * MIB);
                pushes.add(CompletableFuture.supplyAsync(() -> ChunkedUploadTest.post(server, device, "/push/default",
                        body), threads));
            }
            List<Integer> statuses = new ArrayList<>();
            for (CompletableFuture<Response> push : pushes) {
                statuses.add(push.get().status());
            }
            System.out.println("30 concurrent 9 MB pushes: " + statuses);
            assertThat(statuses).allMatch(status -> status == 200 || status == 503);
        }
        assertThat(server.get("/healthz").status()).isEqualTo(200);
    }

    /** Base64-like text, incompressible enough that PostgreSQL stores about what was sent. */
    private static String pushBody(Device device, int rows, int rowBytes) {
        Random random = new Random(rows * 31L + rowBytes);
        StringBuilder body = new StringBuilder(rows * (rowBytes + 200) + 100);
        body.append("{\"clientId\":\"").append(device.clientId()).append("\",\"lastSync\":0,\"isPartial\":0,\"changes\":[");
        char[] alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".toCharArray();
        for (int i = 0; i < rows; i++) {
            body.append(i == 0 ? "" : ",").append("{\"operation\":\"I\",\"rowguid\":\"").append(UUID.randomUUID())
                    .append("\",\"tablename\":\"photos\",\"clientdate\":1,\"rowData\":{\"jpeg\":\"");
            for (int c = 0; c < rowBytes; c++) {
                body.append(alphabet[random.nextInt(64)]);
            }
            body.append("\"}}");
        }
        return body.append("]}").toString();
    }

    private static long rowsOf(Device device) {
        return TestPostgres.count(realm, "sync_rows WHERE clientid = '" + device.clientId() + "'");
    }

    private static Device newUser() {
        return new Accounts(server).device("default", UUID.randomUUID() + "@example.com", "pw", true);
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
