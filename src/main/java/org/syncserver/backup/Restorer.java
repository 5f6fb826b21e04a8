package org.syncserver.backup;

import org.syncserver.db.PostgresRecovery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Starts PostgreSQL recovering a copy of a base backup from the folder's archived WAL, with the bundled programs.
 *
 * @param binariesDir     where they are unpacked
 * @param postgresVersion their version
 */
record Restorer(Path binariesDir, String postgresVersion) {

    PostgresRecovery recover(Path postgresDir, BackupFolder folder, String target) {
        String restoreCommand = "cp ''" + folder.wal().toAbsolutePath() + "/%f'' %p";
        String recovery = "restore_command = '" + restoreCommand + "'\n" + target
                + "recovery_target_action = 'promote'\n";
        return PostgresRecovery.start(postgresDir, binariesDir, postgresVersion, recovery, password(folder));
    }

    static String password(BackupFolder folder) {
        try {
            return Files.readString(folder.password()).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("The backup folder has no readable postgres-password file", e);
        }
    }
}
