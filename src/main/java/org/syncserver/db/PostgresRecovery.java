package org.syncserver.db;

import org.syncserver.config.RealmConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * PostgreSQL replaying archived WAL on a copy of a base backup, with the bundled programs: to check that a backup
 * restores (to its end), or to restore one to a moment. It runs without archiving of its own, on a port of its
 * own, and its recovery settings live in sync-server.conf, which the next start of a server overwrites.
 */
public final class PostgresRecovery implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(10);
    private static final String USER = "postgres";

    private final Path postgresDir;
    private final PostgresBinaries binaries;
    private final int port;
    private final String password;

    private PostgresRecovery(Path postgresDir, PostgresBinaries binaries, int port, String password) {
        this.postgresDir = postgresDir;
        this.binaries = binaries;
        this.port = port;
        this.password = password;
    }

    /**
     * Starts recovery in {@code postgresDir} (a base backup's copy, with its backup_label).
     *
     * @param binariesDir where the bundled programs are unpacked (or go)
     * @param recovery    recovery settings: restore_command, recovery_target_*
     */
    public static PostgresRecovery start(Path postgresDir, Path binariesDir, String postgresVersion, String recovery,
                                         String password) {
        PostgresBinaries binaries = PostgresBinaries.unpack(binariesDir, postgresVersion);
        EmbeddedPostgres.writeSettings(postgresDir, EmbeddedPostgres.baseSettings() + recovery);
        try {
            Files.writeString(postgresDir.resolve("recovery.signal"), "");
            Files.createDirectories(postgresDir.resolve("log"));
            Files.createDirectories(postgresDir.resolve("pg_wal"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PostgresRecovery recovering = new PostgresRecovery(postgresDir, binaries, EmbeddedPostgres.freePort(), password);
        recovering.run(binaries.command("pg_ctl", "start", "-D", postgresDir.toString(), "-w", "-t",
                String.valueOf(START_TIMEOUT.toSeconds()), "-l", postgresDir.resolve("log/recovery.log").toString(),
                "-o", "-p " + recovering.port), "pg_ctl start");
        return recovering;
    }

    /**
     * Waits until the recovery has reached its target and the database accepts writes.
     *
     * @throws EmbeddedDatabaseException when PostgreSQL stopped instead, with the end of its log saying why
     */
    public void awaitPromoted(Duration atMost) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection connection = connect(); Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT pg_is_in_recovery()")) {
                rows.next();
                if (!rows.getBoolean(1)) {
                    return;
                }
            } catch (SQLException e) {
                if (!Files.exists(postgresDir.resolve("postmaster.pid"))) {
                    throw new EmbeddedDatabaseException("PostgreSQL stopped during recovery: " + logTail());
                }
            }
            pause();
        }
        throw new EmbeddedDatabaseException("recovery did not finish within " + atMost.toMinutes() + " min: " + logTail());
    }

    /** The recovered database as a realm, for migrations and the erasure ledger. */
    public RealmConfig realm(String name) {
        return new RealmConfig(name, "jdbc:postgresql://127.0.0.1:" + port + "/postgres", USER, password, 2);
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", USER, password);
    }

    /** The last lines of the recovery's log: what PostgreSQL said when it refused. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(postgresDir.resolve("log/recovery.log"), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (Files.exists(postgresDir.resolve("postmaster.pid"))) {
            run(binaries.command("pg_ctl", "stop", "-D", postgresDir.toString(), "-m", "fast", "-w", "-t", "60"),
                    "pg_ctl stop");
        }
    }

    /** EmbeddedPostgres's runner, with the recovery's log tail in the message should it fail. */
    private void run(List<String> command, String what) {
        try {
            EmbeddedPostgres.run(command, what);
        } catch (EmbeddedDatabaseException e) {
            throw new EmbeddedDatabaseException(e.getMessage() + "\n" + logTail());
        }
    }

    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedDatabaseException("Interrupted during recovery");
        }
    }
}
