package org.syncserver.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A PostgreSQL primary and a hot standby fed by streaming replication, synchronous (an acknowledged durable commit
 * is on both), on the PostgreSQL that the tests already unpack. The test plays the HA manager's part: it kills or
 * freezes the primary and promotes the standby, as Patroni or pg_auto_failover would (README "High availability").
 * The standby is a copy of the primary's data folder taken while the primary is shut down, which PostgreSQL's
 * documentation allows as a base backup.
 */
public final class StreamingReplicas implements AutoCloseable {

    private static final String STANDBY_NAME = "standby1";
    /** What the copy leaves out: the primary's lock files and its server log. */
    private static final Set<String> NOT_COPIED = Set.of("postmaster.pid", "postmaster.opts", "epg-lock");

    private final Path primaryData;
    private final Path standbyData;
    private final int primaryPort;
    private final int standbyPort;
    private EmbeddedPostgres primary;
    private EmbeddedPostgres standby;

    private StreamingReplicas(Path dir) {
        this.primaryData = dir.resolve("primary");
        this.standbyData = dir.resolve("standby");
        this.primaryPort = ServerProcess.freePort();
        this.standbyPort = ServerProcess.freePort();
    }

    public static StreamingReplicas start(Path dir) throws IOException {
        StreamingReplicas replicas = new StreamingReplicas(dir);
        replicas.primary = replicas.startPrimary();
        replicas.primary.close(); // shut down cleanly: its folder is now a consistent base backup
        copy(replicas.primaryData, replicas.standbyData);
        Files.setPosixFilePermissions(replicas.standbyData, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(replicas.standbyData.resolve("standby.signal"), "");
        Files.writeString(replicas.standbyData.resolve("postgresql.auto.conf"), "primary_conninfo = 'host=127.0.0.1 port="
                + replicas.primaryPort + " user=postgres application_name=" + STANDBY_NAME + "'\n");
        replicas.primary = replicas.startPrimary();
        replicas.standby = EmbeddedPostgres.builder().setDataDirectory(replicas.standbyData)
                .setCleanDataDirectory(false).setPort(replicas.standbyPort).setServerConfig("hot_standby", "on").start();
        replicas.awaitStreaming();
        return replicas;
    }

    /** Synchronous: a durable commit on the primary waits until the standby has it on disk. */
    private EmbeddedPostgres startPrimary() throws IOException {
        return EmbeddedPostgres.builder().setDataDirectory(primaryData).setCleanDataDirectory(false).setPort(primaryPort)
                .setServerConfig("wal_level", "replica").setServerConfig("max_wal_senders", "4")
                .setServerConfig("synchronous_standby_names", STANDBY_NAME).setServerConfig("fsync", "on")
                .start();
    }

    /** The realm's URL as config.json names it: both hosts, the primary first. */
    public String url() {
        return "postgresql://postgres@127.0.0.1:" + primaryPort + ",127.0.0.1:" + standbyPort + "/postgres";
    }

    /** SIGKILL to the primary's postmaster and every process of it: its machine died. */
    public void killPrimary() {
        primaryProcesses().forEach(ProcessHandle::destroyForcibly);
    }

    /** SIGSTOP to the primary's processes: its sockets stay open and silent, as behind a dead network. */
    public void freezePrimary() {
        signal("STOP", primaryProcesses());
    }

    /** What the HA manager does once it has judged the primary lost. */
    public void promoteStandby() {
        query(standbyPort, "SELECT pg_promote(true, 60)");
    }

    /** The first column of the first row, on the standby (the primary once promoted). */
    public Object queryStandby(String sql) {
        return query(standbyPort, sql);
    }

    private List<ProcessHandle> primaryProcesses() {
        return processesOf(primaryData);
    }

    private static List<ProcessHandle> processesOf(Path data) {
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).getFirst().strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<ProcessHandle> processes = new ArrayList<>();
        ProcessHandle.of(pid).ifPresent(postmaster -> {
            processes.add(postmaster);
            postmaster.descendants().forEach(processes::add);
        });
        return processes;
    }

    private void awaitStreaming() {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!"streaming".equals(query(primaryPort, "SELECT state FROM pg_stat_replication WHERE application_name = '"
                + STANDBY_NAME + "' AND sync_state = 'sync'"))) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the standby did not start streaming within 60 s");
            }
            sleep(100);
        }
    }

    private static Object query(int port, String sql) {
        try (Connection connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                "postgres", null);
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getObject(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void signal(String signal, List<ProcessHandle> processes) {
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        processes.forEach(process -> command.add(String.valueOf(process.pid())));
        try {
            if (new ProcessBuilder(command).inheritIO().start().waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else if (!NOT_COPIED.contains(path.getFileName().toString())) {
                    Files.copy(path, target);
                }
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Whatever state the primary was left in, nothing of either server outlives the test. */
    @Override
    public void close() throws IOException {
        try {
            primary.close(); // first: a primary shutting down waits for its standby to take the last WAL
        } finally {
            standby.close();
            killLeftOver(primaryData);
            killLeftOver(standbyData);
        }
    }

    /** A server that did not stop in time (zonky gives it 5 s, and only logs when it takes longer). */
    private static void killLeftOver(Path data) throws IOException {
        if (Files.exists(data.resolve("postmaster.pid"))) {
            processesOf(data).forEach(ProcessHandle::destroyForcibly);
        }
    }
}
