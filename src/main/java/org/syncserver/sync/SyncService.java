package org.syncserver.sync;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.config.Quotas;
import org.syncserver.config.Sharing;
import org.syncserver.db.Database;
import org.syncserver.error.AccessDeniedException;
import org.syncserver.error.ClientMessages;
import org.syncserver.error.ConflictException;
import org.syncserver.error.QuotaExceededException;
import org.syncserver.error.Require;
import org.syncserver.identity.ClientRepository;
import org.syncserver.identity.Principal;
import org.syncserver.metrics.Metrics;
import org.syncserver.realm.Realm;
import org.syncserver.spaces.SpaceAccess;
import org.syncserver.spaces.Visibility;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Pull, push and cancelSync (PROTOCOL §6). How the cursor never skips a change, and how conflicts are decided,
 * is explained in docs/adr/0001-sync-cursor.md.
 */
public final class SyncService {

    private static final Logger log = LoggerFactory.getLogger(SyncService.class);

    /** A lock older than this is taken over: its sync died without cancelSync. */
    static final Duration LOCK_TAKEOVER = Duration.ofMinutes(2);
    /**
     * A pull of up to this many rows and this much row data is read in one statement and held in memory before it
     * is sent; a larger one is streamed in pages.
     */
    static final int SMALL_PULL = 500;
    static final long SMALL_PULL_BYTES = 1024 * 1024;
    /** No device: a pull that leaves out no device's rows. */
    private static final UUID NO_DEVICE = new UUID(0, 0);
    /** A shared pull is always streamed: rows of several owners, read in pages of this many. */
    private static final int SHARED_FETCH_ROWS = 500;

    private final SyncRepository sync;
    private final ClientRepository clients;
    private final Clock clock;
    private final Metrics metrics;
    private final Predicate<String> notifying;
    private final Function<String, Quotas> quotas;
    private final SyncInstance instance;
    private final SyncSpans spans;
    private final Sharing sharing;
    private final SpaceAccess spaces;
    private final SharedRows shared = new SharedRows();
    private final SharedPush sharedPush;

    /**
     * @param notifying whether pushes to a realm notify its listening instances (PostgreSQL NOTIFY): only once this
     *                  instance listens there, which also shows that the database has NOTIFY at all
     * @param quotas    a realm's limits (PROTOCOL §13.1)
     * @param instance  this process, which the locks it takes name
     * @param tracer    the spans of each call (a no-op without an OpenTelemetry SDK)
     * @param sharing   the shared tables of each realm; a realm that shares none syncs as before spaces
     * @param spaces    which spaces a user sees (the one question sync asks of spaces)
     */
    public SyncService(ClientRepository clients, Clock clock, Metrics metrics, Predicate<String> notifying,
                       Function<String, Quotas> quotas, SyncInstance instance, Tracer tracer, Sharing sharing,
                       SpaceAccess spaces) {
        this.sync = new SyncRepository();
        this.clients = clients;
        this.clock = clock;
        this.metrics = metrics;
        this.notifying = notifying;
        this.quotas = quotas;
        this.instance = instance;
        this.spans = new SyncSpans(tracer);
        this.sharing = sharing;
        this.spaces = spaces;
        this.sharedPush = new SharedPush(shared, spaces, sharing, metrics);
    }

    /**
     * Takes the client's lock and streams every change it has not seen into the writer. Three short steps, each
     * repeatable on a serialization failure until the answer has begun: take the lock and read the user's clock;
     * read the rows up to that clock; save the clock as the client's cursor. None writes and streams in one
     * transaction, whose commit could fail after the answer is sent (CockroachDB aborts transactions routinely).
     */
    public void pull(Realm realm, Principal principal, PullRequest request, PullWriter writer) {
        spans.call("sync.pull", realm, span -> {
            lockAndAnswer(realm, principal, request, writer);
            span.setAttribute(SyncSpans.ROWS, writer.rows());
            span.setAttribute(SyncSpans.BYTES, writer.bytes());
            return null;
        });
    }

