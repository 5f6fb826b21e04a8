package org.syncserver.bench;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.syncserver.bench.DatabaseReference.seconds;

/**
 * The benchmark's scenarios, each driving the server over HTTP exactly as sync_client does, and each checking
 * that the data arrived (a scenario that loses a row fails instead of reporting a speed).
 */
final class Scenarios {

    private static final int BOOTSTRAP_RUNS = 3;

    /** The data did not arrive as it should. */
    static final class VerificationFailed extends RuntimeException {
        VerificationFailed(String message) {
            super(message);
        }
    }

    private final BenchClient client;
    private final String realm;
    private final Sizes sizes;
    private final Seeder seeder;

    private BenchDevice ingestDevice;
    private Set<String> ingested;
    private BenchDevice largeUserDevice;

    Scenarios(BenchClient client, String realm, Sizes sizes, Seeder seeder) {
        this.client = client;
        this.realm = realm;
        this.sizes = sizes;
        this.seeder = seeder;
    }

    /** One device inserts rows and syncs every 100, refreshing its token before each call, as the client does. */
    Results.Throughput ingest() {
        return ingest(Optional.empty());
    }

    /**
     * The ingest, its syncs answered by the floor instead (or by the server when empty). Every run's rows are
     * pulled back over HTTP by a fresh device of the user, which must receive each one: the bootstrap scenario
     * does it for the last run.
     */
    Results.Throughput ingest(Optional<SyncSession.Transport> floor) {
        return ingest(floor, () -> { });
    }

    /** @param timing runs as the timed part starts, after the registration (see {@link #steady}) */
    Results.Throughput ingest(Optional<SyncSession.Transport> floor, Runnable timing) {
        BenchDevice device = BenchDevice.register(client, realm, newEmail(), true);
        ingestDevice = device;
        device = floor.map(device::syncingThrough).orElse(device);
        ingested = new HashSet<>();
        timing.run();
        long start = System.nanoTime();
        for (int done = 0; done < sizes.ingestRows(); done += BenchDevice.PUSH_BATCH) {
            List<Map<String, Object>> changes = inserts(Math.min(BenchDevice.PUSH_BATCH, sizes.ingestRows() - done), done);
            changes.forEach(change -> ingested.add((String) change.get("rowguid")));
            device.sync(changes, rowguid -> { });
        }
        return new Results.Throughput(sizes.ingestRows(), seconds(start));
    }

    /** A fresh device of the last ingest's user pulls over HTTP and must receive every row that was pushed. */
    void verifyIngest() {
        Set<String> received = new HashSet<>();
        ingestDevice.anotherDevice().sync(List.of(), received::add);
        if (!received.equals(ingested)) {
            throw new VerificationFailed("ingest: a fresh device received " + received.size() + " rows, "
                    + Sets.difference(ingested, received) + " of the " + ingested.size() + " pushed were missing");
        }
    }

    /** One device sends 1,000 changes a push. */
    Results.Throughput bigPush() {
        BenchDevice device = BenchDevice.register(client, realm, newEmail(), true);
        long start = System.nanoTime();
        for (int done = 0; done < sizes.bigPushRows(); done += 1_000) {
            device.pullThenPush(inserts(Math.min(1_000, sizes.bigPushRows() - done), done));
        }
        return new Results.Throughput(sizes.bigPushRows(), seconds(start));
    }

    /**
     * Calls that reach no database, one after another, after as many unmeasured: the least HTTP costs a call on
     * this machine, on both sides. A sync makes six calls.
     */
    Results.BareCalls bareCalls(CpuMeter cpu) {
        for (int i = 0; i < sizes.bareCalls(); i++) {
            client.bareCall();
        }
        List<Double> times = new ArrayList<>();
        CpuMeter.Reading start = cpu.read();
        for (int i = 0; i < sizes.bareCalls(); i++) {
            long begun = System.nanoTime();
            client.bareCall();
            times.add((System.nanoTime() - begun) / 1e6);
        }
        CpuMeter.Reading used = CpuMeter.Reading.ZERO.plus(start, cpu.read());
        return new Results.BareCalls(sizes.bareCalls(), Results.Percentiles.of(times).at(50),
                used.server() * 1_000 / sizes.bareCalls());
    }

