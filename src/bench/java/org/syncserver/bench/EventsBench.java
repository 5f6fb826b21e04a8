package org.syncserver.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Change events (PROTOCOL §11.2) under load: how soon a push reaches 1,000 open streams, on one instance and
 * across two; and what 10,000 idle streams cost the server in memory and in sync throughput. The streams are
 * real HTTP/1.1 connections, read line by line as the app would.
 */
final class EventsBench implements AutoCloseable {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<HttpResponse<Stream<String>>> open = new ArrayList<>();
    /** The round in progress: every stream counts down when its event arrives. */
    private final AtomicReference<CountDownLatch> round = new AtomicReference<>(new CountDownLatch(0));
    private final ConcurrentLinkedQueue<Long> arrivals = new ConcurrentLinkedQueue<>();

    /** Streams of the pushing user's other device; the rest of the open streams are other users' and stay idle. */
    static final int LISTENING = 10;

    /**
     * Opens {@code streams} streams at {@code server}: {@link #LISTENING} of another device of the pushing user, the
     * others of a user who does not push, as a server with many connected users has them. Then a device pushes one
     * change a round through {@code pusherClient}: each event's latency counts from the push's answer.
     */
    static Results.Events pokes(BenchClient pusherClient, URI server, String realm, int streams, int rounds,
                                String where) throws InterruptedException {
        BenchDevice pusher = BenchDevice.register(pusherClient, realm, "events-" + UUID.randomUUID() + "@bench.test",
                true);
        BenchDevice listener = pusher.anotherDevice();
        BenchDevice bystander = BenchDevice.register(pusherClient, realm, "bystander-" + UUID.randomUUID()
                + "@bench.test", true);
        int listening = Math.min(LISTENING, streams);
        try (EventsBench idle = new EventsBench(); EventsBench bench = new EventsBench()) {
            idle.open(server, realm, bystander, streams - listening);
            bench.open(server, realm, listener, listening);
            List<Double> latencies = new ArrayList<>();
            int missed = 0;
            for (int i = 0; i < rounds; i++) {
                CountDownLatch arrived = new CountDownLatch(listening);
                bench.round.set(arrived);
                bench.arrivals.clear();
                long[] answered = new long[1];
                pusher.sync(List.of(BenchDevice.insert(UUID.randomUUID(), i)), rowguid -> { },
                        () -> answered[0] = System.nanoTime());
                if (!arrived.await(5, TimeUnit.SECONDS)) {
                    missed += (int) arrived.getCount();
                }
                for (long at : bench.arrivals) {
                    latencies.add(Math.max(0, at - answered[0]) / 1e6);
                }
            }
            return new Results.Events(where, streams, listening, rounds, latencies, missed);
        }
    }

    /** Opens {@code streams} idle streams and measures the server with them: memory, and the steady scenario. */
    static Results.IdleStreams idle(BenchClient client, URI server, String realm, int streams, Scenarios scenarios,
                                    int steadyUsers, Supplier<OptionalLong> serverRss) throws InterruptedException {
        BenchDevice listener = BenchDevice.register(client, realm, "idle-" + UUID.randomUUID() + "@bench.test", true);
        long heapBefore = client.heapUsedBytes();
        OptionalLong rssBefore = serverRss.get();
        try (EventsBench bench = new EventsBench()) {
            bench.open(server, realm, listener, streams);
            System.gc();
            Thread.sleep(2_000);
            long heapWith = client.heapUsedBytes();
            OptionalLong rssWith = serverRss.get();
            Results.Steady steady = scenarios.steady(steadyUsers);
            return new Results.IdleStreams(streams, heapBefore, heapWith, rssBefore, rssWith, steady);
        }
    }

    private void open(URI server, String realm, BenchDevice device, int streams) {
        HttpRequest request = HttpRequest.newBuilder(server.resolve("/events/" + realm + "/" + device.clientId))
                .header("Accept", "text/event-stream").header("Authorization", device.bearer()).GET().build();
        List<java.util.concurrent.CompletableFuture<HttpResponse<Stream<String>>>> opening = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            opening.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofLines()));
        }
        for (var future : opening) {
            HttpResponse<Stream<String>> response = future.join();
            if (response.statusCode() != 200) {
                throw new Scenarios.VerificationFailed("event stream answered " + response.statusCode());
            }
            open.add(response);
            Thread.ofVirtual().start(() -> read(response.body()));
        }
    }

    private void read(Stream<String> lines) {
        try {
            lines.forEach(line -> {
                if (line.startsWith("data:")) {
                    arrivals.add(System.nanoTime());
                    round.get().countDown();
                }
            });
        } catch (RuntimeException closed) {
            // the benchmark closed the stream
        }
    }

    @Override
    public void close() {
        for (HttpResponse<Stream<String>> response : open) {
            response.body().close();
        }
        http.shutdownNow();
    }

    /** For the smoke test and the report: the answer a server gave to /metrics. */
    static long heapUsed(String metrics) {
        long total = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                total += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }
}
