package org.syncserver.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.syncserver.config.Config;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.Timeouts;
import org.syncserver.lifecycle.DataLifecycle;
import org.syncserver.metrics.Metrics;
import org.syncserver.realm.Realm;
import org.syncserver.realm.Realms;
import org.syncserver.version.BuildInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Does the tombstone purge slow the syncs beside it (PROTOCOL §13.2; target: steady p99 at most 10 % longer)?
 * Steady rounds without and with the purge, alternately, 3 each: before each round with the purge, 200,000
 * tombstones that nothing holds back are seeded, and the purge runs in a loop for the whole round, as the server's
 * own (the same statements, on the server's database, a pool of its own).
 */
final class PurgeBench {

    static final int TOMBSTONES = 200_000;
    private static final int ROUNDS = 3;

    private PurgeBench() {
    }

    static void run(BenchEnvironment environment, Sizes sizes) throws Exception {
        BenchDatabase database = environment.database();
        BenchClient client = new BenchClient(environment.serverUri());
        Seeder seeder = new Seeder(database);
        Scenarios scenarios = new Scenarios(client, environment.realm(), sizes, seeder);
        System.out.println("Warm-up (not reported)");
        BenchCommand.settle(client, new Scenarios(client, environment.realm(), Sizes.FULL, seeder),
                sizes.steadyUsers());
        RealmConfig config = new RealmConfig(environment.realm(), database.jdbcUrl(), database.user(),
                database.password(), 2);
        List<Results.Steady> without = new ArrayList<>();
        List<Results.Steady> with = new ArrayList<>();
        List<Long> purged = new ArrayList<>();
        try (Realms realms = Realms.open(List.of(config), Timeouts.DEFAULTS, new SimpleMeterRegistry())) {
            Realm realm = realms.require(environment.realm());
            DataLifecycle lifecycle = new DataLifecycle(realms, Config.Lifecycle.DEFAULTS, Clock.systemUTC(),
                    new Metrics(BuildInfo.load()));
            for (int round = 1; round <= ROUNDS; round++) {
                System.out.println("Round " + round + ": steady without the purge");
                without.add(scenarios.steady(sizes.steadyUsers()));
                seeder.seedTombstones(BenchDevice.register(client, environment.realm(),
                        UUID.randomUUID() + "@bench.example.com", true).clientId, TOMBSTONES);
                System.out.println("Round " + round + ": steady with the purge running beside it");
                AtomicBoolean running = new AtomicBoolean();
                AtomicLong removed = new AtomicLong();
                Thread purge = Thread.ofPlatform().name("purge").unstarted(() -> {
                    while (running.get()) {
                        removed.addAndGet(lifecycle.purge(realm));
                    }
                });
                with.add(scenarios.steady(sizes.steadyUsers(), Optional.empty(), () -> {
                    running.set(true);
                    purge.start();
                }));
                running.set(false);
                purge.join();
                purged.add(removed.get());
            }
        }
        report(without, with, purged);
    }

    private static void report(List<Results.Steady> without, List<Results.Steady> with, List<Long> purged)
            throws IOException {
        double p99Without = Results.Versus.median(without.stream().map(Results.Steady::p99Ms).toList());
        double p99With = Results.Versus.median(with.stream().map(Results.Steady::p99Ms).toList());
        double rateWithout = Results.Versus.median(without.stream().map(Results.Steady::syncsPerSecond).toList());
        double rateWith = Results.Versus.median(with.stream().map(Results.Steady::syncsPerSecond).toList());
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < without.size(); i++) {
            rows.append(String.format(Locale.ROOT, "| %d | %.0f | %.1f | %.0f | %.1f | %,d |%n", i + 1,
                    without.get(i).syncsPerSecond(), without.get(i).p99Ms(), with.get(i).syncsPerSecond(),
                    with.get(i).p99Ms(), purged.get(i)));
        }
        String text = String.format(Locale.ROOT, """
                # Benchmark: the tombstone purge under load

                `bin/bench --purge-under-load`: the steady scenario (50 users syncing 10 changes each, again and
                again, for 20 s) without and with the purge running in a loop beside it, alternately, 3 rounds;
                before each round with the purge, %,d tombstones that nothing holds back are seeded. Target: steady
                p99 with the purge at most 10 %% longer (docs/protocol.md §13.2).

                | round | without: syncs/s | p99 ms | with the purge: syncs/s | p99 ms | tombstones purged |
                |---|---|---|---|---|---|
                %s
                Medians: p99 %.1f ms without, %.1f ms with the purge (%+.0f %%); throughput %.0f and %.0f syncs/s
                (%+.0f %%).
                """, TOMBSTONES, rows, p99Without, p99With, (p99With / p99Without - 1) * 100, rateWithout, rateWith,
                (rateWith / rateWithout - 1) * 100);
        Path out = Path.of("docs", "benchmarks-lifecycle.md");
        Files.writeString(out, text);
        System.out.print(text);
    }
}