    private void lockAndAnswer(Realm realm, Principal principal, PullRequest request, PullWriter writer) {
        UUID clientId = Require.present(request.clientId(), "clientId");
        principal.requireDevice(clientId);
        long lastSync = request.lastSync() == null ? 0 : request.lastSync();
        Map<UUID, PendingChange> pending = request.pending();
        long now = clock.millis();
        Database database = realm.database();
        if (sharing.shares(realm.name())) {
            sharedPull(realm, principal, clientId, lastSync, pending, writer, now);
            metrics.rowsPulled(realm.name(), writer.rows());
            return;
        }
        SyncRepository.Clock clock = spans.lock(() -> database.withConnection(connection ->
                takeLock(connection, realm, principal, clientId, OptionalLong.of(lastSync), now)));
        try {
            long from = clock.from(lastSync);
            // A cursor a restore made meaningless: everything again, the device's own rows too (they may differ).
            answer(database, principal, clientId, from == lastSync ? clientId : NO_DEVICE, from, clock.value(),
                    pending, writer);
        } catch (RuntimeException e) {
            releaseAfterFailure(database, principal, clientId);
            throw e;
        }
        metrics.rowsPulled(realm.name(), writer.rows());
    }

    /**
     * Answers a pull again up to the cursor it answered before, without taking the lock again (which the first
     * answer holds): for a retried chunk of a chunked pull whose answer was lost on the way.
     */
    public void pullAgain(Realm realm, Principal principal, PullRequest request, long cursor, PullWriter writer) {
        UUID clientId = Require.present(request.clientId(), "clientId");
        principal.requireDevice(clientId);
        long lastSync = request.lastSync() == null ? 0 : request.lastSync();
        spans.call("sync.pull", realm, span -> {
            if (sharing.shares(realm.name())) {
                answerAgainShared(realm.database(), principal, clientId, lastSync, cursor, request.pending(), writer);
            } else {
                // The first chunk's answer again: the same start (this retry does not know resync_before).
                long from = new SyncRepository.Clock(cursor, 0).from(lastSync);
                answer(realm.database(), principal, clientId, from == lastSync ? clientId : NO_DEVICE, from, cursor,
                        request.pending(), writer);
            }
            span.setAttribute(SyncSpans.ROWS, writer.rows());
            span.setAttribute(SyncSpans.BYTES, writer.bytes());
            return null;
        });
    }

    /**
     * Writes the rows up to the cursor, then saves the cursor. A row the device changed too is written when the
     * server's version is at least as new: the device imports it and still pushes its own change, which the push
     * journals as skipped, with its data (docs/protocol.md §11.3). The device's own newer change wins: the row is
     * left out, and the device pushes its change next.
     *
     * @param notFrom the device whose own changes are left out: the pulling one, or none when it gets everything
     */
    private void answer(Database database, Principal principal, UUID clientId, UUID notFrom, long lastSync,
                        long cursor, Map<UUID, PendingChange> pending, PullWriter writer) {
        writer.lastSync(cursor);
        spans.step("sync.read", () -> {
            readRows(database, principal.userId(), notFrom, lastSync, cursor, unlessNewerHere(pending, writer),
                    writer);
            return null;
        });
        saveCursor(database, principal, clientId, cursor, pending, writer, Optional.empty());
        writer.end();
    }

    /** Writes a row unless the device changed it too, later on the device clocks: its own change wins then. */
    private static SyncRepository.RowSink unlessNewerHere(Map<UUID, PendingChange> pending, PullWriter writer) {
        return row -> {
            PendingChange mine = pending.get(row.rowguid());
            if (mine == null || row.clientdate() >= mine.clientdate()) {
                writer.row(row);
            }
        };
    }

    /** @param named the vector the cursor names, to store with it (a realm that shares tables) */
    private void saveCursor(Database database, Principal principal, UUID clientId, long cursor,
                            Map<UUID, PendingChange> pending, PullWriter writer, Optional<SharedRows.Named> named) {
        List<UUID> pendingDeletes = pending.values().stream()
                .filter(change -> "D".equals(change.operation())).map(PendingChange::rowguid).toList();
        spans.step("sync.cursor", () -> database.withConnection(connection -> {
            sync.saveCursor(connection, principal.userId(), clientId, cursor, writer.tables(), pendingDeletes,
                    named);
            return null;
        }));
    }

