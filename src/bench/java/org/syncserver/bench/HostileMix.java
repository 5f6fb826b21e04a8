package org.syncserver.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.syncserver.bench.BenchClient.map;

/**
 * Honest devices syncing while attackers do what the second hardening probe did (issue #28), for 5 minutes against
 * the server at its benchmark heap (256 MB): slow bodies on 64 connections from 4 addresses, a flood of unfinished
 * chunked uploads,
 * PIN guessing, a single 9 MB row pushed again and again by 4 devices, and one device opening streams without end.
 * Every honest sync must succeed.
 */
final class HostileMix {

    static final Duration TIME = Duration.ofMinutes(5);
    private static final int HONEST_DEVICES = 20;

    private final BenchClient client;
    private final String realm;
    private final long deadline;
    private final Map<String, AtomicInteger> attempts = new java.util.concurrent.ConcurrentHashMap<>();

    private HostileMix(BenchClient client, String realm, Duration time) {
        this.client = client;
        this.realm = realm;
        this.deadline = System.nanoTime() + time.toNanos();
    }

    static void run(BenchEnvironment environment, Duration time) throws Exception {
        BenchClient client = new BenchClient(environment.serverUri());
        HostileMix mix = new HostileMix(client, environment.realm(), time);
        List<BenchDevice> honest = new ArrayList<>();
        for (int i = 0; i < HONEST_DEVICES; i++) {
            honest.add(BenchDevice.register(client, environment.realm(), UUID.randomUUID() + "@honest.example.com",
                    true));
        }
        AtomicInteger syncs = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        System.out.println("Hostile mix for " + time.toSeconds() + " s: " + HONEST_DEVICES + " honest devices");
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            threads.submit(() -> mix.slowBodies(environment.serverUri()));
            threads.submit(mix::unfinishedUploads);
            threads.submit(mix::pinGuessing);
            for (int i = 0; i < 4; i++) {
                threads.submit(mix::largeRows);
            }
            threads.submit(mix::streams);
            for (BenchDevice device : honest) {
                threads.submit(() -> {
                    int n = 0;
                    while (mix.running()) {
                        try {
                            device.sync(Scenarios.inserts(10, n), rowguid -> { });
                            syncs.incrementAndGet();
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                            firstFailure.compareAndSet(null, e.getMessage());
                        }
                        n += 10;
                        mix.pause(200);
                    }
                });
            }
        }
        String text = String.format(Locale.ROOT, """
                # Benchmark: a hostile mix

                `bin/bench --hostile-mix`: %d honest devices syncing 10 rows every 200 ms for %d s against the
                server at a 256 MB heap, while attackers run beside them: 64 slow bodies to `/register` from 4
                addresses of their own (a byte a second, reopened when cut), unfinished chunked uploads with a new `syncId` each, PIN requests each
                followed by 5 wrong guesses, 4 devices pushing a single 9 MB row again and again, one device opening
                event streams without end.

                Honest syncs: %,d succeeded, %d failed%s.
                Attacks sent: %s.
                """, HONEST_DEVICES, time.toSeconds(), syncs.get(), failed.get(),
                firstFailure.get() == null ? "" : " (first: " + firstFailure.get() + ")", mix.attempts);
        Files.writeString(Path.of("docs", "benchmarks-hostile.md"), text);
        System.out.print(text);
    }

    private boolean running() {
        return System.nanoTime() < deadline;
    }

    private void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void count(String attack) {
        attempts.computeIfAbsent(attack, name -> new AtomicInteger()).incrementAndGet();
    }

    /**
     * The attackers' own addresses (127.0.0.2 on: the loopback range is theirs), as in the probe: on the internet an
     * attacker does not share the honest devices' address. The chunk flood, the PIN guessing and the heavy rows come
     * from the honest devices' address (127.0.0.1), as a user's other app or a shared NAT would.
     */
    private static InetAddress attacker(int index) throws IOException {
        return InetAddress.getByName("127.0.0." + (2 + index));
    }

    /** 64 connections from 4 addresses sending a registration body a byte a second; a cut one is opened again. */
    private void slowBodies(URI server) {
        List<Socket> sockets = new ArrayList<>();
        while (running()) {
            while (sockets.size() < 64) {
                try {
                    Socket socket = new Socket(server.getHost(), server.getPort(), attacker(sockets.size() % 4), 0);
                    socket.getOutputStream().write(("POST /register/" + realm + " HTTP/1.1\r\nHost: x\r\n"
                            + "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    sockets.add(socket);
                    count("slow body connections");
                } catch (IOException e) {
                    pause(100);
                }
            }
            sockets.removeIf(socket -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write('{');
                    out.flush();
                    return false;
                } catch (IOException cut) {
                    closeQuietly(socket);
                    return true;
                }
            });
            pause(1_000);
        }
        sockets.forEach(HostileMix::closeQuietly);
    }

    /** First chunks of uploads that never finish, each with a new syncId and 5 MB of data (little on the wire). */
    private void unfinishedUploads() {
        BenchDevice attacker = BenchDevice.register(client, realm, UUID.randomUUID() + "@flood.example.com", true);
        String block = randomText(8 * 1024);
        String data = block.repeat(640);
        while (running()) {
            try {
                client.post("/push/" + realm + "/" + attacker.clientId, map("chunkIndex", 0, "chunks", 10_000,
                        "data", data, "start", 0, "end", data.length(), "syncId", UUID.randomUUID().toString(),
                        "totalSize", data.length() * 10_000L, "multiple", 1), attacker.bearer());
            } catch (RuntimeException refusedOrPartial) {
                // 206 (accepted, unfinished) and 413 (a cap) both arrive here: the answer is not the point
            }
            count("unfinished uploads");
        }
    }

    /** A PIN requested for an account, then 5 wrong guesses, again and again. */
    private void pinGuessing() {
        String email = UUID.randomUUID() + "@victim.example.com";
        BenchDevice.register(client, realm, email, true);
        Random random = new Random(1);
        while (running()) {
            tryPost("/password/" + realm + "/forgotten", map("email", email));
            count("PIN requests");
            for (int guess = 0; guess < 5; guess++) {
                tryPost("/password/" + realm + "/change", map("email", email,
                        "pin", String.format(Locale.ROOT, "%06d", random.nextInt(1_000_000)), "password", "x-pw-1234"));
                count("PIN guesses");
            }
        }
    }

    /** A device pushing one 9 MB row (a photo), again and again: honest but heavy. */
    private void largeRows() {
        BenchDevice device = BenchDevice.register(client, realm, UUID.randomUUID() + "@photos.example.com", true);
        String photo = randomText(9 * 1024 * 1024);
        while (running()) {
            UUID row = UUID.randomUUID();
            try {
                device.sync(List.of(map("operation", "I", "rowguid", row.toString(), "tablename", "photos",
                        "clientdate", System.currentTimeMillis(), "rowData", map("rowguid", row.toString(),
                                "image", photo))), rowguid -> { });
            } catch (RuntimeException refused) {
                count("9 MB rows refused");
            }
            count("9 MB rows");
        }
    }

    /** One device opening event streams and never reading them. */
    private void streams() {
        BenchDevice device = BenchDevice.register(client, realm, UUID.randomUUID() + "@streams.example.com", true);
        List<Socket> sockets = new ArrayList<>();
        URI base = client.base();
        while (running()) {
            try {
                Socket socket = new Socket(base.getHost(), base.getPort(), attacker(4), 0);
                socket.getOutputStream().write(("GET /events/" + realm + "/" + device.clientId + " HTTP/1.1\r\n"
                        + "Host: x\r\nAccept: text/event-stream\r\nAuthorization: " + device.bearer() + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                sockets.add(socket);
                count("streams opened");
            } catch (IOException e) {
                count("streams refused");
            }
            pause(50);
            if (sockets.size() > 2_000) {
                closeQuietly(sockets.removeFirst());
            }
        }
        sockets.forEach(HostileMix::closeQuietly);
    }

    private void tryPost(String path, Object body) {
        try {
            client.post(path, body, null);
        } catch (RuntimeException refused) {
            // wrong guesses and throttled requests are the expected answers
        }
    }

    private static String randomText(int length) {
        Random random = new Random(length);
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) ('a' + random.nextInt(26)));
        }
        return text.toString();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
