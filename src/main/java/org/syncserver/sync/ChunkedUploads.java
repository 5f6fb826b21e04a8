package org.syncserver.sync;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.config.Config;
import org.syncserver.db.Database;
import org.syncserver.error.AccessDeniedException;
import org.syncserver.error.BadRequestException;
import org.syncserver.error.ClientMessages;
import org.syncserver.error.ConflictException;
import org.syncserver.http.BusyException;
import org.syncserver.http.PayloadTooLargeException;
import org.syncserver.identity.Principal;
import org.syncserver.realm.Realm;
import org.syncserver.realm.Realms;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Pull and push bodies sent in chunks (PROTOCOL §11.1). Every chunk is stored durably in the realm's database
 * before it is acknowledged with a 206, so the upload survives a restart and may continue at any instance; a
 * retried chunk changes nothing, and a different chunk under an index already taken is refused. The request that
 * brings the last chunk claims the upload, joins the chunks (streamed from the database into a spool, never whole in
 * memory) and runs the pull or push; its outcome is stored, and any later chunk of the same upload gets the same
 * answer. A claim whose request died (a crash, kill -9) expires, and the next retried chunk runs the upload again.
 * <p>
 * An upload is stored under a key made of the user, the route and the client's syncId: another user who knows a
 * syncId cannot touch the upload, and a syncId used for a pull and a push makes two uploads. Unfinished uploads are
 * capped per user and per realm by the totalSize they announce when they begin.
 */
public final class ChunkedUploads {

    private static final Logger log = LoggerFactory.getLogger(ChunkedUploads.class);
    /** Uploads (complete or not) are removed this long after they began. */
    static final Duration KEEP = Duration.ofDays(1);
    /**
     * A claim older than this is taken over by the next retried chunk: its request died without an outcome. Longer
     * than a push of the largest body takes; a pull answered to a slow phone for longer is run again, harmlessly.
     */
    static final Duration CLAIM_TIMEOUT = Duration.ofMinutes(2);
    /** A chunk that arrives while another request processes the upload waits this long, then gets a 503 to retry. */
    private static final Duration AWAIT_OUTCOME = Duration.ofSeconds(5);
    private static final int PURGE_BATCH = 1_000;
    private static final long MIB = 1024 * 1024;

    /** What to do with a chunk. */
    sealed interface Step {
        /** Not all chunks are there yet: 206. */
        record Incomplete(int received, int chunks) implements Step {
        }

        /**
         * This request brought the last chunk: it runs the request whose body this is, then records the outcome.
         * The caller closes the body.
         */
        record Complete(UUID key, Spool body) implements Step {
        }

        /** The upload was completed before: its outcome is answered again. */
        record Done(UUID key, ChunkRepository.Outcome outcome) implements Step {
        }
    }

    /** Uploads beyond this size take room (see {@link #roomFor}). */
    static final long LARGE_UPLOAD_BYTES = 8L * 1024 * 1024;
    /** Heap a large upload's request may take: a 44 MB pull's map of pending changes is about 60 MB. */
    private static final long HEAP_PER_LARGE_UPLOAD = 128L * 1024 * 1024;
    private static final Duration AWAIT_ROOM = Duration.ofSeconds(10);

    private final Semaphore largeUploads = new Semaphore(
            (int) Math.max(1, Runtime.getRuntime().maxMemory() / HEAP_PER_LARGE_UPLOAD), true);
    private final ChunkRepository uploads = new ChunkRepository();
    private final long maxBodyBytes;
    private final Config.PendingChunks caps;
    private final Clock clock;

    public ChunkedUploads(long maxBodyBytes, Config.PendingChunks caps, Clock clock) {
        this.maxBodyBytes = maxBodyBytes;
        this.caps = caps;
        this.clock = clock;
    }

