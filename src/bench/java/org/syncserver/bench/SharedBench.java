package org.syncserver.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

import static org.syncserver.bench.BenchClient.map;

/**
 * Shared spaces under load (PROTOCOL §12; target: within 20 % of private steady). 50 users in 10 spaces of 5 run
 * the steady scenario, each sync adding 10 rows to its space (so every pull brings the other members' rows),
 * alternately with 50 users syncing 10 private rows each, 3 rounds each, on the same server and PostgreSQL. Then a
 * new member's fresh device pulls a space of 100,000 rows (the move-in) from the server at its benchmark heap.
 */
final class SharedBench {

    private static final int ROUNDS = 3;
    private static final int SPACES = 10;
    private static final int MOVE_IN_ROWS = 100_000;
    private static final String REALM = BenchEnvironment.Local.SHARED_REALM;

    private SharedBench() {
    }

    static void run(BenchEnvironment environment, Sizes sizes, String heap) throws Exception {
        BenchClient client = new BenchClient(environment.serverUri());
        BenchDatabase privateDatabase = environment.database();
        BenchDatabase sharedDatabase = database(privateDatabase);
        Scenarios privately = new Scenarios(client, environment.realm(), sizes, new Seeder(privateDatabase));
        Scenarios shared = new Scenarios(client, REALM, sizes, new Seeder(sharedDatabase));
        System.out.println("Warm-up (not reported)");
        BenchCommand.settle(client, new Scenarios(client, environment.realm(), Sizes.FULL, new Seeder(privateDatabase)),
                sizes.steadyUsers());
        int users = sizes.steadyUsers();
        List<BenchDevice> privateDevices = users(client, environment.realm(), users, 1);
        Map<Integer, UUID> spaceOf = new HashMap<>();
        List<BenchDevice> sharingDevices = membersOfSpaces(client, users, spaceOf);
        // The shared paths (the pull over several owners, placement, the spaces' clocks) are compiled by the JIT
        // only under shared load: without this their first measured round ran half-interpreted (119 vs 144 syncs/s
        // in its third).
        System.out.println("Warm-up of the shared scenario (not reported)");
        BenchCommand.settle(client, () -> shared.steady(sharingDevices, false, () -> { },
                (device, n) -> items(spaceOf.get(device), n)));
        CpuMeter cpu = new CpuMeter(environment.serverPid(), privateDatabase);
        List<Measured> plain = new ArrayList<>();
        List<Measured> sharing = new ArrayList<>();
        for (int round = 1; round <= ROUNDS; round++) {
            System.out.println("Round " + round + ": steady, private rows");
            plain.add(measured(cpu, timing -> privately.steady(privateDevices, false, timing,
                    (device, n) -> Scenarios.inserts(10, n))));
            System.out.println("Round " + round + ": steady, rows of spaces of 5 members");
            sharing.add(measured(cpu, timing -> shared.steady(sharingDevices, false, timing,
                    (device, n) -> items(spaceOf.get(device), n))));
        }
        System.out.println("Move-in of a space of " + MOVE_IN_ROWS + " rows");
        MoveIn moveIn = moveIn(client, sharedDatabase, sizes == Sizes.SMOKE ? 2_000 : MOVE_IN_ROWS);
        report(plain, sharing, moveIn, heap, sizes == Sizes.SMOKE);
    }

    /**
     * A steady round with the CPU each process spent a sync: on a machine shared by the server, PostgreSQL and the
     * load generator, throughput follows their sum, and the split says whose work a shared sync adds.
     */
    record Measured(Results.Steady steady, CpuMeter.Reading perSync) {
        double serverAndPostgres() {
            return perSync.serverAndPostgres();
        }
    }

    private static Measured measured(CpuMeter cpu, Function<Runnable, Results.Steady> round) {
        CpuMeter.Reading[] start = new CpuMeter.Reading[1];
        Results.Steady steady = round.apply(() -> start[0] = cpu.read());
        CpuMeter.Reading used = CpuMeter.Reading.ZERO.plus(start[0], cpu.read());
        if (steady.firstError() != null) {
            System.out.println("  " + steady.errors() + " failed syncs, the first: " + steady.firstError());
        }
        return new Measured(steady, used.msPerSync(steady.syncs()));
    }

