package org.syncserver.backup;

import org.syncserver.db.PostgresRecovery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * A backup is verified by restoring it: a copy of it replays the archived WAL up to the backup's end, must come up
 * and answer a query on the users table, and is then thrown away. A backup that cannot be restored is known when
 * it is taken, not on the day it is needed.
 */
final class BackupVerifier {

    private static final Duration LONGEST_REPLAY = Duration.ofMinutes(30);

    private BackupVerifier() {
    }

    /** @throws BackupException saying why the backup does not restore */
    static void verify(BackupFolder.Base base, BackupFolder folder, Restorer restorer) {
        Path scratch = folder.root().resolve("verifying");
        BackupFolder.deleteTree(scratch);
        try {
            copy(base.postgres(), scratch.resolve("postgresql"));
            try (PostgresRecovery recovery = restorer.recover(scratch.resolve("postgresql"), folder,
                    "recovery_target = 'immediate'\n")) {
                recovery.awaitPromoted(LONGEST_REPLAY);
                try (Connection connection = recovery.connect(); Statement statement = connection.createStatement();
                     ResultSet rows = statement.executeQuery("SELECT count(*) FROM pg_catalog.pg_tables "
                             + "WHERE tablename = 'users'")) {
                    rows.next();
                    if (rows.getInt(1) != 1) {
                        throw new BackupException("the restored database has no users table");
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            throw new BackupException("backup " + base.dir().getFileName() + " does not restore: " + e.getMessage(), e);
        } finally {
            BackupFolder.deleteTree(scratch);
        }
    }

    /** A copy of a base backup's data directory, with the permissions PostgreSQL insists on. */
    static void copy(Path from, Path to) {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.sorted().toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