    /**
     * A pull in a realm that shares tables (docs/adr/0005-shared-spaces.md): the lock, with the user's clock, the
     * spaces the user sees and the vectors the device's lastSync may name; then the clocks of the spaces make the
     * vector this pull reads, whose new name is the answer's lastSync, stored with the cursor once the rows are
     * written. A small pull's rows are read on the lock's connection (under load every borrow of the pool is a
     * wait); a larger one is streamed.
     */
    private void sharedPull(Realm realm, Principal principal, UUID clientId, long lastSync,
                            Map<UUID, PendingChange> pending, PullWriter writer, long now) {
        Database database = realm.database();
        Opened opened = database.withConnection(connection ->
                openSharedPull(connection, realm, principal, clientId, lastSync, now));
        try {
            answerShared(database, principal, clientId, opened.sent(), opened.named(), Optional.of(opened.page()),
                    pending, writer);
        } catch (RuntimeException e) {
            releaseAfterFailure(database, principal, clientId);
            throw e;
        }
    }

    /** What a shared pull answers: from the vector the device sent to the one named, and the first rows. */
    private record Opened(CursorVector sent, SharedRows.Named named, SyncRepository.FirstPage page) {
    }

    private Opened openSharedPull(Connection connection, Realm realm, Principal principal, UUID clientId,
                                  long lastSync, long now) throws SQLException {
        UUID userId = principal.userId();
        SyncRepository.Clock clock = spans.lock(() -> takeLock(connection, realm, principal, clientId,
                OptionalLong.empty(), now));
        try {
            Map<Long, CursorVector> vectors = shared.vectors(clock.vectors());
            CursorVector named = CursorVector.sent(vectors, lastSync, userId, OptionalLong.empty());
            long namedUserClock = named.clock(userId).orElse(0L);
            CursorVector sent = namedUserClock > 0 && clock.from(namedUserClock) == 0 ? CursorVector.NOTHING : named;
            Map<UUID, Long> spaceClocks = new HashMap<>();
            spaces.visibility(clock.seen()).spaces().forEach((space, seen) -> spaceClocks.put(space, seen.clock()));
            CursorVector read = CursorVector.read(userId, clock.value(), spaceClocks);
            long importedUpTo = sent.clock(userId).orElse(0L);
            SharedRows.Named name = new SharedRows.Named(clientId, SharedRows.nextName(vectors, now), read, lastSync,
                    new SharedRows.Acknowledged(importedUpTo, Math.min(namedUserClock, clock.value())));
            SyncRepository.FirstPage page = spans.step("sync.read", () -> shared.firstPage(connection,
                    OwnerRange.between(sent, read), clientId, importedUpTo, clock.value(), SMALL_PULL + 1,
                    SMALL_PULL_BYTES));
            return new Opened(sent, name, page);
        } catch (SQLException | RuntimeException e) {
            // on this connection: borrowing another while holding one could wait for a pool this very wait drains
            releaseAfterFailure(connection, principal, clientId);
            throw e;
        }
    }

    /** A retried chunk of a shared pull: the same two vectors, so the same answer. */
    private void answerAgainShared(Database database, Principal principal, UUID clientId, long lastSync, long name,
                                   Map<UUID, PendingChange> pending, PullWriter writer) {
        Map<Long, CursorVector> vectors = database.withConnection(connection -> shared.vectors(connection, clientId));
        CursorVector read = vectors.get(name);
        if (read == null) {
            throw new ConflictException(ClientMessages.PULL_BEFORE_PUSH);
        }
        CursorVector sent = CursorVector.sent(vectors, lastSync, principal.userId(), OptionalLong.of(name));
        // Stored by the first answer: without a first page, answerShared stores nothing (what the vector
        // acknowledged is not needed again).
        SharedRows.Named named = new SharedRows.Named(clientId, name, read, lastSync,
                new SharedRows.Acknowledged(0, 0));
        answerShared(database, principal, clientId, sent, named, Optional.empty(), pending, writer);
    }