    /** The shared realm's database, beside the measured realm's. */
    static BenchDatabase database(BenchDatabase privateDatabase) {
        return new BenchDatabase(privateDatabase.jdbcUrl().replace("/postgres",
                "/" + BenchEnvironment.Local.SHARED_DATABASE), privateDatabase.user(), privateDatabase.password());
    }

    /** New users of the realm with this many devices each, a user's devices one after the other. */
    static List<BenchDevice> users(BenchClient client, String realm, int users, int devicesEach) {
        List<BenchDevice> devices = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            BenchDevice first = BenchDevice.register(client, realm, email(), true);
            devices.add(first);
            for (int d = 1; d < devicesEach; d++) {
                devices.add(first.anotherDevice());
            }
        }
        return devices;
    }

    /** Ten spaces, each made by its first member's push, the other four invited and accepted. */
    static List<BenchDevice> membersOfSpaces(BenchClient client, int users, Map<Integer, UUID> spaceOf) {
        List<BenchDevice> devices = new ArrayList<>();
        for (int space = 0; space < SPACES; space++) {
            UUID spaceId = UUID.randomUUID();
            BenchDevice owner = BenchDevice.register(client, REALM, email(), true);
            owner.sync(items(spaceId, 0), rowguid -> { });
            spaceOf.put(devices.size(), spaceId);
            devices.add(owner);
            for (int member = 1; member < users / SPACES; member++) {
                BenchDevice joining = BenchDevice.register(client, REALM, email(), true);
                join(client, owner, joining, spaceId);
                spaceOf.put(devices.size(), spaceId);
                devices.add(joining);
            }
        }
        return devices;
    }

    private static void join(BenchClient client, BenchDevice owner, BenchDevice joining, UUID spaceId) {
        String invitation = client.post("/spaces/" + REALM + "/" + spaceId + "/invitations",
                map("email", joining.email(), "role", "editor"), owner.bearer()).get("id").asText();
        client.post("/spaces/" + REALM + "/invitations/" + invitation + "/accept", map(), joining.bearer());
    }

    /** Ten new rows of the space's shared table. */
    static List<Map<String, Object>> items(UUID spaceId, int firstNumber) {
        List<Map<String, Object>> changes = new ArrayList<>(10);
        for (int i = 0; i < 10; i++) {
            Map<String, Object> change = BenchDevice.insert(UUID.randomUUID(), firstNumber + i);
            change.put("tablename", "items");
            @SuppressWarnings("unchecked")
            Map<String, Object> row = (Map<String, Object>) change.get("rowData");
            row.put("space_id", spaceId.toString());
            changes.add(change);
        }
        return changes;
    }

    record MoveIn(int rows, long received, double seconds) {
    }

    /** A space given its rows through SQL; a new member's fresh device pulls all of them in its first sync. */
    private static MoveIn moveIn(BenchClient client, BenchDatabase database, int rows) throws SQLException {
        UUID spaceId = UUID.randomUUID();
        BenchDevice owner = BenchDevice.register(client, REALM, email(), true);
        owner.sync(items(spaceId, 0), rowguid -> { });
        seedSpace(database, spaceId, rows);
        BenchDevice joining = BenchDevice.register(client, REALM, email(), true);
        join(client, owner, joining, spaceId);
        AtomicLong received = new AtomicLong();
        long start = System.nanoTime();
        joining.sync(List.of(), rowguid -> received.incrementAndGet());
        return new MoveIn(rows, received.get(), (System.nanoTime() - start) / 1e9);
    }

    private static void seedSpace(BenchDatabase database, UUID spaceId, int rows) throws SQLException {
        try (Connection connection = database.connect()) {
            try (PreparedStatement insert = connection.prepareStatement("""
                    INSERT INTO sync_rows (userid, rowguid, tablename, operation, clientid, clientdate, serverdate, json)
                    SELECT s.id, gen_random_uuid(), 'items', 'I', gen_random_uuid(), 1700000000000 + n,
                           s.sync_clock + n,
                           jsonb_build_object('space_id', CAST(s.id AS TEXT), 'title', 'Seeded item ' || n,
                               'description', 'Something that has to be done, written by the benchmark',
                               'done', n % 2, 'priority', n % 5, 'due', 1700000000000 + n)
                      FROM spaces s, generate_series(1, ?) AS n
                     WHERE s.id = ?""")) {
                insert.setInt(1, rows);
                insert.setObject(2, spaceId);
                insert.executeUpdate();
            }
            try (PreparedStatement clock = connection.prepareStatement(
                    "UPDATE spaces SET sync_clock = sync_clock + ?, live_rows = live_rows + ? WHERE id = ?")) {
                clock.setInt(1, rows);
                clock.setInt(2, rows);
                clock.setObject(3, spaceId);
                clock.executeUpdate();
            }
            connection.createStatement().execute("ANALYZE sync_rows");
        }
    }

    private static String email() {
        return "bench-" + UUID.randomUUID() + "@example.com";
    }

    private static void report(List<Measured> plain, List<Measured> sharing, MoveIn moveIn, String heap,
                               boolean quick) throws IOException {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < plain.size(); i++) {
            rows.append(String.format(Locale.ROOT, "| %d | %s | %s | %d |%n", i + 1, cells(plain.get(i)),
                    cells(sharing.get(i)), sharing.get(i).steady().errors()));
        }
        double rate = median(plain, measured -> measured.steady().syncsPerSecond());
        double rateShared = median(sharing, measured -> measured.steady().syncsPerSecond());
        double cost = median(plain, Measured::serverAndPostgres);
        double costShared = median(sharing, Measured::serverAndPostgres);
        String text = String.format(Locale.ROOT, """
                # Benchmark: shared spaces

                `bin/bench --shared`: 50 users in 10 spaces of 5 members run the steady scenario (every device syncs
                again and again for 20 s, each sync adding 10 rows to its space, so each pull brings the rows the
                other four members added), alternately with 50 users syncing 10 private rows each on the measured
                realm, which shares nothing. 3 rounds each, after both scenarios ran unmeasured until the server's JIT settled,
                one server (-Xmx%s), one PostgreSQL (fsync on), the load generator on the same machine. CPU: milliseconds a
                sync each process spent in the round (/proc).
                Target: within 20 %% of private steady (docs/protocol.md §12).

                | round | private: syncs/s | p99 ms | CPU ms a sync: server, PostgreSQL, generator | shared: syncs/s | p99 ms | CPU ms a sync: server, PostgreSQL, generator | shared: failed syncs |
                |---|---|---|---|---|---|---|---|
                %s
                Medians: %.0f syncs/s private, %.0f shared (%+.1f %%); p99 %.1f and %.1f ms.
                Server + PostgreSQL CPU a sync, medians: %.2f ms private, %.2f shared (%+.1f %%).

                Move-in: a new member's fresh device pulled a space of %,d rows in %.1f s (%,d rows received,
                %,.0f rows/s), from the server at -Xmx%s.
                """, heap, rows, rate, rateShared, (rateShared / rate - 1) * 100,
                median(plain, measured -> measured.steady().p99Ms()),
                median(sharing, measured -> measured.steady().p99Ms()), cost, costShared,
                (costShared / cost - 1) * 100, moveIn.rows(), moveIn.seconds(), moveIn.received(),
                moveIn.received() / moveIn.seconds(), heap);
        Path out = quick ? Path.of("target", "bench-shared-quick.md") : Path.of("docs", "benchmarks-shared.md");
        Files.writeString(out, text);
        System.out.print(text);
    }

    private static String cells(Measured measured) {
        CpuMeter.Reading cpu = measured.perSync();
        return String.format(Locale.ROOT, "%.0f | %.1f | %.2f, %.2f, %.2f", measured.steady().syncsPerSecond(),
                measured.steady().p99Ms(), cpu.server(), cpu.postgres(), cpu.generator());
    }

    private static double median(List<Measured> rounds, ToDoubleFunction<Measured> figure) {
        return Results.Versus.median(rounds.stream().map(figure::applyAsDouble).toList());
    }
}