    /** Fresh devices of the ingest user pull everything (lastSync 0); the median of three, as for the reference. */
    Results.Throughput bootstrap() {
        List<Double> seconds = new ArrayList<>();
        for (int run = 0; run < BOOTSTRAP_RUNS; run++) {
            BenchDevice fresh = ingestDevice.anotherDevice();
            Set<String> received = new HashSet<>();
            long start = System.nanoTime();
            fresh.sync(List.of(), received::add);
            seconds.add(seconds(start));
            if (!received.equals(ingested)) {
                throw new VerificationFailed("bootstrap: the fresh device received " + received.size() + " rows, "
                        + Sets.difference(ingested, received) + " of the " + ingested.size() + " pushed were missing");
            }
        }
        return new Results.Throughput(ingested.size(), Results.Percentiles.of(seconds).at(50));
    }

    /** A fresh device pulls a user's whole history of {@code bootstrapLargeRows} rows, seeded through SQL. */
    Results.Throughput bootstrapLarge() throws SQLException {
        BenchDevice seedingDevice = BenchDevice.register(client, realm, newEmail(), true);
        seeder.seed(seedingDevice.clientId, sizes.bootstrapLargeRows());
        largeUserDevice = seedingDevice.anotherDevice();
        AtomicInteger received = new AtomicInteger();
        long start = System.nanoTime();
        largeUserDevice.sync(List.of(), rowguid -> received.incrementAndGet());
        double took = seconds(start);
        if (received.get() != sizes.bootstrapLargeRows()) {
            throw new VerificationFailed("bootstrap of " + sizes.bootstrapLargeRows() + " rows received " + received);
        }
        return new Results.Throughput(received.get(), took);
    }

    /** Many users sync 10 changes each, over and over, at the same time. */
    Results.Steady steady(int users) throws InterruptedException {
        return steady(users, Optional.empty());
    }

    /** The steady scenario, its syncs answered by the floor instead (or by the server when empty). */
    Results.Steady steady(int users, Optional<SyncSession.Transport> floor) throws InterruptedException {
        return steady(users, floor, () -> { });
    }