    /**
     * Writes the rows from the vector sent to the one named: the first page read already when it holds them all,
     * else streamed. Then saves the name as the client's cursor, storing the vector with it.
     *
     * @param page the first rows, read with the lock; empty for a retried chunk, whose vector is stored already
     */
    private void answerShared(Database database, Principal principal, UUID clientId, CursorVector sent,
                              SharedRows.Named named, Optional<SyncRepository.FirstPage> page,
                              Map<UUID, PendingChange> pending, PullWriter writer) {
        UUID userId = principal.userId();
        long importedUpTo = sent.clock(userId).orElse(0L);
        long userClock = named.vector().clock(userId).orElseThrow();
        SyncRepository.RowSink answer = unlessNewerHere(pending, writer);
        writer.lastSync(named.name());
        if (page.isPresent() && page.get().whole(SMALL_PULL + 1, SMALL_PULL_BYTES)) {
            write(page.get(), answer);
        } else {
            spans.step("sync.read", () -> database.read(Database.Plans.GENERIC, connection -> {
                shared.pull(connection, OwnerRange.between(sent, named.vector()), clientId, importedUpTo, userClock,
                        SHARED_FETCH_ROWS, answer);
                return null;
            }, () -> !writer.started()));
        }
        saveCursor(database, principal, clientId, named.name(), pending, writer,
                page.isPresent() ? Optional.of(named) : Optional.empty());
        writer.end();
    }

