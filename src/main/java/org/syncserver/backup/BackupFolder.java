package org.syncserver.backup;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The backup folder:
 * <ul>
 *   <li>{@code wal/}: every completed WAL segment, copied there by PostgreSQL's archive_command;</li>
 *   <li>{@code base/YYYYMMDDTHHMMSSZ/}: one base backup each: {@code postgresql/} (PostgreSQL's data directory with
 *       its backup_label), {@code backup.json} (when it started and ended, whether it was verified);</li>
 *   <li>{@code postgres-password}: the database's password, which a restored folder needs;</li>
 *   <li>{@code erasures.log}: the {@link ErasureLedger}.</li>
 * </ul>
 */
record BackupFolder(Path root) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What backup.json says of a base backup; times as ISO-8601 instants. */
    record Manifest(String startedAt, String endedAt, String endWalFile, boolean verified) {
        Instant ended() {
            return Instant.parse(endedAt);
        }

        Manifest asVerified() {
            return new Manifest(startedAt, endedAt, endWalFile, true);
        }
    }

    /** A finished base backup. */
    record Base(Path dir, Manifest manifest) {
        Path postgres() {
            return dir.resolve("postgresql");
        }
    }

    Path wal() {
        return root.resolve("wal");
    }

    Path base() {
        return root.resolve("base");
    }

    Path password() {
        return root.resolve("postgres-password");
    }

    void create() {
        try {
            Files.createDirectories(wal());
            Files.createDirectories(base());
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot use the backup folder " + root, e);
        }
    }

    /** Finished base backups, oldest first; unfinished ones (a name ending in .partial) are not listed. */
    List<Base> bases() {
        if (!Files.isDirectory(base())) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(base())) {
            return dirs.filter(dir -> Files.exists(dir.resolve("backup.json"))).sorted()
                    .map(dir -> new Base(dir, read(dir))).sorted(Comparator.comparing(b -> b.manifest().ended()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The newest base backup that was verified, as the metric and the schedule know it. */
    Optional<Base> lastVerified() {
        return bases().stream().filter(b -> b.manifest().verified()).reduce((older, newer) -> newer);
    }

    static void write(Path dir, Manifest manifest) {
        try {
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("backup.json").toFile(), manifest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Manifest read(Path dir) {
        try {
            return JSON.readValue(dir.resolve("backup.json").toFile(), Manifest.class);
        } catch (IOException e) {
            throw new UncheckedIOException("Unreadable " + dir.resolve("backup.json"), e);
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
