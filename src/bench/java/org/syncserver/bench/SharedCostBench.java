package org.syncserver.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What a shared sync costs beside a private one, in CPU a sync, with the machine's drift cancelled. On this shared
 * machine the same code's CPU a sync moves by a third between minutes (docs/performance.md), more than #24's
 * target leaves: separate 20-second rounds compare moments, not code. Here the two loads of {@code --shared} (50
 * private users; 50 users in 10 spaces of 5), and 10 private users with 5 devices each (whose pulls bring as many
 * rows as a member's), take turns in short blocks — every device of one load syncs a few times, then the next
 * load's — and each block's CPU (server, PostgreSQL, load generator; /proc) is added to its load's total. A slow
 * minute then costs every load alike, and the ratio of the totals is the ratio of the code's costs.
 */
final class SharedCostBench {

    private static final int WARM_UP_BLOCKS = 60;
    private static final int MEASURED_BLOCKS = 60;
    /** Syncs each device makes in a block: about a second of load per block. */
    private static final int SYNCS_PER_BLOCK = 3;

    private SharedCostBench() {
    }

    static void run(BenchEnvironment environment, Sizes sizes) throws Exception {
        BenchClient client = new BenchClient(environment.serverUri());
        BenchDatabase database = environment.database();
        int users = sizes.steadyUsers();
        Map<Integer, UUID> spaceOf = new HashMap<>();
        List<BenchDevice> sharingDevices = SharedBench.membersOfSpaces(client, users, spaceOf);
        Scenarios.SteadyChanges privateRows = (device, n) -> Scenarios.inserts(10, n);
        Load privately = new Load("private", SharedBench.users(client, environment.realm(), users, 1),
                privateRows);
        // The same flow of rows without sharing: every pull brings the rows the user's four other devices pushed, as
        // a member's pull brings the other four members'.
        List<BenchDevice> fiveEach = SharedBench.users(client, environment.realm(), Math.max(1, users / 5), 5);
        Load multi = new Load("private, 5 devices a user", fiveEach, privateRows);
        Load shared = new Load("shared", sharingDevices, (device, n) -> SharedBench.items(spaceOf.get(device), n));
        // Statistics before the first plans: a connection keeps a statement's generic plan until the next ANALYZE,
        // and one made on the empty tables of a new database scans them whole until autovacuum's first pass, a
        // minute or more into the run (docs/performance.md, "Fourteenth session").
        analyze(database);
        analyze(SharedBench.database(database));
        CpuMeter cpu = new CpuMeter(environment.serverPid(), database);
        boolean quick = sizes == Sizes.SMOKE;
        System.out.println("Warm-up (not reported)");
        List<Load> loads = List.of(privately, multi, shared);
        alternate(loads, quick ? 2 : WARM_UP_BLOCKS, cpu);
        loads.forEach(Load::reset);
        System.out.println("Measuring " + (quick ? 4 : MEASURED_BLOCKS) + " blocks of each load, alternately");
        alternate(loads, quick ? 4 : MEASURED_BLOCKS, cpu);
        System.out.println(report(privately, shared));
        System.out.println(report(multi, shared));
    }

    private static void analyze(BenchDatabase database) throws SQLException {
        try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
            statement.execute("ANALYZE");
        }
    }

    private static void alternate(List<Load> loads, int blocks, CpuMeter cpu) throws Exception {
        for (int block = 0; block < blocks; block++) {
            for (Load load : loads) {
                load.block(cpu);
            }
        }
    }

    /** One load's devices, what they sync, and the CPU and syncs of its measured blocks (by thirds of the run). */
    private static final class Load {
        final String name;
        final List<BenchDevice> devices;
        final Scenarios.SteadyChanges changes;
        final List<CpuMeter.Reading> blockCpu = new ArrayList<>();
        final List<Integer> blockSyncs = new ArrayList<>();
        int errors;
        int next;

        Load(String name, List<BenchDevice> devices, Scenarios.SteadyChanges changes) {
            this.name = name;
            this.devices = devices;
            this.changes = changes;
        }

        void reset() {
            blockCpu.clear();
            blockSyncs.clear();
            errors = 0;
        }

        /** Every device syncs {@link #SYNCS_PER_BLOCK} times, all devices at once, as in the steady scenario. */
        void block(CpuMeter cpu) throws Exception {
            CpuMeter.Reading before = cpu.read();
            int syncs = 0;
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Integer>> done = new ArrayList<>();
                for (int d = 0; d < devices.size(); d++) {
                    BenchDevice device = devices.get(d);
                    int index = d;
                    int first = next;
                    done.add(threads.submit(() -> {
                        int ok = 0;
                        for (int i = 0; i < SYNCS_PER_BLOCK; i++) {
                            device.sync(changes.next(index, first + i * 10), rowguid -> { });
                            ok++;
                        }
                        return ok;
                    }));
                }
                for (Future<Integer> device : done) {
                    try {
                        syncs += device.get();
                    } catch (ExecutionException e) {
                        errors++;
                    }
                }
            }
            next += SYNCS_PER_BLOCK * 10;
            blockCpu.add(CpuMeter.Reading.ZERO.plus(before, cpu.read()));
            blockSyncs.add(syncs);
        }

        /** CPU ms a sync over blocks [from, to). */
        CpuMeter.Reading perSync(int from, int to) {
            CpuMeter.Reading sum = CpuMeter.Reading.ZERO;
            int syncs = 0;
            for (int i = from; i < to; i++) {
                sum = sum.plus(CpuMeter.Reading.ZERO, blockCpu.get(i));
                syncs += blockSyncs.get(i);
            }
            return sum.msPerSync(syncs);
        }
    }

    /** The shared load's CPU a sync beside the baseline's, by thirds of the run and over all of it. */
    private static String report(Load baseline, Load shared) {
        String base = baseline.name;
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, """
                | part of the run | %1$s: server, PostgreSQL, generator (ms a sync) | shared: the same | server + PostgreSQL, shared vs %1$s | all three, shared vs %1$s |
                |---|---|---|---|---|
                """, base));
        int blocks = baseline.blockCpu.size();
        for (int third = 0; third <= 3; third++) {
            int from = third == 3 ? 0 : third * blocks / 3;
            int to = third == 3 ? blocks : (third + 1) * blocks / 3;
            CpuMeter.Reading p = baseline.perSync(from, to);
            CpuMeter.Reading s = shared.perSync(from, to);
            text.append(String.format(Locale.ROOT, "| %s | %.2f, %.2f, %.2f | %.2f, %.2f, %.2f | %+.1f %% | %+.1f %% |%n",
                    third == 3 ? "**whole run**" : "blocks " + (from + 1) + "–" + to, p.server(), p.postgres(),
                    p.generator(), s.server(), s.postgres(), s.generator(),
                    percent(s.serverAndPostgres(), p.serverAndPostgres()), percent(s.all(), p.all())));
        }
        text.append(String.format(Locale.ROOT, "%nFailed syncs: %d %s, %d shared.%n", baseline.errors, base,
                shared.errors));
        return text.toString();
    }

    private static double percent(double value, double base) {
        return (value / base - 1) * 100;
    }
}