    /**
     * A pull that failed after taking the lock gives it back, so that the client's retry is not refused as "already
     * syncing" for two minutes. Best effort: if the database is what failed, the lock expires by itself.
     */
    private void releaseAfterFailure(Database database, Principal principal, UUID clientId) {
        try {
            database.withConnection(connection -> {
                releaseAfterFailure(connection, principal, clientId);
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("Could not release the sync lock of a failed pull: {}", e.getMessage());
        }
    }

    /** The same on a connection the failed pull holds. */
    private void releaseAfterFailure(Connection connection, Principal principal, UUID clientId) {
        try {
            sync.releaseLock(connection, principal.userId(), clientId);
        } catch (SQLException | RuntimeException e) {
            log.warn("Could not release the sync lock of a failed pull: {}", e.getMessage());
        }
    }

    /**
     * Stores the changes in one transaction: all or nothing. Which versions the device had not seen (skipped or
     * journalled) is judged by the cursor the push carries: the one the device held when its user made the edits,
     * which sync_client sets to the cursor its sync opened with. It is bounded by the cursor of the device's last
     * pull; a push without one is judged by that pull's.
     *
     * @return the cursor for the client's next pull: what its last pull saw, so nothing pushed meanwhile by its
     *         other devices is skipped
     */
    public long push(Realm realm, Principal principal, PushRequest request) {
        return push(realm, principal, request, (connection, cursor) -> { });
    }

    /** Work that must commit with a push or not at all, e.g. the outcome of the chunked upload that carried it. */
    interface WithPush {
        void run(Connection connection, long cursor) throws SQLException;
    }

    /** @param withPush runs in the push's transaction, once its changes are stored */
    long push(Realm realm, Principal principal, PushRequest request, WithPush withPush) {
        return spans.call("sync.push", realm, span -> {
            span.setAttribute(SyncSpans.ROWS, request.changes());
            span.setAttribute(SyncSpans.BYTES, request.spool().size());
            span.setAttribute(SyncSpans.PARTIAL, request.partial());
            Pushed pushed = store(realm, principal, request, withPush);
            span.setAttribute(SyncSpans.SKIPPED, pushed.skipped());
            span.setAttribute(SyncSpans.OVERWRITTEN, pushed.overwritten());
            return pushed.cursor();
        });
    }

    private Pushed store(Realm realm, Principal principal, PushRequest request, WithPush withPush) {
        UUID clientId = Require.present(request.clientId(), "clientId");
        principal.requireDevice(clientId);
        long now = clock.millis();
        Quotas limits = quotas.apply(realm.name());
        boolean shares = sharing.shares(realm.name());
        // Pushes into spaces run on generic plans: the statements that place rows are over arrays of owners.
        Database.Plans plans = shares ? Database.Plans.GENERIC : Database.Plans.PER_CALL;
        Pushed pushed = realm.database().inTransaction(Database.Commit.DURABLE, plans, connection -> {
            boolean stamp = request.changes() > 0;
            boolean notify = stamp && notifying.test(realm.name());
            Span.current().setAttribute(SyncSpans.NOTIFIES, notify);
            var lock = spans.lock(() -> sync.holdLockForPush(connection, principal.userId(), clientId,
                    request.partial(), stamp, now, notify, shares));
            if (lock.isEmpty()) {
                throw notPulled(connection, principal, clientId);
            }
            SyncRepository.Held held = lock.get();
            UUID userId = principal.userId();
            Map<UUID, Long> stamps = new HashMap<>(Map.of(userId, held.serverdate()));
            BatchPlacer placer = shares
                    ? sharedPush.placer(connection, realm.name(), userId, clientId, request.lastSync(), held, stamps,
                            now, notify)
                    : privatePlacer(userId, request.lastSync(), held);
            Pushed total = new Pushed(held.pulledUpTo());
            request.forEachBatch(batch -> {
                QuotaCheck.rowSizes(limits, batch);
                List<SyncRepository.Placed> placed = placer.place(batch);
                total.add(spans.step("sync.store", () -> stored(sync.upsert(connection, userId, clientId, now,
                        placed), batch.size())));
            });
            if (shares && limits.limitsUsage() && total.last().isPresent()) {
                sharedPush.chargeOwners(connection, limits, userId, total.change(), total.spaceChanges(),
                        total.last().get().announcedFrees());
            } else {
                total.last().ifPresent(stored -> QuotaCheck.usage(limits, stored.usage(), total.change(),
                        stored.announcedFrees()));
            }
            placer.finish();
            withPush.run(connection, total.cursor());
            return total;
        });
        metrics.rowsPushed(realm.name(), request.changes());
        metrics.conflicts(realm.name(), "skipped", pushed.skipped());
        metrics.conflicts(realm.name(), "overwritten", pushed.overwritten());
        return pushed;
    }

    /**
     * Every row under the user. Which versions the device had not seen is judged by the cursor the push carries,
     * bounded by the cursor of the device's last pull; a push without one is judged by that pull's.
     */
    private static BatchPlacer privatePlacer(UUID userId, Long lastSync, SyncRepository.Held held) {
        long seenUpTo = lastSync == null ? held.pulledUpTo() : Math.clamp(lastSync, 0, held.pulledUpTo());
        return batch -> batch.stream()
                .map(change -> new SyncRepository.Placed(userId, change, seenUpTo, held.serverdate())).toList();
    }

    /** Notes on the {@code sync.store} span what the batch did. */
    private static SyncRepository.Stored stored(SyncRepository.Stored stored, int rows) {
        Span.current().setAttribute(SyncSpans.ROWS, rows)
                .setAttribute(SyncSpans.SKIPPED, stored.skipped())
                .setAttribute(SyncSpans.OVERWRITTEN, stored.overwritten());
        return stored;
    }

    /** A push's batches added up (one transaction: retried whole, so it starts from nothing each time). */
    private static final class Pushed {
        private final long cursor;
        private int skipped;
        private int overwritten;
        private SyncRepository.Usage change = SyncRepository.Usage.NONE;
        private final Map<UUID, SyncRepository.Usage> spaceChanges = new HashMap<>();
        private SyncRepository.Stored last;

        Pushed(long cursor) {
            this.cursor = cursor;
        }

        void add(SyncRepository.Stored stored) {
            skipped += stored.skipped();
            overwritten += stored.overwritten();
            change = change.plus(stored.change());
            stored.spaceChanges().forEach((space, usage) -> spaceChanges.merge(space, usage,
                    SyncRepository.Usage::plus));
            last = stored;
        }

        Map<UUID, SyncRepository.Usage> spaceChanges() {
            return spaceChanges;
        }

        long cursor() {
            return cursor;
        }

        int skipped() {
            return skipped;
        }

        int overwritten() {
            return overwritten;
        }

        SyncRepository.Usage change() {
            return change;
        }

        Optional<SyncRepository.Stored> last() {
            return Optional.ofNullable(last);
        }
    }

    /**
     * Notes why a push of the device's open sync attempt was refused: the cause shown should the device get stuck.
     * Best effort, after the refused push's transaction has rolled back.
     */
    public void noteRefusal(Realm realm, Principal principal, int status, RuntimeException refusal) {
        if (refusal instanceof QuotaExceededException) {
            metrics.quotaRefused(realm.name());
        }
        try {
            realm.database().withConnection(connection -> {
                sync.noteRefusal(connection, principal.userId(), principal.clientId(),
                        "push refused with " + status + ": " + refusal.getMessage());
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("Could not note a refused push: {}", e.getMessage());
        }
    }

    /** Releases the lock and ends the sync attempt: failed, unless its final push succeeded. */
    public void cancelSync(Realm realm, Principal principal, CancelSyncRequest request) {
        UUID clientId = Require.present(request.clientId(), "clientId");
        principal.requireDevice(clientId);
        spans.call("sync.cancel", realm, span -> realm.database().withConnection(connection -> {
            if (!sync.endAttempt(connection, principal.userId(), clientId)) {
                throw new AccessDeniedException(ClientMessages.CLIENT_NOT_OF_USER);
            }
            return null;
        }));
    }

    /**
     * Most pulls are small: one auto-committed statement answers them. A larger one is read again, streamed in pages
     * from a read-only transaction (which costs a round trip more).
     */
    private void readRows(Database database, UUID userId, UUID clientId, long after, long upTo,
                          SyncRepository.RowSink answer, PullWriter writer) {
        SyncRepository.FirstPage firstPage = database.withConnection(connection ->
                sync.firstPage(connection, userId, clientId, after, upTo, SMALL_PULL + 1, SMALL_PULL_BYTES));
        if (!firstPage.whole(SMALL_PULL + 1, SMALL_PULL_BYTES)) {
            long rowBytes = firstPage.bytes() / firstPage.rows().size();
            database.read(connection -> {
                sync.pull(connection, userId, clientId, after, upTo, rowBytes, answer);
                return null;
            }, () -> !writer.started());
            return;
        }
        write(firstPage, answer);
    }

    private static void write(SyncRepository.FirstPage page, SyncRepository.RowSink answer) {
        try {
            for (ServerRow row : page.rows()) {
                answer.row(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the user's clock, which the pull reaches up to */
    private SyncRepository.Clock takeLock(Connection connection, Realm realm, Principal principal, UUID clientId,
                                          OptionalLong sentCursor, long now) throws SQLException {
        Optional<SyncRepository.Clock> userClock = sync.takeLock(connection, principal.userId(), clientId,
                sentCursor, now, now - LOCK_TAKEOVER.toMillis(), instance);
        if (userClock.isEmpty()) {
            throw lockRefused(connection, realm.name(), principal, clientId);
        }
        return userClock.get();
    }

    private RuntimeException lockRefused(Connection connection, String realm, Principal principal, UUID clientId)
            throws SQLException {
        if (!isOwnClient(connection, principal, clientId)) {
            return new AccessDeniedException(ClientMessages.CLIENT_NOT_OF_USER);
        }
        metrics.lockRefused(realm);
        return new ConflictException(ClientMessages.ALREADY_SYNCING);
    }

    private RuntimeException notPulled(Connection connection, Principal principal, UUID clientId) throws SQLException {
        return isOwnClient(connection, principal, clientId)
                ? new ConflictException(ClientMessages.PULL_BEFORE_PUSH)
                : new AccessDeniedException(ClientMessages.CLIENT_NOT_OF_USER);
    }

    private boolean isOwnClient(Connection connection, Principal principal, UUID clientId) throws SQLException {
        return clients.findOwner(connection, clientId).map(principal.userId()::equals).orElse(false);
    }
}
