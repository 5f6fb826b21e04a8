package org.syncserver.backup;

import org.syncserver.config.RealmConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One base backup with PostgreSQL's low-level backup API, which the bundled programs allow (they carry no
 * pg_basebackup): {@code pg_backup_start} makes PostgreSQL ready for its files to be copied while it runs, the files
 * are copied, and {@code pg_backup_stop} returns the backup_label that makes the copy consistent when restored with
 * the WAL archived up to its end, which it waits for. The session must stay open in between.
 */
final class BaseBackup {

    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    /**
     * What PostgreSQL's documentation says to leave out of a copy: WAL (taken from the archive instead), and files
     * that are rebuilt at start or belong to the running server only; also the server's log.
     */
    private static final Set<String> CONTENTS_LEFT_OUT = Set.of("pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify",
            "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans", "log");
    private static final Set<String> FILES_LEFT_OUT = Set.of("postmaster.pid", "postmaster.opts", "backup_label",
            "tablespace_map", "recovery.signal", "standby.signal");

    private BaseBackup() {
    }

    /** Takes one into {@code folder/base/NAME}. @return it, not yet verified */
    static BackupFolder.Base take(RealmConfig database, Path postgresDir, BackupFolder folder, Clock clock) {
        Instant started = clock.instant();
        Path partial = folder.base().resolve(NAME.format(started) + ".partial");
        try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), database.user(),
                database.password())) {
            BackupFolder.deleteTree(partial);
            query(connection, "SELECT pg_backup_start('sync-server " + NAME.format(started) + "', true)");
            Path copy = partial.resolve("postgresql");
            try {
                copyData(postgresDir, copy);
            } finally {
                finish(connection, copy);
            }
            String endWal = query(connection, "SELECT last_archived_wal FROM pg_stat_archiver");
            BackupFolder.write(partial, new BackupFolder.Manifest(started.toString(), clock.instant().toString(),
                    endWal, false));
            Path done = folder.base().resolve(NAME.format(started));
            Files.move(partial, done, StandardCopyOption.ATOMIC_MOVE);
            return new BackupFolder.Base(done, new BackupFolder.Manifest(started.toString(),
                    clock.instant().toString(), endWal, false));
        } catch (SQLException e) {
            BackupFolder.deleteTree(partial);
            throw new BackupException("base backup failed: " + database.withoutPassword(e.getMessage()), e);
        } catch (IOException | UncheckedIOException e) {
            BackupFolder.deleteTree(partial);
            throw new BackupException("base backup failed: " + e.getMessage(), e);
        }
    }

    /** Ends the backup: waits until the WAL it needs is archived, and writes its backup_label beside the copy. */
    private static void finish(Connection connection, Path copy) throws SQLException, IOException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT labelfile, spcmapfile FROM pg_backup_stop(true)")) {
            rows.next();
            if (Files.isDirectory(copy)) {
                Files.writeString(copy.resolve("backup_label"), rows.getString(1));
                String tablespaces = rows.getString(2);
                if (tablespaces != null && !tablespaces.isBlank()) {
                    Files.writeString(copy.resolve("tablespace_map"), tablespaces);
                }
            }
        }
    }

    /** Copies the data directory as it is meanwhile: files may change or vanish, which the WAL replay repairs. */
    private static void copyData(Path from, Path to) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(from)) {
            paths = walk.sorted(Comparator.naturalOrder()).toList();
        }
        for (Path path : paths) {
            Path relative = from.relativize(path);
            Path target = to.resolve(relative.toString());
            if (relative.getNameCount() > 1 && CONTENTS_LEFT_OUT.contains(relative.getName(0).toString())) {
                continue;
            }
            try {
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else if (!FILES_LEFT_OUT.contains(path.getFileName().toString())) {
                    Files.copy(path, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (NoSuchFileException | DirectoryNotEmptyException vanished) {
                // dropped by PostgreSQL during the copy: the WAL replay knows
            }
        }
    }

    private static String query(Connection connection, String sql) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql); ResultSet rows = statement.executeQuery()) {
            return rows.next() ? rows.getString(1) : null;
        }
    }
}
