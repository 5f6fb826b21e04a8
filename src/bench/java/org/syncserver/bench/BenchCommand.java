package org.syncserver.bench;

import org.syncserver.config.RealmConfig;
import org.syncserver.sync.SyncFloor;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code bin/bench}: starts PostgreSQL and the server, measures the database reference and every
 * scenario, and writes docs/benchmarks.md with its chart.
 */
public final class BenchCommand {

    static final String USAGE = """
            Usage: bin/bench [--quick] [--console] [--out FILE] [--heap SIZE] [--server-jvm OPTION]...
                       [--server URL --jdbc JDBC_URL [--jdbc-user USER] [--jdbc-password PASSWORD] [--realm NAME]]

              --quick          tiny sizes: checks that every scenario works, in about a minute
              --steady-only    instead of the report: warm up, then the steady scenario against the floor and
                               the server, printed (for profiling: add --server-jvm -XX:StartFlightRecording:...)
              --ingest-only    the same for the ingest scenario (floor and server 3 times each, alternately), then
                               100,000 rows against the server alone (long enough to attach a profiler)
              --cost-only      the server's CPU per sync beside PostgreSQL's: warm up, then steady and ingest against
                               the server 3 times each, medians and ratios; then 3 bootstraps of 100,000 rows beside
                               the streamed read, with the bytes sent (issue #27)
              --bootstrap-only the same for bootstraps: the database's streamed read, then fresh devices
                               pulling 20,000 rows (3 times) and 1,000,000 rows (for profiling the pull)
              --purge-under-load the steady scenario with and without the tombstone purge running beside it
                               (3 times each, alternately): p99 and throughput (docs/benchmarks-lifecycle.md)
              --shared         steady in spaces of 5 users beside private steady (3 times each), then the
                               move-in of a space of 100,000 rows; writes docs/benchmarks-shared.md
              --shared-cost    the same two loads and private users of 5 devices, in alternate blocks of about a
                               second, printing each one's CPU a sync: the machine's drift cancels out (about 5 minutes)
              --journal-cost   steady with and without a journalled conflict in every sync (3 times each,
                               alternately): throughput and p99 (docs/benchmarks-journal.md)
              --hostile-mix    honest devices syncing for 5 minutes beside the attacks of the second hardening
                               probe (docs/benchmarks-hostile.md; with --quick 20 seconds)
              --console        instead: the operator console's API on 1,000,000 users and 10,000,000 rows
                               (docs/benchmarks-console.md; with --quick 2,000 users, target/bench-console-quick.md)
              --out FILE       the report (default docs/benchmarks.md, with --quick target/bench-quick.md);
                               the chart is written beside it
              --heap SIZE      heap of the server process (default 256m)
              --server-jvm OPT a further option for the server's JVM, e.g. a profiler's -agentpath (repeatable)
              --server URL     measure a server that is already running (rate limiting off) instead of starting one;
                               --jdbc names its realm's database, used for the reference and to seed large users
            """;

    private BenchCommand() {
    }

    /** {@code bin/bench} runs this, from the test classpath: the load generator is not part of the server's jar. */
    public static void main(String[] args) throws Exception {
        run(args);
    }

