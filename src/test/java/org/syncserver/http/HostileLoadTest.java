package org.syncserver.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.ServerProcess;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server at {@code -Xmx256m}, as small deployments run it, under input that used to exhaust it: bodies that
 * amplify in memory, slow bodies on hundreds of connections, and the largest requests honest devices make.
 */
@Isolated // timed assertions: runs alone, not beside other test classes
class HostileLoadTest {

    @TempDir
    static Path dir;
    private static ServerProcess process;
    private static TestServer server;
    private static RealmConfig realm;

    @BeforeAll
    static void start() throws IOException {
        realm = TestPostgres.newRealm("default");
        Path config = Files.writeString(dir.resolve("config.json"),
                "{\"db\":{\"realms\":{\"default\":\"" + TestPostgres.url(realm) + "\"}},"
                        + "\"timeouts\":{\"bodyGraceMs\":2000}}");
        process = ServerProcess.start(dir.resolve("server.log"), Map.of(), "--config", config.toString());
        server = process.client();
    }

    @AfterAll
    static void stop() {
        process.close();
    }

    /** sync_client cannot split a request: 200,000 pending changes in a pull, 100 photos of 1 MB in a push. */
    @Test
    void theLargestRequestsOfHonestDevicesGoThrough() {
        Device phone = newUser();
        Device laptop = new Accounts(server).device("default", phone.email(), "pw", false);
        StringBuilder pull = new StringBuilder("{\"clientId\":\"" + phone.clientId() + "\",\"lastSync\":0,\"changes\":[");
        for (int i = 0; i < 200_000; i++) {
            pull.append(i == 0 ? "" : ",").append("{\"operation\":\"U\",\"rowguid\":\"").append(UUID.randomUUID())
                    .append("\",\"tablename\":\"todos\",\"clientdate\":").append(1_700_000_000_000L + i).append('}');
        }
        assertThat(post("/pull/default", phone, pull.append("]}").toString()).status()).isEqualTo(200);

        Random random = new Random(42);
        StringBuilder push = new StringBuilder("{\"clientId\":\"" + phone.clientId() + "\",\"lastSync\":0,\"changes\":[");
        for (int i = 0; i < 100; i++) {
            byte[] photo = new byte[750_000];
            random.nextBytes(photo);
            push.append(i == 0 ? "" : ",").append("{\"operation\":\"I\",\"rowguid\":\"").append(UUID.randomUUID())
                    .append("\",\"tablename\":\"photos\",\"clientdate\":1,\"rowData\":{\"jpeg\":\"")
                    .append(Base64.getEncoder().encodeToString(photo)).append("\"}}");
        }
        Response pushed = post("/push/default", phone, push.append("]}").toString());
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(200);

        Response received = post("/pull/default", laptop, "{\"clientId\":\"" + laptop.clientId() + "\",\"lastSync\":0}");
        assertThat(received.status()).isEqualTo(200);
        JsonNode rows = received.json().get("data");
        assertThat(rows).hasSize(100);
        assertThat(rows.get(99).get("rowData").get("jpeg").asText()).hasSize(1_000_000);
    }

    /** 10 MB of [{},{},…] gzips to 10 KB; it used to become a 300 MB tree. */
    @Test
    void bodiesThatWouldAmplifyInMemoryCostTheirSizeOnly() throws Exception {
        String amplifier = "[{}" + ",{}".repeat(5_000_000) + "]";
        Response registration = server.post("/register/default", Map.of("email", "amp@example.com", "password", "pw",
                "clientId", UUID.randomUUID().toString(), "newRegistration", true, "clientDescription", amplifier));
        assertThat(registration.status()).isEqualTo(413);

        Device attacker = newUser();
        SyncDevice honest = new SyncDevice(server, newUser(), false);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<CompletableFuture<Integer>> attacks = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                attacks.add(CompletableFuture.supplyAsync(() -> post("/push/default", attacker,
                        "{\"clientId\":\"" + attacker.clientId() + "\",\"changes\":[{\"operation\":\"I\",\"rowguid\":\""
                                + UUID.randomUUID() + "\",\"tablename\":\"t\",\"clientdate\":1,\"rowData\":{\"x\":"
                                + amplifier + "}}]}").status(), threads));
            }
            for (int i = 0; i < 10; i++) {
                honest.insert(Map.of("title", "still syncing " + i));
                honest.sync();
            }
            for (CompletableFuture<Integer> attack : attacks) {
                assertThat(attack.get()).isIn(200, 409);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(server.get("/healthz").status()).as("the server is still up").isEqualTo(200);
    }

    /**
     * 300 connections sending their bodies a byte a second, and 260 stalled on a route that does not exist: health
     * checks and honest devices (from another address) keep being answered, and the slow ones are cut.
     */
    @Test
    void slowBodiesHoldNeitherTheServerNorHonestDevices() throws Exception {
        Device attacker = newUser();
        SyncDevice honest = new SyncDevice(server, newUser(), false);
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 560; i++) {
                slow.add(slowRequest(i < 300 ? "/push/default" : "/nothing-here", attacker.bearer()));
            }
            // Past the 2 s grace of this server's config (production: 10 s), slow bodies are cut.
            long deadline = System.nanoTime() + 5_000_000_000L;
            int syncs = 0;
            while (System.nanoTime() < deadline) {
                for (Socket socket : slow) {
                    trickle(socket);
                }
                long started = System.nanoTime();
                assertThat(server.get("/healthz").status()).isEqualTo(200);
                assertThat((System.nanoTime() - started) / 1_000_000).as("healthz in ms").isLessThan(1_000);
                honest.insert(Map.of("n", syncs));
                honest.sync();
                syncs++;
                Thread.sleep(1_000);
            }
            assertThat(syncs).isGreaterThanOrEqualTo(3);
            int answered = 0;
            for (Socket socket : slow) {
                answered += answeredOrClosed(socket) ? 1 : 0;
            }
            assertThat(answered).as("slow connections answered (408/503/404) or closed").isEqualTo(slow.size());
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
    }

    /** A request from 127.0.0.2 whose body (1,000 bytes announced) has only begun. */
    private static Socket slowRequest(String path, String bearer) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress("127.0.0.2", 0));
        socket.connect(new InetSocketAddress("127.0.0.1", process.port()));
        socket.setSoTimeout(50);
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Authorization: " + bearer + "\r\nContent-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    private static void trickle(Socket socket) {
        try {
            socket.getOutputStream().write(' ');
            socket.getOutputStream().flush();
        } catch (IOException closedByTheServer) {
            // expected once the server has given up on it
        }
    }

    private static boolean answeredOrClosed(Socket socket) {
        try {
            byte[] start = socket.getInputStream().readNBytes(12);
            String status = new String(start, StandardCharsets.US_ASCII);
            return start.length == 0 || status.matches("HTTP/1\\.1 (408|503|404).*");
        } catch (IOException closed) {
            return !(closed instanceof java.net.SocketTimeoutException);
        }
    }

    private static Device newUser() {
        return new Accounts(server).device("default", UUID.randomUUID() + "@example.com", "pw", true);
    }

    private static Response post(String path, Device device, String json) {
        return server.postRaw(path, TestServer.gzip(json.getBytes(StandardCharsets.UTF_8)), "Content-Encoding", "gzip",
                "Authorization", device.bearer());
    }
}
