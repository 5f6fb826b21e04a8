package org.syncserver.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.Response;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #28: slow bodies from a few addresses must not take the places every other client's bodies are read in.
 * Each test opens 256 bodies that send nothing more (they would be cut after the 10 s grace) and, while they hang,
 * checks that others still log in, pull and push.
 */
@Isolated // hundreds of connections held at once: runs alone, not beside other test classes
class BodyFairnessTest {

    private static final int ADDRESSES = 4;
    private static final int CONNECTIONS_PER_ADDRESS = 64;
    private static RealmConfig realm;
    private static TestServer server;
    private static Accounts accounts;

    @BeforeAll
    static void start() {
        realm = TestPostgres.newRealm("default");
        server = TestConfig.realms(realm).start();
        accounts = new Accounts(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void slowRegistrationsFromFourAddressesStarveNeitherLoginsNorSync() throws Exception {
        Device device = newUser();
        List<Socket> slow = slowBodies("/register/default", null);
        try {
            assertThat(accounts.login("default", device.email(), "pw", device.clientId()).status())
                    .as("a login from another address").isEqualTo(200);
            Device loggedIn = accounts.loggedIn("default", device.email(), "pw", device.clientId());
            SyncDevice phone = new SyncDevice(server, loggedIn, false);
            phone.insert(Map.of("title", "synced while others trickle"));
            phone.sync(); // fails on any answer but 200
            assertThat(rowsOf(device)).isOne();
        } finally {
            close(slow);
        }
    }

    @Test
    void oneAccountsTokenUsedFromFourAddressesStarvesNoOtherAccount() throws Exception {
        Device stolen = newUser();
        SyncDevice honest = new SyncDevice(server, newUser(), false);
        List<Socket> slow = slowBodies("/push/default", stolen.bearer());
        try {
            honest.insert(Map.of("title", "another account's push"));
            honest.sync(); // fails on any answer but 200
            assertThat(rowsOf(honest.account())).isOne();
            Response pull = server.post("/pull/default", Map.of("clientId", honest.account().clientId().toString(),
                    "lastSync", 0), "Authorization", accounts.refreshed(honest.account()).bearer());
            assertThat(pull.status()).as(pull.body()).isEqualTo(200);
        } finally {
            close(slow);
        }
    }

    @Test
    void aWholeSmallBodyIsReadWhileSlowBodiesFromItsAddressHoldEveryPlace() throws Exception {
        Device device = newUser();
        // the anonymous pool's places of 127.0.0.1, this test's own address, all taken by bodies that have only begun
        List<Socket> slow = slowBodies("/register/default", null, List.of("127.0.0.1"), 12);
        try {
            try (Socket refresh = new Socket("127.0.0.1", server.uri("/").getPort())) {
                byte[] body = ("{\"refreshToken\":\"" + device.refreshToken() + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
                // headers and body in one write, as a client that buffers a small request sends them
                refresh.getOutputStream().write(concat(("POST /login/default/refreshToken HTTP/1.1\r\n"
                        + "Host: localhost\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII), body));
                assertThat(statusLine(refresh)).as("a token refresh whose body came with its headers")
                        .contains(" 200 ");
            }
            slow.addAll(slowBodies("/register/default", null, List.of("127.0.0.1"), 1));
            assertThat(statusLine(slow.getLast())).as("one more body that has only begun, from that address")
                    .contains(" 503 ");
        } finally {
            close(slow);
        }
    }

    private static byte[] concat(byte[] head, byte[] body) {
        byte[] request = Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, request, head.length, body.length);
        return request;
    }

    private static String statusLine(Socket socket) throws IOException {
        socket.setSoTimeout(5_000);
        StringBuilder line = new StringBuilder();
        for (int b = socket.getInputStream().read(); b >= 0 && b != '\r'; b = socket.getInputStream().read()) {
            line.append((char) b);
        }
        return line.toString();
    }

    /** 64 requests from each of 127.0.0.2 to 127.0.0.5, whose bodies (1,000 bytes announced) have only begun. */
    private static List<Socket> slowBodies(String path, String bearer) throws IOException, InterruptedException {
        List<String> addresses = new ArrayList<>();
        for (int address = 0; address < ADDRESSES; address++) {
            addresses.add("127.0.0." + (2 + address));
        }
        return slowBodies(path, bearer, addresses, CONNECTIONS_PER_ADDRESS);
    }

    private static List<Socket> slowBodies(String path, String bearer, List<String> addresses, int perAddress)
            throws IOException, InterruptedException {
        List<Socket> sockets = new ArrayList<>();
        for (String address : addresses) {
            for (int i = 0; i < perAddress; i++) {
                Socket socket = new Socket();
                socket.bind(new InetSocketAddress(address, 0));
                socket.connect(new InetSocketAddress("127.0.0.1", server.uri("/").getPort()));
                OutputStream out = socket.getOutputStream();
                out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + (bearer == null ? "" : "Authorization: " + bearer + "\r\n")
                        + "Content-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                sockets.add(socket);
            }
        }
        Thread.sleep(300); // the server has begun reading them all
        return sockets;
    }

    private static void close(List<Socket> sockets) throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
    }

    private static long rowsOf(Device device) {
        return TestPostgres.count(realm, "sync_rows WHERE clientid = '" + device.clientId() + "'");
    }

    private static Device newUser() {
        return accounts.device("default", UUID.randomUUID() + "@example.com", "pw", true);
    }
}
