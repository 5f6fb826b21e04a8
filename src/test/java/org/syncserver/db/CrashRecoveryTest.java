package org.syncserver.db;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.syncserver.support.Accounts;
import org.syncserver.support.ServerProcess;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The embedded database as an operator meets it: a server process that is killed (SIGKILL, the OOM killer), alone
 * or together with its PostgreSQL, starts again by itself and still has every push it acknowledged. Its PostgreSQL
 * writes durably and lets in only the server.
 */
class CrashRecoveryTest {

    @TempDir
    Path dir;

    /** A failed test must not leave the PostgreSQL it orphaned on purpose running. */
    @AfterEach
    void killLeftOverPostgres() throws Exception {
        Path data = dir.resolve("data");
        if (Files.exists(data.resolve("postgresql/postmaster.pid"))) {
            postmasterPid(data).flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void acknowledgedPushSurvivesAKilledServerAndAKilledDatabase() throws Exception {
        Path data = dir.resolve("data");
        Path log = dir.resolve("server.log");
        UUID row;

        try (ServerProcess server = ServerProcess.start(log, Map.of(), "--data-dir", data.toString())) {
            SyncDevice phone = device(server.client(), true);
            row = phone.insert(Map.of("title", "acknowledged before the crash"));
            phone.sync();
            assertDurableAndPrivate(data);
            server.kill();
        }
        long orphan = postmasterPid(data).orElseThrow();
        assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive))
                .as("the killed server's PostgreSQL is left running, as in real life").hasValue(true);

        try (ServerProcess server = ServerProcess.start(log, Map.of(), "--data-dir", data.toString())) {
            assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false))
                    .as("the orphaned PostgreSQL was stopped").isFalse();
            assertThat(receivedBy(device(server.client(), false))).containsKey(row);
            long postmaster = postmasterPid(data).orElseThrow();
            server.kill();
            ProcessHandle.of(postmaster).ifPresent(ProcessHandle::destroyForcibly);
        }

        try (ServerProcess server = ServerProcess.start(log, Map.of(), "--data-dir", data.toString())) {
            assertThat(receivedBy(device(server.client(), false))).containsKey(row);
            long postmaster = postmasterPid(data).orElseThrow();
            assertThat(server.stop()).as("a JVM stopped by SIGTERM exits with 128 + 15").isEqualTo(143);
            assertThat(ProcessHandle.of(postmaster).map(exited -> exited.onExit().completeOnTimeout(exited, 10, SECONDS)
                    .join()).map(ProcessHandle::isAlive).orElse(false))
                    .as("no PostgreSQL is left running after the server stops").isFalse();
        }
        assertThat(postmasterPid(data)).isEmpty();
    }

    @Test
    void aDataFolderOfAnOlderPostgresIsRefusedNotReinitialised() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Files.writeString(data.resolve("PG_VERSION"), "14\n");

        assertThatThrownBy(() -> EmbeddedPostgres.start(data, "18.4.0"))
                .isInstanceOf(EmbeddedDatabaseException.class)
                .hasMessageContaining("was created by PostgreSQL 14")
                .hasMessageContaining("runs PostgreSQL 18")
                .hasMessageContaining("Upgrading the embedded database");
        assertThat(data.resolve("postgresql")).doesNotExist();
        assertThat(Files.readString(data.resolve("PG_VERSION"))).isEqualTo("14\n");
    }

    private static SyncDevice device(TestServer server, boolean newUser) {
        return new SyncDevice(server, new Accounts(server).device("default", "crash@example.com", "pw", newUser), false);
    }

    private static Map<UUID, Map<String, Object>> receivedBy(SyncDevice device) {
        device.sync();
        return device.rows();
    }

    /** fsync on, and only the password kept in the data folder opens a connection. */
    private static void assertDurableAndPrivate(Path data) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + postmasterLine(data, 4) + "/postgres";
        String password = Files.readString(data.resolve("postgres-password")).strip();
        try (Connection connection = DriverManager.getConnection(url, "postgres", password);
             ResultSet fsync = connection.createStatement().executeQuery("SHOW fsync")) {
            fsync.next();
            assertThat(fsync.getString(1)).isEqualTo("on");
        }
        assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", null).close())
                .isInstanceOf(SQLException.class).hasMessageContaining("password");
        assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", "guess").close())
                .isInstanceOf(SQLException.class).hasMessageContaining("password authentication failed");
        assertThat(Files.getPosixFilePermissions(data.resolve("postgres-password")).toString())
                .isEqualTo("[OWNER_READ, OWNER_WRITE]");
    }

    private static Optional<Long> postmasterPid(Path data) throws Exception {
        Path pidFile = data.resolve("postgresql/postmaster.pid");
        return Files.exists(pidFile) ? Optional.of(Long.parseLong(postmasterLine(data, 1))) : Optional.empty();
    }

    private static String postmasterLine(Path data, int line) throws Exception {
        return Files.readAllLines(data.resolve("postgresql/postmaster.pid")).get(line - 1).strip();
    }
}
