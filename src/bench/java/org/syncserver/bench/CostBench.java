package org.syncserver.bench;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code bin/bench --cost-only} (issue #27): after the warm-up, steady and ingest against the server 3 times each,
 * alternately, with the server's and PostgreSQL's CPU per sync and their ratio; then fresh devices pulling 100,000
 * rows (3 times) beside the database's streamed read, with the bytes the answers took. Quicker to repeat than the
 * report for each change; the report's own figures come from the whole {@code bin/bench}.
 */
final class CostBench {

    static final int RUNS = 3;
    static final int BOOTSTRAP_ROWS = 100_000;

    private CostBench() {
    }

    /** Server and PostgreSQL CPU milliseconds a sync in one run. */
    record PerSync(double server, double postgres) {
        double ratio() {
            return server / postgres;
        }
    }

    static void run(BenchEnvironment environment, Scenarios scenarios, BenchClient client) throws Exception {
        CpuMeter cpu = new CpuMeter(environment.serverPid(), environment.database());
        int ingestSyncs = Sizes.FULL.ingestRows() / BenchDevice.PUSH_BATCH;
        List<PerSync> steady = new ArrayList<>();
        List<PerSync> ingest = new ArrayList<>();
        List<Double> steadyRates = new ArrayList<>();
        List<Double> ingestRates = new ArrayList<>();
        for (int run = 1; run <= RUNS; run++) {
            CpuMeter.Reading[] start = new CpuMeter.Reading[1];
            System.out.println("Measuring steady, run " + run); // a profiler attached by hand starts on these lines
            Results.Steady steadyRun = scenarios.steady(Sizes.FULL.steadyUsers(), Optional.empty(),
                    () -> start[0] = cpu.read());
            steady.add(perSync(CpuMeter.Reading.ZERO.plus(start[0], cpu.read()), steadyRun.syncs()));
            steadyRates.add(steadyRun.syncsPerSecond());
            print("steady", run, steady.getLast(), steadyRun.syncsPerSecond(), "syncs/s");
            System.out.println("Measuring ingest, run " + run);
            Results.Throughput ingestRun = scenarios.ingest(Optional.empty(), () -> start[0] = cpu.read());
            ingest.add(perSync(CpuMeter.Reading.ZERO.plus(start[0], cpu.read()), ingestSyncs));
            ingestRates.add(ingestRun.rowsPerSecond());
            print("ingest", run, ingest.getLast(), ingestRun.rowsPerSecond(), "rows/s");
        }
        summarize("steady", steady, steadyRates, "syncs/s");
        summarize("ingest", ingest, ingestRates, "rows/s");
        System.out.println("Measuring bootstraps");
        bootstrap(environment, client);
    }

    private static void bootstrap(BenchEnvironment environment, BenchClient client) throws SQLException {
        double reads = new DatabaseReference(environment.database()).measure(Sizes.FULL.referenceRows())
                .readsPerSecond();
        Sizes sizes = new Sizes(0, 0, BOOTSTRAP_ROWS, 0, 0, java.time.Duration.ZERO, 0, 0, 0, 0, 0, 0, 0, 1);
        Scenarios scenarios = new Scenarios(client, environment.realm(), sizes, new Seeder(environment.database()));
        List<Double> rates = new ArrayList<>();
        long bytes = 0;
        for (int run = 1; run <= RUNS; run++) {
            long before = client.answerBytes();
            rates.add(scenarios.bootstrapLarge().rowsPerSecond());
            bytes = client.answerBytes() - before;
            System.out.printf(Locale.ROOT, "bootstrap %,d, run %d: %.0f rows/s, %,d bytes received%n", BOOTSTRAP_ROWS,
                    run, rates.getLast(), bytes);
        }
        double median = Results.Versus.median(rates);
        System.out.printf(Locale.ROOT, "bootstrap %,d: median %.0f rows/s; streamed read %.0f rows/s; %.0f %%; "
                + "%.1f bytes a row sent%n", BOOTSTRAP_ROWS, median, reads, 100 * median / reads,
                (double) bytes / BOOTSTRAP_ROWS);
    }

    private static PerSync perSync(CpuMeter.Reading used, int syncs) {
        return new PerSync(used.server() * 1_000 / syncs, used.postgres() * 1_000 / syncs);
    }

    private static void print(String scenario, int run, PerSync cpu, double rate, String unit) {
        System.out.printf(Locale.ROOT, "%s, run %d: %.0f %s; CPU ms a sync: server %.2f, PostgreSQL %.2f, "
                + "ratio %.2f%n", scenario, run, rate, unit, cpu.server(), cpu.postgres(), cpu.ratio());
    }

    private static void summarize(String scenario, List<PerSync> runs, List<Double> rates, String unit) {
        double server = Results.Versus.median(runs.stream().map(PerSync::server).toList());
        double postgres = Results.Versus.median(runs.stream().map(PerSync::postgres).toList());
        double ratio = Results.Versus.median(runs.stream().map(PerSync::ratio).toList());
        System.out.printf(Locale.ROOT, "%s, medians of %d: %.0f %s; CPU ms a sync: server %.2f, PostgreSQL %.2f, "
                        + "sum %.2f; ratio %.2f (median of the runs' ratios %.2f)%n", scenario, runs.size(),
                Results.Versus.median(rates), unit, server, postgres, server + postgres, server / postgres, ratio);
    }
}