    public static void run(String[] args) throws Exception {
        Path out = null;
        String heap = "256m";
        List<String> serverJvmOptions = new ArrayList<>();
        Sizes sizes = Sizes.FULL;
        URI server = null;
        String jdbc = null;
        String jdbcUser = null;
        String jdbcPassword = null;
        String realm = "default";
        boolean console = false;
        boolean steadyOnly = false;
        boolean ingestOnly = false;
        boolean bootstrapOnly = false;
        boolean costOnly = false;
        boolean purgeUnderLoad = false;
        boolean journalCost = false;
        boolean hostileMix = false;
        boolean shared = false;
        boolean sharedCost = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--help", "-h" -> {
                    System.out.print(USAGE);
                    return;
                }
                case "--quick" -> sizes = Sizes.SMOKE;
                case "--console" -> console = true;
                case "--steady-only" -> steadyOnly = true;
                case "--ingest-only" -> ingestOnly = true;
                case "--bootstrap-only" -> bootstrapOnly = true;
                case "--cost-only" -> costOnly = true;
                case "--purge-under-load" -> purgeUnderLoad = true;
                case "--journal-cost" -> journalCost = true;
                case "--hostile-mix" -> hostileMix = true;
                case "--shared" -> shared = true;
                case "--shared-cost" -> sharedCost = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--heap" -> heap = args[++i];
                case "--server-jvm" -> serverJvmOptions.add(args[++i]);
                case "--server" -> server = URI.create(args[++i]);
                case "--jdbc" -> jdbc = args[++i];
                case "--jdbc-user" -> jdbcUser = args[++i];
                case "--jdbc-password" -> jdbcPassword = args[++i];
                case "--realm" -> realm = args[++i];
                default -> throw new IllegalArgumentException("Unknown argument: " + args[i] + "\n" + USAGE);
            }
        }
        if (console) { // before the default report path: this report is another file
            boolean quick = sizes == Sizes.SMOKE;
            ConsoleBench.runLocal(serverJar(), quick ? 2_000 : 1_000_000, 10, out != null ? out : quick
                    ? Path.of("target", "bench-console-quick.md") : Path.of("docs", "benchmarks-console.md"),
                    machine(null));
            return;
        }
        if (out == null) {
            // A smoke run's tiny figures must never replace the published report.
            out = sizes == Sizes.SMOKE ? Path.of("target", "bench-quick.md") : Path.of("docs", "benchmarks.md");
        }
        if ((server == null) != (jdbc == null)) {
            throw new IllegalArgumentException("--server and --jdbc go together\n" + USAGE);
        }
        Path log = Path.of("target", "bench-server.log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        try (BenchEnvironment environment = server != null
                ? new BenchEnvironment.External(server, new BenchDatabase(jdbc, jdbcUser, jdbcPassword), realm)
                : BenchEnvironment.Local.start(serverJar(), heap, serverJvmOptions, log)) {
            if (steadyOnly) {
                steadyOnly(environment, sizes);
                return;
            }
            if (bootstrapOnly) {
                bootstrapOnly(environment);
                return;
            }
            if (costOnly) {
                BenchClient client = new BenchClient(environment.serverUri());
                CostBench.run(environment, settled(client, new Seeder(environment.database()), environment), client);
                return;
            }
            if (purgeUnderLoad) {
                PurgeBench.run(environment, sizes);
                return;
            }
            if (journalCost) {
                JournalBench.run(environment, sizes);
                return;
            }
            if (shared) {
                SharedBench.run(environment, sizes, heap);
                return;
            }
            if (sharedCost) {
                SharedCostBench.run(environment, sizes);
                return;
            }
            if (hostileMix) {
                HostileMix.run(environment, sizes == Sizes.SMOKE ? java.time.Duration.ofSeconds(20) : HostileMix.TIME);
                return;
            }
            if (ingestOnly) {
                ingestOnly(environment);
                return;
            }
            BenchRun result = measure(environment, sizes);
            write(out, result, machine(environment), environment.serverSettings(), sizes != Sizes.SMOKE);
        }
    }

    private static BenchRun measure(BenchEnvironment environment, Sizes sizes) throws Exception {
        BenchClient client = new BenchClient(environment.serverUri());
        BenchDatabase database = environment.database();
        DatabaseReference reference = new DatabaseReference(database);
        Seeder seeder = new Seeder(database);
        try (SyncFloor floor = openFloor(environment)) {
            BenchRun.Servers servers = new BenchRun.Servers(environment.secondServerUri().map(BenchClient::new),
                    environment::serverRssBytes, new CpuMeter(environment.serverPid(), database), floor);
            System.out.println("Warm-up (not reported)");
            BenchRun.execute(client, environment.realm(), sizes == Sizes.SMOKE ? Sizes.SMOKE : Sizes.WARM_UP,
                    reference, seeder, servers, step -> { });
            if (sizes != Sizes.SMOKE) {
                settle(client, new Scenarios(client, environment.realm(), Sizes.FULL, seeder), sizes.steadyUsers());
            }
            return BenchRun.execute(client, environment.realm(), sizes, reference, seeder, servers,
                    step -> System.out.println("Measuring " + step));
        }
    }

    /** The floor on the measured realm's database, with the server's pool size. */
    private static SyncFloor openFloor(BenchEnvironment environment) {
        BenchDatabase database = environment.database();
        return SyncFloor.open(new RealmConfig(environment.realm(), database.jdbcUrl(), database.user(),
                database.password(), RealmConfig.DEFAULT_POOL_SIZE));
    }

    /** At most this many settling rounds of ingest and steady load follow the warm-up. */
    private static final int MAX_SETTLE_ROUNDS = 6;
    /** The JIT has settled when it compiled for less than this share of a round's time. */
    private static final double SETTLED_JIT_SHARE = 0.02;

    /**
     * Runs ingest and steady rounds until the server's JIT has settled: after the warm-up it still compiled for a
     * third of the server's CPU during an ingest (async-profiler), so a fixed warm-up decided what the report said.
     */
    static void settle(BenchClient client, Scenarios scenarios, int users) throws InterruptedException {
        settle(client, () -> {
            scenarios.ingest();
            scenarios.steady(users);
        });
    }

    /** Some unmeasured load, run again and again while the server's JIT compiles for more than 2 % of it. */
    interface SettlingRound {
        void run() throws InterruptedException;
    }

    static void settle(BenchClient client, SettlingRound load) throws InterruptedException {
        for (int round = 1; round <= MAX_SETTLE_ROUNDS; round++) {
            double before = client.compilationMillis();
            long start = System.nanoTime();
            load.run();
            double share = (client.compilationMillis() - before) / ((System.nanoTime() - start) / 1e6);
            System.out.printf(Locale.ROOT, "Settling, round %d: the server's JIT compiled %.1f %% of the time%n",
                    round, share * 100);
            if (!(share >= SETTLED_JIT_SHARE)) { // NaN (no metric) ends it too
                return;
            }
        }
    }

    /** The steady scenario alone, floor then server, with CPU per 1,000 syncs: quick to repeat while profiling. */
    private static void steadyOnly(BenchEnvironment environment, Sizes sizes) throws Exception {
        BenchDatabase database = environment.database();
        BenchClient client = new BenchClient(environment.serverUri());
        Scenarios scenarios = new Scenarios(client, environment.realm(), sizes, new Seeder(database));
        CpuMeter cpu = new CpuMeter(environment.serverPid(), database);
        try (SyncFloor floor = openFloor(environment)) {
            System.out.println("Warm-up (not reported)");
            Scenarios warmUp = new Scenarios(client, environment.realm(), Sizes.WARM_UP, new Seeder(database));
            warmUp.steady(sizes.steadyUsers(), Optional.of(floor));
            settle(client, new Scenarios(client, environment.realm(), Sizes.FULL, new Seeder(database)),
                    sizes.steadyUsers());
            for (boolean onFloor : new boolean[] {true, false}) {
                CpuMeter.Reading[] start = new CpuMeter.Reading[1];
                Results.Steady steady = scenarios.steady(sizes.steadyUsers(), onFloor ? Optional.of(floor)
                        : Optional.empty(), () -> start[0] = cpu.read());
                CpuMeter.Reading used = CpuMeter.Reading.ZERO.plus(start[0], cpu.read());
                double per = 1_000.0 / steady.syncs();
                System.out.printf(Locale.ROOT, "%s: %.0f syncs/s, p50 %.1f ms, p99 %.1f ms, %d errors; CPU s per "
                                + "1,000 syncs: server %.2f, PostgreSQL %.2f, generator %.2f%n",
                        onFloor ? "floor " : "server", steady.syncsPerSecond(), steady.p50Ms(), steady.p99Ms(),
                        steady.errors(), used.server() * per, used.postgres() * per, used.generator() * per);
                if (steady.firstError() != null) {
                    System.out.println("  first error: " + steady.firstError());
                }
            }
        }
    }

    /** The report's scenarios on a server that has been warmed up until its JIT settled. */
    private static Scenarios settled(BenchClient client, Seeder seeder, BenchEnvironment environment)
            throws InterruptedException {
        System.out.println("Warm-up (not reported)");
        Scenarios scenarios = new Scenarios(client, environment.realm(), Sizes.FULL, seeder);
        settle(client, scenarios, Sizes.FULL.steadyUsers());
        return scenarios;
    }

    /** Bootstraps alone, after the warm-up, beside the database's streamed read of the same rows. */
    private static void bootstrapOnly(BenchEnvironment environment) throws Exception {
        BenchClient client = new BenchClient(environment.serverUri());
        Scenarios scenarios = settled(client, new Seeder(environment.database()), environment);
        double reads = new DatabaseReference(environment.database()).measure(Sizes.FULL.referenceRows())
                .readsPerSecond();
        System.out.printf(Locale.ROOT, "streamed read: %.0f rows/s%n", reads);
        scenarios.ingest();
        System.out.printf(Locale.ROOT, "bootstrap 20,000: %.0f rows/s%n", scenarios.bootstrap().rowsPerSecond());
        System.out.println("Measuring bootstrap 1,000,000");
        System.out.printf(Locale.ROOT, "bootstrap 1,000,000: %.0f rows/s%n",
                scenarios.bootstrapLarge().rowsPerSecond());
    }

    /**
     * Ingest alone: floor and server alternately, as in the report, with CPU per sync; then a longer ingest against
     * the server, long enough to attach a profiler to it (about 12 s).
     */
    private static void ingestOnly(BenchEnvironment environment) throws Exception {
        BenchClient client = new BenchClient(environment.serverUri());
        Seeder seeder = new Seeder(environment.database());
        Scenarios scenarios = settled(client, seeder, environment);
        CpuMeter cpu = new CpuMeter(environment.serverPid(), environment.database());
        int syncs = Sizes.FULL.ingestRows() / BenchDevice.PUSH_BATCH;
        Results.BareCalls bare = scenarios.bareCalls(cpu);
        System.out.printf(Locale.ROOT, "bare calls: %.2f ms a call, server CPU %.3f ms a call%n", bare.p50Ms(),
                bare.serverCpuMs());
        try (SyncFloor floor = openFloor(environment)) {
            scenarios.ingest(Optional.of(floor)); // the floor's code compiled too, as the report's warm-up does
            for (int run = 0; run < Sizes.FULL.repeats() * 2; run++) {
                boolean onFloor = run % 2 == 0;
                CpuMeter.Reading[] start = new CpuMeter.Reading[1];
                Results.Throughput ingest = scenarios.ingest(onFloor ? Optional.of(floor) : Optional.empty(),
                        () -> start[0] = cpu.read());
                CpuMeter.Reading used = CpuMeter.Reading.ZERO.plus(start[0], cpu.read());
                System.out.printf(Locale.ROOT, "%s: %.0f rows/s; CPU ms a sync: server %.2f, PostgreSQL %.2f, "
                                + "generator %.2f%n", onFloor ? "floor " : "server", ingest.rowsPerSecond(),
                        used.server() * 1_000 / syncs, used.postgres() * 1_000 / syncs,
                        used.generator() * 1_000 / syncs);
            }
        }
        Sizes longer = new Sizes(100_000, 0, 0, 0, 0, java.time.Duration.ZERO, 0, 0, 0, 0, 0, 0, 0, 1);
        System.out.println("Measuring ingest");
        Results.Throughput ingest = new Scenarios(client, environment.realm(), longer, seeder).ingest();
        System.out.printf(Locale.ROOT, "ingest: %.0f rows/s%n", ingest.rowsPerSecond());
    }

    private static void write(Path out, BenchRun result, String machine, String settings, boolean publishedSizes)
            throws IOException {
        Path chart = out.resolveSibling(out.getFileName().toString().replaceFirst("\\.md$", "") + ".svg");
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(chart, Report.svg(result));
        Path performance = Path.of("docs", "performance.md").toAbsolutePath();
        String link = out.toAbsolutePath().getParent().relativize(performance).toString().replace('\\', '/');
        Files.writeString(out, Report.markdown(result, machine, settings, chart.getFileName().toString(), link,
                publishedSizes));
        System.out.println("Wrote " + out + " and " + chart);
        System.out.print(Files.readString(out));
    }

    private static String machine(BenchEnvironment environment) {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return String.format(Locale.ROOT, "- date: %s%n- CPU: %s, %d cores; memory %.0f GiB; %s %s%n"
                        + "- Java: %s %s%n- PostgreSQL: %s",
                LocalDate.now(), cpuModel(), Runtime.getRuntime().availableProcessors(),
                os.getTotalMemorySize() / 1024.0 / 1024 / 1024, System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("java.vm.name"), System.getProperty("java.version"),
                postgresVersion(environment));
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private static String postgresVersion(BenchEnvironment environment) {
        if (environment == null) {
            return "the embedded PostgreSQL of the benchmark (version below)";
        }
        try (Connection connection = environment.database().connect();
             ResultSet rows = connection.createStatement().executeQuery("SHOW server_version")) {
            return rows.next() ? rows.getString(1) : "unknown";
        } catch (SQLException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** The server the benchmark starts: the jar operators run, which bin/bench builds first. */
    private static Path serverJar() {
        Path jar = Path.of("target", "sync-server.jar").toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new IllegalStateException("No server jar at " + jar + ": run bin/bench, which builds it");
        }
        return jar;
    }
}
