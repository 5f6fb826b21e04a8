package org.syncserver.cli;

import org.syncserver.backup.BackupException;
import org.syncserver.backup.Restore;
import org.syncserver.version.BuildInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;

/**
 * {@code restore --from DIR --to TIME --data-dir NEW}: a new data folder at the moment TIME, from a backup folder.
 * The server is then started on it ({@code --data-dir NEW}); README "Backups and restore".
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Build a new data folder holding the embedded database as it was at TIME, from the backup "
                + "folder DIR (base backups and archived WAL), then exit. Erasures recorded after TIME are applied again.",
                "Example: java -jar sync-server.jar restore --from /backups --to \"2026-12-04 03:00:00Z\" "
                        + "--data-dir data-restored"})
final class RestoreCommand implements Callable<Integer> {

    @Option(names = "--from", required = true, paramLabel = "DIR", description = "the backup folder (backup.dir)")
    Path from;

    @Option(names = "--to", required = true, paramLabel = "TIME",
            description = "the moment, with its zone: \"2026-12-04 03:00:00Z\" or 2026-12-04T05:00:00+02:00")
    String to;

    @Option(names = "--data-dir", required = true, paramLabel = "NEW",
            description = "the new data folder: must not exist yet, or be empty")
    Path dataDir;

    @Override
    public Integer call() {
        Instant target;
        try {
            target = OffsetDateTime.parse(to.trim().replace(' ', 'T')).toInstant();
        } catch (DateTimeParseException e) {
            System.err.println("restore: --to must be a time with its zone, such as \"2026-12-04 03:00:00Z\", not " + to);
            return ServerCommand.BAD_CONFIGURATION;
        }
        try {
            Restore.Result result = Restore.restore(from, target, dataDir, BuildInfo.load().postgres());
            System.out.println("restored to " + result.target() + " from base backup " + result.baseBackup()
                    + " and the archived WAL; " + result.erasuresApplied() + " erased users erased again");
            System.out.println("start the server on it: java -jar sync-server.jar --data-dir " + dataDir);
            return 0;
        } catch (BackupException e) {
            System.err.println("restore: " + e.getMessage());
            return 1;
        }
    }
}