    /** Held while a chunk's request may join and process a large body; closing gives the room back. */
    interface Room extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Room for a chunk whose upload is large: joining it and running its request (a pull's map of pending changes)
     * costs memory in proportion, so only a few such requests run at once, by the heap's size (two at 256 MB). Six
     * replays of a 44 MB chunked pull at once ran a 256 MB server out of memory. Beyond: 503, retry.
     */
    Room roomFor(Chunk chunk) {
        if (chunk.totalSize() <= LARGE_UPLOAD_BYTES) {
            return () -> { };
        }
        try {
            if (!largeUploads.tryAcquire(AWAIT_ROOM.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new BusyException("The server is processing other large chunked requests: send this chunk "
                        + "again in a few seconds");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BusyException("The server is stopping: send this chunk again in a few seconds");
        }
        return largeUploads::release;
    }

    /** Where an upload is stored: its syncId is the client's choice, so it names an upload only within its owner. */
    static UUID keyOf(UUID userId, String route, UUID syncId) {
        return UUID.nameUUIDFromBytes((userId + ":" + route + ":" + syncId).getBytes(StandardCharsets.UTF_8));
    }

    Step accept(Realm realm, Principal principal, String route, Chunk chunk) {
        if (chunk.totalSize() > maxBodyBytes) {
            throw new PayloadTooLargeException(maxBodyBytes);
        }
        Database database = realm.database();
        UUID key = keyOf(principal.userId(), route, chunk.syncId());
        Optional<ChunkRepository.Outcome> outcome = database.withConnection(connection -> uploads.outcome(connection, key));
        if (outcome.isPresent()) {
            return outcome.get().status() == 0 ? awaitOutcome(realm, key, principal, chunk.syncId())
                    : new Step.Done(key, outcome.get());
        }
        store(database, key, principal, route, chunk);
        // Counted after the commit: of chunks stored concurrently, the one committed last sees them all.
        ChunkRepository.Received received = database.withConnection(connection -> uploads.received(connection, key));
        if (!received.consistent()) {
            throw new ConflictException("The chunks of upload " + chunk.syncId()
                    + " announce different numbers of chunks: send the request again with a new syncId");
        }
        if (received.count() < received.chunks()) {
            return new Step.Incomplete(received.count(), received.chunks());
        }
        return claimed(database, key, principal) ? complete(realm, key, chunk.syncId())
                : awaitOutcome(realm, key, principal, chunk.syncId());
    }

    /** The reassembled body of a completed upload, to answer a retried pull chunk again. The caller closes it. */
    Spool body(Realm realm, UUID key, UUID syncId) {
        return joined(realm.database(), key, syncId);
    }

    /**
     * Records what the completed upload answered, in the transaction of the work it carried: a server killed after
     * that work committed cannot leave the upload without its answer (a retried chunk would run the push again, and
     * be refused "pull before push").
     */
    void finish(Connection connection, UUID key, ChunkRepository.Outcome outcome) throws SQLException {
        uploads.complete(connection, key, outcome);
    }

    /** Records what the completed upload answered; retried chunks get the same. */
    void finish(Realm realm, UUID key, ChunkRepository.Outcome outcome) {
        realm.database().inTransaction(connection -> {
            uploads.complete(connection, key, outcome);
            return null;
        });
    }

    /** The upload's processing failed for a passing reason (database, lock): a retried chunk runs it again. */
    void release(Realm realm, UUID key) {
        try {
            realm.database().withConnection(connection -> {
                uploads.release(connection, key);
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("realm {}: could not release a chunked upload ({}); its claim expires in {}", realm.name(),
                    e.getMessage(), CLAIM_TIMEOUT);
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

    /**
     * Stores the chunk, in one transaction with its checks: an upload's first chunk must find room under the caps
     * (and ends the device's abandoned uploads of the route); no upload holds more bytes than its totalSize; a chunk
     * under a taken index must be the same chunk (a retry), not silently dropped.
     */
    private void store(Database database, UUID key, Principal principal, String route, Chunk chunk) {
        long now = clock.millis();
        database.inTransaction(connection -> {
            if (!uploads.lockUser(connection, principal.userId())) {
                throw new AccessDeniedException(ClientMessages.INVALID_TOKEN); // deleted meanwhile
            }
            long stored = uploads.storedBytes(connection, key);
            if (stored < 0) {
                uploads.dropAbandoned(connection, key, principal.clientId(), route);
                requireRoom(uploads.pending(connection, principal.userId()), chunk.totalSize());
            }
            if (!uploads.store(connection, key, chunk, principal.userId(), principal.clientId(), route, now)) {
                if (!uploads.sameAsStored(connection, key, chunk)) {
                    throw new ConflictException("Chunk " + chunk.index() + " of upload " + chunk.syncId()
                            + " was received before with other content: send the request again with a new syncId");
                }
            } else if (Math.max(stored, 0) + chunk.end() - chunk.start() > chunk.totalSize()) {
                throw new BadRequestException("The chunks of upload " + chunk.syncId() + " hold more than its totalSize"
                        + " of " + chunk.totalSize() + " bytes");
            }
            return null;
        });
    }

    private void requireRoom(ChunkRepository.Pending pending, long totalSize) {
        if (pending.user() + totalSize > caps.perUser()) {
            throw new PayloadTooLargeException("This account has " + mib(pending.user()) + " of unfinished chunked "
                    + "uploads, and this one (" + mib(totalSize) + ") would pass the limit of " + mib(caps.perUser())
                    + ": send the request in one piece (unchunked), or retry once the unfinished uploads expire");
        }
        if (pending.realm() + totalSize > caps.perRealm()) {
            throw new PayloadTooLargeException("The server holds too many unfinished chunked uploads ("
                    + mib(pending.realm()) + " of " + mib(caps.perRealm()) + "): send the request in one piece "
                    + "(unchunked), or retry later");
        }
    }

    private static String mib(long bytes) {
        return (bytes + MIB - 1) / MIB + " MiB";
    }

    private boolean claimed(Database database, UUID key, Principal principal) {
        long now = clock.millis();
        return database.withConnection(connection -> uploads.claim(connection, key, principal.userId(), now,
                now - CLAIM_TIMEOUT.toMillis()));
    }

    private Step complete(Realm realm, UUID key, UUID syncId) {
        try {
            return new Step.Complete(key, joined(realm.database(), key, syncId));
        } catch (BadRequestException e) {
            finish(realm, key, new ChunkRepository.Outcome(400, e.getMessage(), null));
            throw e;
        } catch (RuntimeException e) {
            release(realm, key);
            throw e;
        }
    }

    /** The chunks joined in a spool (a temporary file beyond 1 MiB), read from the database one chunk at a time. */
    private Spool joined(Database database, UUID key, UUID syncId) {
        Spool spool = new Spool();
        try {
            database.read(connection -> {
                long[] offset = {0};
                long[] total = {-1};
                uploads.forEachChunk(connection, key, (start, end, totalSize, data) -> {
                    if (start != offset[0] || (total[0] >= 0 && totalSize != total[0])) {
                        throw new BadRequestException("The chunks of upload " + syncId + " do not join: a chunk starts"
                                + " at byte " + start + ", expected " + offset[0]);
                    }
                    total[0] = totalSize;
                    write(spool, data);
                    offset[0] = end;
                });
                if (offset[0] != total[0]) {
                    throw new BadRequestException("The chunks of upload " + syncId + " make " + offset[0]
                            + " bytes, not the announced totalSize " + total[0]);
                }
                return null;
            }, () -> false);
            return spool;
        } catch (RuntimeException e) {
            spool.close();
            throw e;
        }
    }

    private static void write(Spool spool, String data) {
        try {
            spool.write(data.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits a little while another request processes the upload; takes the upload over when that request's claim
     * has expired (it died), else asks the client to retry.
     */
    private Step awaitOutcome(Realm realm, UUID key, Principal principal, UUID syncId) {
        Database database = realm.database();
        long deadline = System.nanoTime() + AWAIT_OUTCOME.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ChunkRepository.Outcome> outcome = database.withConnection(connection ->
                    uploads.outcome(connection, key));
            if (outcome.isPresent() && outcome.get().status() != 0) {
                return new Step.Done(key, outcome.get());
            }
            if (claimed(database, key, principal)) {
                return complete(realm, key, syncId);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new BusyException("The upload " + syncId + " is still being processed: send its last chunk again in a "
                + "few seconds");
    }
}
