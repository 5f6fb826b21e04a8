package org.syncserver.sync;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.db.Database;
import org.syncserver.error.BadRequestException;
import org.syncserver.error.ConflictException;
import org.syncserver.http.PayloadTooLargeException;
import org.syncserver.identity.Principal;
import org.syncserver.realm.Realm;
import org.syncserver.realm.Realms;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Pull and push bodies sent in chunks (PROTOCOL §11.1). Every chunk is stored durably in the realm's database
 * before it is acknowledged with a 206, so the upload survives a restart and may continue at any instance; a
 * retried chunk changes nothing. The request that brings the last chunk claims the upload, joins the chunks and
 * runs the pull or push; its outcome is stored, and any later chunk of the same upload gets the same answer.
 */
public final class ChunkedUploads {

    private static final Logger log = LoggerFactory.getLogger(ChunkedUploads.class);
    /** Uploads (complete or not) are removed this long after they began. */
    static final Duration KEEP = Duration.ofDays(1);
    /** A chunk that arrives while another request processes the upload waits this long for its outcome. */
    private static final Duration AWAIT_OUTCOME = Duration.ofSeconds(30);
    private static final int PURGE_BATCH = 1_000;

    /** What to do with a chunk. */
    sealed interface Step {
        /** Not all chunks are there yet: 206. */
        record Incomplete(int received, int chunks) implements Step {
        }

        /** This request brought the last chunk: it runs the request whose body this is, then records the outcome. */
        record Complete(byte[] body) implements Step {
        }

        /** The upload was completed before: its outcome is answered again. */
        record Done(ChunkRepository.Outcome outcome) implements Step {
        }
    }

    private final ChunkRepository uploads = new ChunkRepository();
    private final long maxBodyBytes;
    private final Clock clock;

    public ChunkedUploads(long maxBodyBytes, Clock clock) {
        this.maxBodyBytes = maxBodyBytes;
        this.clock = clock;
    }

    Step accept(Realm realm, Principal principal, String route, Chunk chunk) {
        if (chunk.totalSize() > maxBodyBytes) {
            throw new PayloadTooLargeException(maxBodyBytes);
        }
        Database database = realm.database();
        UUID syncId = chunk.syncId();
        Optional<ChunkRepository.Outcome> done = database.withConnection(
                connection -> uploads.outcome(connection, syncId, principal.userId()));
        if (done.isPresent()) {
            return new Step.Done(awaitOutcome(database, syncId, principal.userId(), done.get()));
        }
        long now = clock.millis();
        database.inTransaction(connection -> {
            uploads.store(connection, chunk, principal.userId(), principal.clientId(), route, now);
            return null;
        });
        // Counted after the commit: of chunks stored concurrently, the one committed last sees them all.
        ChunkRepository.Received received = database.withConnection(
                connection -> uploads.received(connection, syncId, principal.userId(), route));
        if (!received.consistent()) {
            throw new ConflictException("The syncId " + syncId + " belongs to another upload: use a new one");
        }
        if (received.count() < received.chunks()) {
            return new Step.Incomplete(received.count(), received.chunks());
        }
        if (!database.withConnection(connection -> uploads.claim(connection, syncId, principal.userId(), now))) {
            ChunkRepository.Outcome other = database.withConnection(
                    connection -> uploads.outcome(connection, syncId, principal.userId())).orElseThrow();
            return new Step.Done(awaitOutcome(database, syncId, principal.userId(), other));
        }
        try {
            return new Step.Complete(join(database, syncId));
        } catch (BadRequestException e) {
            finish(realm, syncId, new ChunkRepository.Outcome(400, e.getMessage(), null));
            throw e;
        }
    }

    /** The reassembled body of a completed upload, to answer a retried pull chunk again. */
    byte[] body(Realm realm, UUID syncId) {
        return join(realm.database(), syncId);
    }

    /** Records what the completed upload answered; retried chunks get the same. */
    void finish(Realm realm, UUID syncId, ChunkRepository.Outcome outcome) {
        realm.database().inTransaction(connection -> {
            uploads.complete(connection, syncId, outcome);
            return null;
        });
    }

    /** The upload's processing failed for a passing reason (database, lock): a retried chunk runs it again. */
    void release(Realm realm, UUID syncId) {
        try {
            realm.database().withConnection(connection -> {
                uploads.release(connection, syncId);
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("Could not release the chunked upload {}: {}", syncId, e.getMessage());
        }
    }

    /** Removes uploads older than {@link #KEEP} from every realm, in small batches; for a background thread. */
    public void purge(Realms realms) {
        long before = clock.millis() - KEEP.toMillis();
        realms.forEachReady("removing expired chunked uploads", realm -> {
            int removed;
            do {
                removed = realm.database().withConnection(connection -> uploads.purge(connection, before, PURGE_BATCH));
            } while (removed > 0);
        });
    }

    private byte[] join(Database database, UUID syncId) {
        List<Chunk> chunks = database.withConnection(connection -> uploads.chunks(connection, syncId));
        StringBuilder body = new StringBuilder();
        long offset = 0;
        for (Chunk chunk : chunks) {
            if (chunk.start() != offset || chunk.totalSize() != chunks.get(0).totalSize()) {
                throw new BadRequestException("The chunks of upload " + syncId + " do not join: chunk " + chunk.index()
                        + " starts at byte " + chunk.start() + ", expected " + offset);
            }
            body.append(chunk.data());
            offset = chunk.end();
        }
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length != chunks.get(0).totalSize()) {
            throw new BadRequestException("The chunks of upload " + syncId + " make " + bytes.length
                    + " bytes, not the announced totalSize " + chunks.get(0).totalSize());
        }
        return bytes;
    }

    /** Waits while another request is still processing the upload (status 0). */
    private ChunkRepository.Outcome awaitOutcome(Database database, UUID syncId, UUID userId,
                                                 ChunkRepository.Outcome outcome) {
        long deadline = System.nanoTime() + AWAIT_OUTCOME.toNanos();
        while (outcome.status() == 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            outcome = database.withConnection(connection -> uploads.outcome(connection, syncId, userId))
                    .orElse(new ChunkRepository.Outcome(0, null, null));
        }
        if (outcome.status() == 0) {
            throw new ConflictException("The upload " + syncId + " is still being processed, please retry later");
        }
        return outcome;
    }
}
