package org.syncserver.backup;

import org.syncserver.identity.Erasures;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import java.util.UUID;

/**
 * The users erased from the embedded database, one line each ({@code 2026-12-04T03:00:00Z <user id>}), in the backup
 * folder: outside the database, so that a restore to a moment before an erasure re-applies it. Only ids: the ledger
 * must not keep what the erasure removed. Each line is on disk before the erasure commits; an erasure that then
 * fails leaves a line that erases nothing when re-applied but that user, who had asked for it.
 */
public final class ErasureLedger implements Erasures {

    static final String FILE = "erasures.log";

    private final Path file;
    private final Clock clock;

    public ErasureLedger(Path backupDir, Clock clock) {
        this.file = backupDir.resolve(FILE);
        this.clock = clock;
    }

    @Override
    public synchronized void record(UUID userId) {
        byte[] line = (clock.instant() + " " + userId + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            channel.write(ByteBuffer.wrap(line));
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("The erasure of a user could not be written to " + file, e);
        }
    }

    /** Every user ever erased, oldest first. */
    static List<UUID> erased(Path backupDir) {
        Path file = backupDir.resolve(FILE);
        try {
            return Files.exists(file) ? Files.readAllLines(file).stream().map(String::strip)
                    .filter(line -> line.contains(" ")).map(line -> UUID.fromString(line.substring(line.indexOf(' ') + 1)))
                    .toList() : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
