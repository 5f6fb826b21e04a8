package org.syncserver.backup;

import org.syncserver.db.Migrations;
import org.syncserver.db.PostgresRecovery;
import org.syncserver.identity.Erasures;
import org.syncserver.identity.UserRepository;
import org.syncserver.spaces.SpaceDeparture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * {@code sync-server restore --from DIR --to TIME --data-dir NEW}: a new data folder holding the embedded database
 * as it was at TIME. The newest base backup that ended before TIME is copied, PostgreSQL replays the archived WAL up
 * to TIME and opens the database, the schema is migrated as a server start would, and every erasure of the ledger
 * is applied again. The backup folder is only read.
 */
public final class Restore {

    /** A replay of a day of busy WAL takes minutes; past this, something is wrong. */
    private static final Duration LONGEST_REPLAY = Duration.ofHours(2);

    /** To the microsecond, with a numeric zone: while reading its settings PostgreSQL knows no zone names, not even Z. */
    private static final DateTimeFormatter POSTGRES_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS'+00'")
            .withZone(ZoneOffset.UTC);

    /** What was restored. */
    public record Result(String baseBackup, Instant target, int erasuresApplied) {
    }

    private Restore() {
    }

    /** @throws BackupException when no backup reaches TIME, or the folder NEW is in use, saying so */
    public static Result restore(Path from, Instant to, Path newDataDir, String postgresVersion) {
        BackupFolder folder = new BackupFolder(from.toAbsolutePath());
        BackupFolder.Base base = newestBefore(folder, to);
        Path postgres = prepare(newDataDir.toAbsolutePath(), folder, base);
        Restorer restorer = new Restorer(newDataDir.toAbsolutePath().resolve("binaries"), postgresVersion);
        try (PostgresRecovery recovery = restorer.recover(postgres, folder,
                "recovery_target_time = '" + POSTGRES_TIME.format(to) + "'\nrecovery_target_inclusive = true\n")) {
            recovery.awaitPromoted(LONGEST_REPLAY);
            Migrations.migrate(recovery.realm("default"));
            int erased = applyErasures(recovery, ErasureLedger.erased(folder.root()));
            askEveryDeviceForAWholeSnapshot(recovery);
            return new Result(base.dir().getFileName().toString(), to, erased);
        } catch (RuntimeException e) {
            throw new BackupException("The restore to " + to + " failed: " + e.getMessage(), e);
        }
    }

    private static BackupFolder.Base newestBefore(BackupFolder folder, Instant to) {
        List<BackupFolder.Base> bases = folder.bases();
        if (bases.isEmpty()) {
            throw new BackupException(folder.root() + " holds no base backup (base/*/backup.json)");
        }
        return bases.stream().filter(base -> base.manifest().ended().isBefore(to)).reduce((older, newer) -> newer)
                .orElseThrow(() -> new BackupException("No base backup ended before " + to + ": the oldest ended at "
                        + bases.getFirst().manifest().endedAt() + ". Choose a later time."));
    }

    /** NEW gets the base backup's data directory and the database's password, as a server's data folder has them. */
    private static Path prepare(Path newDataDir, BackupFolder folder, BackupFolder.Base base) {
        try {
            if (Files.exists(newDataDir)) {
                try (Stream<Path> entries = Files.list(newDataDir)) {
                    if (entries.findAny().isPresent()) {
                        throw new BackupException("The data folder " + newDataDir + " is not empty: a restore makes "
                                + "a new folder and never overwrites one");
                    }
                }
            }
            Files.createDirectories(newDataDir);
            Files.setPosixFilePermissions(newDataDir, PosixFilePermissions.fromString("rwx------"));
            Path postgres = newDataDir.resolve("postgresql");
            BackupVerifier.copy(base.postgres(), postgres);
            Path password = newDataDir.resolve("postgres-password");
            Files.copy(folder.password(), password);
            Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
            return postgres;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A device that synced after the moment may hold a cursor at or below the restored clock and versions the
     * restored database does not have: every cursor handed out before the restore gets a whole snapshot at its next
     * pull (and imports the restored versions); the clocks move one on, so later cursors do not.
     */
    private static void askEveryDeviceForAWholeSnapshot(PostgresRecovery recovery) {
        try (Connection connection = recovery.connect(); Statement statement = connection.createStatement()) {
            statement.executeUpdate("UPDATE users SET resync_before = sync_clock, sync_clock = sync_clock + 1");
        } catch (SQLException e) {
            throw new BackupException("The restored users' cursors could not be reset: " + e.getMessage(), e);
        }
    }

    /** Each erased user is deleted with all their data again; one already gone costs nothing. */
    private static int applyErasures(PostgresRecovery recovery, List<UUID> erased) {
        UserRepository users = new UserRepository(new SpaceDeparture(Clock.systemUTC())::userLeaving, Erasures.NONE);
        int applied = 0;
        try (Connection connection = recovery.connect()) {
            connection.setAutoCommit(false);
            for (UUID userId : erased) {
                applied += users.deleteWithAllData(connection, userId).getOrDefault("users", 0);
            }
            connection.commit();
            return applied;
        } catch (SQLException e) {
            throw new BackupException("The erasure ledger could not be applied: " + e.getMessage(), e);
        }
    }
}
