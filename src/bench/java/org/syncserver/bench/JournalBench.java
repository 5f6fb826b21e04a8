package org.syncserver.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * What the conflict journal costs under load (PROTOCOL §11.3; target: steady within 5 % of steady without it). The
 * same devices — two of each user — run the steady scenario alternately with 10 new rows a sync (no conflict) and
 * with 9 new rows and an edit of the one row both devices of the user edit (nearly every sync overwrites or skips a
 * version its device had not seen, and journals it), 3 rounds each.
 */
final class JournalBench {

    private static final int ROUNDS = 3;

    private JournalBench() {
    }

    static void run(BenchEnvironment environment, Sizes sizes) throws Exception {
        BenchDatabase database = environment.database();
        BenchClient client = new BenchClient(environment.serverUri());
        Scenarios scenarios = new Scenarios(client, environment.realm(), sizes, new Seeder(database));
        System.out.println("Warm-up (not reported)");
        BenchCommand.settle(client, new Scenarios(client, environment.realm(), Sizes.FULL, new Seeder(database)),
                sizes.steadyUsers());
        List<BenchDevice> devices = new ArrayList<>();
        Map<Integer, UUID> sharedRow = new HashMap<>();
        for (int user = 0; user < sizes.steadyUsers() / 2; user++) {
            BenchDevice first = BenchDevice.register(client, environment.realm(), UUID.randomUUID() + "@bench.example.com",
                    true);
            BenchDevice second = first.anotherDevice();
            UUID row = UUID.randomUUID();
            first.sync(List.of(BenchDevice.insert(row, 0)), rowguid -> { });
            second.sync(List.of(), rowguid -> { });
            sharedRow.put(devices.size(), row);
            sharedRow.put(devices.size() + 1, row);
            devices.add(first);
            devices.add(second);
        }
        List<Results.Steady> plain = new ArrayList<>();
        List<Results.Steady> conflicting = new ArrayList<>();
        List<Long> journalled = new ArrayList<>();
        for (int round = 1; round <= ROUNDS; round++) {
            System.out.println("Round " + round + ": steady, no conflict");
            plain.add(scenarios.steady(devices, false, () -> { }, (device, n) -> Scenarios.inserts(10, n)));
            System.out.println("Round " + round + ": steady, an edit of the user's shared row in every sync");
            long before = journalEntries(database);
            conflicting.add(scenarios.steady(devices, false, () -> { }, (device, n) -> {
                List<Map<String, Object>> changes = new ArrayList<>(Scenarios.inserts(9, n));
                Map<String, Object> edit = BenchDevice.insert(sharedRow.get(device), n);
                edit.put("operation", "U");
                changes.add(edit);
                return changes;
            }));
            journalled.add(journalEntries(database) - before);
        }
        report(plain, conflicting, journalled);
    }

    private static long journalEntries(BenchDatabase database) throws SQLException {
        try (Connection connection = database.connect();
             ResultSet rows = connection.createStatement().executeQuery("SELECT count(*) FROM sync_conflicts")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static void report(List<Results.Steady> plain, List<Results.Steady> conflicting, List<Long> journalled)
            throws IOException {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < plain.size(); i++) {
            rows.append(String.format(Locale.ROOT, "| %d | %.0f | %.1f | %.0f | %.1f | %,d |%n", i + 1,
                    plain.get(i).syncsPerSecond(), plain.get(i).p99Ms(), conflicting.get(i).syncsPerSecond(),
                    conflicting.get(i).p99Ms(), journalled.get(i)));
        }
        double rate = Results.Versus.median(plain.stream().map(Results.Steady::syncsPerSecond).toList());
        double rateJournalled = Results.Versus.median(conflicting.stream().map(Results.Steady::syncsPerSecond).toList());
        double p99 = Results.Versus.median(plain.stream().map(Results.Steady::p99Ms).toList());
        double p99Journalled = Results.Versus.median(conflicting.stream().map(Results.Steady::p99Ms).toList());
        String text = String.format(Locale.ROOT, """
                # Benchmark: the conflict journal under load

                `bin/bench --journal-cost`: 25 users with two devices each run the steady scenario (every device
                syncs again and again for 20 s) alternately with 10 new rows a sync, and with 9 new rows and an edit
                of the one row both devices of its user keep editing — so nearly every sync overwrites or skips a
                version its device had not seen, and journals it. 3 rounds each. Target: within 5 %% of steady
                without conflicts (docs/protocol.md §11.3).

                | round | no conflict: syncs/s | p99 ms | journalling: syncs/s | p99 ms | entries journalled |
                |---|---|---|---|---|---|
                %s
                Medians: %.0f syncs/s without conflicts, %.0f journalling (%+.1f %%); p99 %.1f and %.1f ms.
                """, rows, rate, rateJournalled, (rateJournalled / rate - 1) * 100, p99, p99Journalled);
        Files.writeString(Path.of("docs", "benchmarks-journal.md"), text);
        System.out.print(text);
    }
}
