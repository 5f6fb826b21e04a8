package org.syncserver.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.syncserver.config.BackupConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.ServerProcess;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded database with backups on: WAL archived, a verified base backup at start and on demand, and
 * {@code restore --to T} building a new data folder that serves exactly what was acknowledged up to T, without the
 * users erased after T.
 */
class BackupRestoreTest {

    private static final Pattern LAST_BACKUP = Pattern.compile(
            "(?m)^sync_backup_last_success_timestamp_seconds(?:\\{[^}]*})? (\\S+)$");

    @TempDir
    Path dir;

    @Test
    void aRestoreToAMomentServesTheRowsAcknowledgedUpToThenAndNoUserErasedAfterIt() throws Exception {
        Path data = dir.resolve("data");
        Path backups = dir.resolve("backups");
        Path restored = dir.resolve("restored");
        Path log = dir.resolve("commands.log");
        Path configFile = Files.writeString(dir.resolve("config.json"),
                "{\"backup\": {\"dir\": \"" + backups + "\", \"every\": \"1d\", \"keep\": 2}}");
        UUID early;
        UUID changedLater;
        UUID late;
        UUID erasedDevice;
        Instant moment;
        try (TestServer server = TestServer.start(TestConfig.embedded(data,
                Optional.of(new BackupConfig(backups, Duration.ofDays(1), 2))))) {
            awaitFirstBackup(server);
            Accounts accounts = new Accounts(server);
            SyncDevice phone = new SyncDevice(server, accounts.device("default", "kept@example.com", "pw", true), false);
            early = phone.insert(Map.of("title", "before the moment"));
            changedLater = phone.insert(Map.of("title", "as it was at the moment"));
            phone.sync();
            Accounts.Device leaving = accounts.device("default", "erased@example.com", "pw", true);
            erasedDevice = leaving.clientId();
            SyncDevice leavingPhone = new SyncDevice(server, leaving, false);
            leavingPhone.insert(Map.of("title", "a row of a user who asks to be forgotten"));
            leavingPhone.sync();

            Thread.sleep(1_100);
            moment = Instant.now();
            Thread.sleep(1_100);

            late = phone.insert(Map.of("title", "after the moment"));
            phone.update(changedLater, Map.of("title", "changed after the moment"));
            phone.sync();
            assertThat(new Accounts(server).unregister(leavingPhone.account(), true).status()).isEqualTo(200);
            // one more base backup, beside the running server: its end waits until the WAL up to here is archived
            assertThat(ServerProcess.run(log, "backup", "--config", configFile.toString(), "--data-dir",
                    data.toString())).as(Files.readString(log)).isZero();
        }

        assertThat(ServerProcess.run(log, "restore", "--from", backups.toString(), "--to", moment.toString(),
                "--data-dir", restored.toString())).as(Files.readString(log)).isZero();
        assertThat(Files.readString(log)).contains("restored to " + moment, "1 erased users erased again");
        assertThat(ServerProcess.run(log, "restore", "--from", backups.toString(), "--to", moment.toString(),
                "--data-dir", restored.toString())).as("a restore never overwrites a folder").isEqualTo(1);

        try (TestServer server = TestServer.start(TestConfig.embedded(restored))) {
            Accounts accounts = new Accounts(server);
            SyncDevice newPhone = new SyncDevice(server, accounts.device("default", "kept@example.com", "pw", false),
                    false);
            newPhone.sync();
            assertThat(newPhone.rows()).as("the rows acknowledged up to the moment, as they were then")
                    .containsOnlyKeys(early, changedLater).doesNotContainKey(late);
            assertThat(newPhone.rows().get(changedLater)).containsEntry("title", "as it was at the moment");
            Response erased = accounts.login("default", "erased@example.com", "pw", erasedDevice);
            assertThat(erased.status()).as("a user erased after the moment stays erased").isNotEqualTo(200);
            assertThat(erased.message()).isEqualTo("Wrong username or password");
        }
    }

    @Test
    void aDeviceThatSyncedAfterTheMomentConvergesWithTheRestoredServer() throws Exception {
        Path data = dir.resolve("data");
        Path backups = dir.resolve("backups");
        Path restored = dir.resolve("restored");
        Path log = dir.resolve("commands.log");
        Path configFile = Files.writeString(dir.resolve("config.json"),
                "{\"backup\": {\"dir\": \"" + backups + "\"}}");
        SyncDevice phone;
        UUID row;
        Instant moment;
        try (TestServer server = TestServer.start(TestConfig.embedded(data,
                Optional.of(new BackupConfig(backups, Duration.ofDays(1), 2))))) {
            awaitFirstBackup(server);
            phone = new SyncDevice(server, new Accounts(server).device("default", "a@example.com", "pw", true), false);
            row = phone.insert(Map.of("title", "at the moment"));
            phone.sync();
            Thread.sleep(1_100);
            moment = Instant.now();
            Thread.sleep(1_100);
            phone.update(row, Map.of("title", "later"));
            phone.sync();
            assertThat(ServerProcess.run(log, "backup", "--config", configFile.toString(), "--data-dir",
                    data.toString())).isZero();
        }
        assertThat(ServerProcess.run(log, "restore", "--from", backups.toString(), "--to", moment.toString(),
                "--data-dir", restored.toString())).isZero();
        try (TestServer server = TestServer.start(TestConfig.embedded(restored))) {
            SyncDevice again = phone.on(server);
            // Its tokens were rotated after the moment: gone with it, so the app logs in again (README).
            again.logInAgain(new Accounts(server));
            again.sync();
            assertThat(again.rows().get(row)).containsEntry("title", "at the moment");
        }
    }


    /** The server takes a first base backup at start when the folder has none. */
    static void awaitFirstBackup(TestServer server) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 180_000;
        while (System.currentTimeMillis() < deadline) {
            Matcher last = LAST_BACKUP.matcher(server.get("/metrics").body());
            if (last.find() && Double.parseDouble(last.group(1)) > 0) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no verified base backup within 3 minutes of the start");
    }
}
