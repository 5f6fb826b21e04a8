package org.syncserver.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A pg_auto_failover formation (Debian's {@code postgresql-15-auto-failover}): a monitor and two PostgreSQL nodes, a
 * primary and a synchronous standby, each run by its {@code pg_autoctl} keeper, as README "High availability" sets
 * them up. The monitor judges a node lost and promotes the standby by itself; its health checks are shortened so
 * that a test sees a failover in seconds rather than the production defaults' half minute. PostgreSQL refuses to
 * run as root: under root every command runs as the {@code postgres} user that the package creates.
 */
public final class AutoFailover implements AutoCloseable {

    private static final Path PG_AUTOCTL = Path.of("/usr/bin/pg_autoctl");
    /** Faster than the defaults (5 s checks, 20 s to judge a node unhealthy, 30 s for it to demote itself); ms. */
    private static final Map<String, Integer> MONITOR_SETTINGS = Map.of(
            "pgautofailover.health_check_period", 1000, "pgautofailover.health_check_timeout", 1000,
            "pgautofailover.health_check_max_retries", 1, "pgautofailover.health_check_retry_delay", 500,
            "pgautofailover.node_considered_unhealthy_timeout", 2000, "pgautofailover.primary_demote_timeout", 3000);

    private final Path dir;
    private final Path bin;
    private final int monitorPort = ServerProcess.freePort();
    /** node name → port, in the order the nodes join: the first becomes the primary. */
    private final Map<String, Integer> nodePorts = new LinkedHashMap<>();
    private final List<Process> keepers = new ArrayList<>();
    private final Map<String, Process> nodeKeepers = new LinkedHashMap<>();

    private AutoFailover(Path dir, Path bin) {
        this.dir = dir;
        this.bin = bin;
        nodePorts.put("node1", ServerProcess.freePort());
        nodePorts.put("node2", ServerProcess.freePort());
    }

    /** Whether pg_auto_failover and a PostgreSQL for it are installed here. */
    public static boolean installed() {
        return Files.isExecutable(PG_AUTOCTL) && postgresBin().isPresent();
    }

    /** Starts the monitor, then both nodes, and waits until the standby is a synchronous secondary. */
    public static AutoFailover start() throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "pg-auto-failover");
        AutoFailover formation = new AutoFailover(dir, postgresBin().orElseThrow());
        try {
            formation.ownedByPostgres(dir);
            formation.startMonitor();
            formation.nodePorts.keySet().forEach(formation::startNode);
            formation.awaitStates(Duration.ofSeconds(120), "primary", "secondary");
            return formation;
        } catch (RuntimeException | IOException e) {
            formation.close();
            throw e;
        }
    }

    /** Both nodes; pgjdbc writes to whichever is primary (the server adds targetServerType=primary). */
    public String url() {
        StringBuilder hosts = new StringBuilder();
        nodePorts.values().forEach(port -> hosts.append(hosts.isEmpty() ? "" : ",").append("127.0.0.1:").append(port));
        return "postgresql://postgres@" + hosts + "/postgres";
    }

    /** SIGKILL to the primary's keeper and its PostgreSQL: its machine died. */
    public void killPrimary() {
        // a backend forked after the listing ends by itself once it sees its postmaster gone
        processesOf(nodeKeepers.get(primary())).forEach(ProcessHandle::destroyForcibly);
    }

    /** SIGSTOP to the primary's keeper and its PostgreSQL: its sockets stay open and silent. */
    public void freezePrimary() {
        String node = primary();
        // Twice: a process that forked between the listing and the signal (a backend for a new connection) would
        // go on answering; once its parent is stopped, nothing new can start. A process that ended meanwhile makes
        // kill fail for it alone; the others are signalled.
        for (int pass = 0; pass < 2; pass++) {
            List<String> command = new ArrayList<>(List.of("kill", "-STOP"));
            processesOf(nodeKeepers.get(node)).forEach(process -> command.add(String.valueOf(process.pid())));
            exitCodeOf(command);
        }
    }

    /** @return how long the monitor took to make the standby the primary */
    public Duration awaitPromotion(String lostPrimary, Duration atMost) {
        long start = System.nanoTime();
        String standby = nodePorts.keySet().stream().filter(node -> !node.equals(lostPrimary)).findFirst().orElseThrow();
        long deadline = start + atMost.toNanos();
        while (!List.of("wait_primary", "primary").contains(reportedState(standby))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pg_auto_failover did not promote " + standby + " within " + atMost
                        + ": " + states());
            }
            ServerProcess.sleep(100);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** The node the monitor holds for the primary now. */
    public String primary() {
        return String.valueOf(queryMonitor("SELECT nodename FROM pgautofailover.node"
                + " WHERE goalstate IN ('primary', 'wait_primary', 'single') ORDER BY nodeid LIMIT 1"));
    }

    /** The first column of the first row, on the node that is primary now. */
    public Object queryPrimary(String sql) {
        return query(nodePorts.get(primary()), "postgres", sql);
    }

    private void startMonitor() {
        Path data = dir.resolve("monitor");
        run(autoctl("create", "monitor", "--pgdata", data.toString(), "--pgport", String.valueOf(monitorPort),
                "--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl"));
        keepers.add(spawn(autoctl("run", "--pgdata", data.toString()), dir.resolve("monitor.log")));
        awaitAnswer(monitorPort, "pg_auto_failover");
        try (Connection monitor = connect(monitorPort, "pg_auto_failover");
             Statement statement = monitor.createStatement()) {
            for (var setting : MONITOR_SETTINGS.entrySet()) {
                statement.execute("ALTER SYSTEM SET " + setting.getKey() + " = " + setting.getValue());
            }
            statement.execute("SELECT pg_reload_conf()");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void startNode(String name) {
        Process keeper = spawn(autoctl("create", "postgres", "--pgdata", dir.resolve(name).toString(), "--pgport",
                String.valueOf(nodePorts.get(name)), "--hostname", "127.0.0.1", "--name", name, "--auth", "trust",
                "--no-ssl", "--monitor", "postgres://autoctl_node@127.0.0.1:" + monitorPort
                        + "/pg_auto_failover?sslmode=disable", "--run"), dir.resolve(name + ".log"));
        keepers.add(keeper);
        nodeKeepers.put(name, keeper);
        if (nodeKeepers.size() == 1) {
            awaitStates(Duration.ofSeconds(60), "single"); // the next node then joins it as its standby
        }
    }

    private void awaitStates(Duration atMost, String... states) {
        long deadline = System.nanoTime() + atMost.toNanos();
        List<String> wanted = List.of(states);
        while (!states().equals(wanted)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pg_auto_failover nodes " + states() + " instead of " + wanted
                        + " after " + atMost + "; logs in " + dir);
            }
            ServerProcess.sleep(200);
        }
    }

    /** The state each node reports, in node order. */
    private List<String> states() {
        Object states = queryMonitor("SELECT string_agg(reportedstate::text, ',' ORDER BY nodeid)"
                + " FROM pgautofailover.node WHERE reportedstate = goalstate");
        return states == null ? List.of() : List.of(String.valueOf(states).split(","));
    }

    private String reportedState(String node) {
        return String.valueOf(queryMonitor("SELECT reportedstate FROM pgautofailover.node WHERE nodename = '"
                + node + "' AND reportedstate = goalstate"));
    }

    private Object queryMonitor(String sql) {
        return query(monitorPort, "pg_auto_failover", sql);
    }

    private static Object query(int port, String database, String sql) {
        try (Connection connection = connect(port, database);
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getObject(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Connection connect(int port, String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database
                + "?connectTimeout=5&socketTimeout=10", "postgres", null);
    }

    private static void awaitAnswer(int port, String database) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (Connection ignored = connect(port, database)) {
                return;
            } catch (SQLException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("PostgreSQL on port " + port + " did not answer", notYet);
                }
                ServerProcess.sleep(200);
            }
        }
    }

    /** A keeper and everything it started: its services, its PostgreSQL and the backends of that. */
    private static List<ProcessHandle> processesOf(Process keeper) {
        List<ProcessHandle> processes = new ArrayList<>(List.of(keeper.toHandle()));
        keeper.toHandle().descendants().forEach(processes::add);
        return processes;
    }

    /** pg_autoctl with the PostgreSQL binaries on its path, as the postgres user when this runs as root. */
    private List<String> autoctl(String... arguments) {
        List<String> command = new ArrayList<>();
        if (runningAsRoot()) {
            command.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        command.addAll(List.of("env", "PATH=" + bin + ":/usr/bin:/bin", PG_AUTOCTL.toString()));
        command.addAll(List.of(arguments));
        return command;
    }

    private static Process spawn(List<String> command, Path log) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void run(List<String> command) {
        if (exitCodeOf(command) != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed; see " + dir.resolve("commands.log"));
        }
    }

    /** Runs the command to its end, its output appended to the formation's commands.log. */
    private int exitCodeOf(List<String> command) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("commands.log").toFile()))
                    .start().waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void ownedByPostgres(Path path) throws IOException {
        if (runningAsRoot()) {
            UserPrincipal postgres = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            Files.setOwner(path, postgres);
        }
    }

    private static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The newest PostgreSQL that Debian installed beside pg_auto_failover. */
    private static Optional<Path> postgresBin() {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(version -> version.resolve("bin"))
                    .filter(bin -> Files.isExecutable(bin.resolve("pg_ctl")))
                    .max(Comparator.comparing(bin -> Integer.parseInt(bin.getParent().getFileName().toString())));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Every keeper and PostgreSQL of the formation, frozen or not, ends with the test; its folder goes too. */
    @Override
    public void close() throws IOException {
        for (Process keeper : keepers) {
            processesOf(keeper).forEach(ProcessHandle::destroyForcibly);
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