    /**
     * @param timing runs as the timed part starts, once the devices are registered and logged in: registration
     *               hashes passwords (Argon2id, tens of milliseconds of CPU each), which is no sync's cost
     */
    Results.Steady steady(int users, Optional<SyncSession.Transport> floor, Runnable timing)
            throws InterruptedException {
        List<BenchDevice> devices = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            BenchDevice device = BenchDevice.register(client, realm, newEmail(), true);
            devices.add(floor.map(device::syncingThrough).orElse(device));
        }
        return steady(devices, floor.isPresent(), timing, (device, n) -> inserts(10, n));
    }

    /** What a device of a steady scenario syncs each time: its {@code n}-th batch. */
    interface SteadyChanges {
        List<Map<String, Object>> next(int device, int n);
    }

    /** The steady scenario with these devices syncing these changes. */
    Results.Steady steady(List<BenchDevice> devices, boolean onFloor, Runnable timing, SteadyChanges changes) {
        // The devices sync for a quarter of the measured time before it starts: the server's JIT settles on this
        // load (it idled, or ran another scenario, just before), and every device has its first sync behind it.
        Steadying settling = new Steadying(changes);
        settling.run(devices, sizes.steadyTime().dividedBy(4), onFloor);
        timing.run();
        Steadying measured = new Steadying(changes);
        int retriedBefore = client.retried();
        long start = System.nanoTime();
        measured.run(devices, sizes.steadyTime(), onFloor);
        double took = seconds(start);
        Results.Percentiles percentiles = Results.Percentiles.of(new ArrayList<>(measured.latencies));
        return new Results.Steady(devices.size(), took, measured.latencies.size(), measured.errors.get(),
                client.retried() - retriedBefore, percentiles.at(50), percentiles.at(95), percentiles.at(99),
                percentiles.at(100), measured.firstError.get());
    }

    /** Devices syncing their changes, again and again, until the time is up; what their syncs took. */
    private static final class Steadying {
        final ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        final AtomicInteger errors = new AtomicInteger();
        final AtomicReference<String> firstError = new AtomicReference<>();
        final SteadyChanges changes;

        Steadying(SteadyChanges changes) {
            this.changes = changes;
        }

        void run(List<BenchDevice> devices, java.time.Duration time, boolean onFloor) {
            long deadline = System.nanoTime() + time.toNanos();
            // The floor runs the server's code, which the server runs on platform threads: so does the floor.
            try (ExecutorService threads = onFloor ? Executors.newThreadPerTaskExecutor(Thread.ofPlatform().factory())
                    : Executors.newVirtualThreadPerTaskExecutor()) {
                for (int d = 0; d < devices.size(); d++) {
                    BenchDevice device = devices.get(d);
                    int index = d;
                    threads.submit(() -> {
                        int n = 0;
                        while (System.nanoTime() < deadline) {
                            long began = System.nanoTime();
                            try {
                                device.sync(changes.next(index, n), rowguid -> { });
                                latencies.add((System.nanoTime() - began) / 1e6);
                            } catch (RuntimeException e) {
                                errors.incrementAndGet();
                                firstError.compareAndSet(null, e.getMessage());
                            }
                            n += 10;
                        }
                    });
                }
            }
        }
    }

    /** One device pushes a row; three other devices of the user, syncing in a loop, receive it. */
    Results.Fanout fanout() throws InterruptedException {
        BenchDevice writer = BenchDevice.register(client, realm, newEmail(), true);
        List<BenchDevice> watchers = List.of(writer.anotherDevice(), writer.anotherDevice(), writer.anotherDevice());
        AtomicReference<String> target = new AtomicReference<>("");
        AtomicReference<CountDownLatch> seenByAll = new AtomicReference<>(new CountDownLatch(0));
        AtomicLong pushedAt = new AtomicLong();
        ConcurrentLinkedQueue<Double> lastSeen = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Double> latencies = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (BenchDevice watcher : watchers) {
                threads.submit(() -> {
                    while (running.get()) {
                        watcher.sync(List.of(), rowguid -> {
                            if (rowguid.equals(target.get())) {
                                lastSeen.add(Math.max(0, (System.nanoTime() - pushedAt.get()) / 1e6));
                                seenByAll.get().countDown();
                            }
                        });
                    }
                });
            }
            try {
                for (int round = 0; round < sizes.fanoutRounds(); round++) {
                    List<Map<String, Object>> change = inserts(1, round);
                    lastSeen.clear();
                    pushedAt.set(Long.MAX_VALUE);
                    seenByAll.set(new CountDownLatch(watchers.size()));
                    target.set((String) change.get(0).get("rowguid"));
                    writer.sync(change, rowguid -> { }, () -> pushedAt.set(System.nanoTime()));
                    if (!seenByAll.get().await(30, TimeUnit.SECONDS)) {
                        throw new VerificationFailed("fanout: a watcher never received the row of round " + round);
                    }
                    latencies.add(Collections.max(lastSeen));
                }
            } finally {
                running.set(false);
            }
        }
        return new Results.Fanout(latencies);
    }

    /** A 10-change sync for a user with few rows and for the user of {@link #bootstrapLarge()}. */
    Results.Incremental incremental() throws SQLException {
        BenchDevice seedingDevice = BenchDevice.register(client, realm, newEmail(), true);
        seeder.seed(seedingDevice.clientId, sizes.incrementalSmallRows());
        BenchDevice small = seedingDevice.anotherDevice();
        small.sync(List.of(), rowguid -> { });
        double smallMs = medianSyncMs(small);
        double largeMs = medianSyncMs(largeUserDevice);
        return new Results.Incremental(sizes.incrementalSmallRows(), sizes.bootstrapLargeRows(), smallMs, largeMs);
    }

    private double medianSyncMs(BenchDevice device) {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < sizes.incrementalSyncs(); i++) {
            long start = System.nanoTime();
            device.sync(inserts(10, i * 10), rowguid -> { });
            times.add((System.nanoTime() - start) / 1e6);
        }
        return Results.Percentiles.of(times).at(50);
    }

    static List<Map<String, Object>> inserts(int count, int firstNumber) {
        List<Map<String, Object>> changes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            changes.add(BenchDevice.insert(UUID.randomUUID(), firstNumber + i));
        }
        return changes;
    }

    private static String newEmail() {
        return "bench-" + UUID.randomUUID() + "@example.com";
    }

    private static final class Sets {
        static int difference(Set<String> a, Set<String> b) {
            Set<String> missing = new HashSet<>(a);
            missing.removeAll(b);
            return missing.size();
        }
    }
}
