package org.syncserver.sync;

import org.syncserver.spaces.SpaceAccess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * SQL of sync: the per-client lock and cursor in {@code user_clients}, the per-user clock in {@code users}, and
 * the rows in {@code sync_rows}. Every method is one statement, whatever the number of changes.
 */
final class SyncRepository {

    /** Receives a pull's rows as the database returns them. */
    interface RowSink {
        void row(ServerRow row) throws IOException;
    }

    /** Rows travel from the database in pages of about this size, so a pull of a million rows needs little memory. */
    static final long PAGE_BYTES = 4L * 1024 * 1024;
    private static final int MAX_FETCH_ROWS = 1_000;

    /**
     * The first rows of a pull, read in one statement.
     *
     * @param bytes the stored size of the rows read
     */
    record FirstPage(List<ServerRow> rows, long bytes) {

        /** Whether these rows are the whole pull: fewer than the page's limit of rows and of bytes. */
        boolean whole(int limit, long maxBytes) {
            return rows.size() < limit && bytes <= maxBytes;
        }

        /**
         * The first page of rows of a source ({@code FROM} and {@code WHERE}), oldest first: at most {@code LIMIT ?}
         * rows and no more than {@code ?} bytes of row data (plus the row that crosses it), each row with the running
         * sum of the bytes (read by {@link #read}). The two parameters follow the source's.
         */
        static String of(String source) {
            return """
                    SELECT rowguid, operation, tablename, clientdate, serverdate, clientid, CAST(json AS TEXT), running
                      FROM (SELECT *, SUM(COALESCE(pg_column_size(json), 0))
                                      OVER (ORDER BY serverdate ROWS UNBOUNDED PRECEDING) AS running
                              FROM %s
                             ORDER BY serverdate
                             LIMIT ?) page
                     WHERE running - COALESCE(pg_column_size(json), 0) <= ?
                     ORDER BY serverdate
                    """.formatted(source);
        }

        /** Reads a page whose rows carry the running sum of their bytes in an eighth column. */
        static FirstPage read(ResultSet result) throws SQLException {
            List<ServerRow> rows = new ArrayList<>();
            long bytes = 0;
            while (result.next()) {
                rows.add(row(result));
                bytes = result.getLong(8);
            }
            return new FirstPage(rows, bytes);
        }
    }

    /**
     * Takes the client's sync lock if it is free, older than {@code staleBefore}, or held by a server instance that
     * is no longer alive ({@link SyncInstance}), and reads the user's clock in
     * the same snapshot: every change stamped up to that value is committed (pushes of a user stamp and commit in
     * order, see {@link #holdLockForPush}), so the pull that follows can deliver exactly the changes up to it.
     * The same statement keeps the cursor the device sent (acknowledged: it holds back the tombstone purge; one past
     * the user's clock, from a future a restore took away, acknowledges no more than the clock) and opens
     * a sync attempt, unless one is open already (a pull retried within it); an attempt whose stale lock is taken
     * over died without a final push and counts as failed.
     *
     * @param sentCursor the user's clock in the cursor the device sent; empty in a realm that shares tables, where
     *                   it is known only from the client's vectors, which this statement reads (and the pull's
     *                   {@link #saveCursor}, with {@link SharedRows#NAMING}, keeps the acknowledged cursor)
     * @return the user's clock; empty when the lock is taken or the client is not the user's
     */
    Optional<Clock> takeLock(Connection connection, UUID userId, UUID clientId, OptionalLong sentCursor, long now,
                          long staleBefore, SyncInstance holder) throws SQLException {
        String sql = """
                UPDATE user_clients c SET syncing = ?, syncing_by = ?, last_sync_at = ?,
                       acked_lastsync = CASE WHEN CAST(? AS BOOLEAN) THEN LEAST(?, u.sync_clock)
                                             ELSE c.acked_lastsync END,
                       %s,
                       attempt_started = CASE WHEN c.attempt_started IS NULL OR %s THEN ? ELSE c.attempt_started END,
                       attempt_refusal = CASE WHEN c.attempt_started IS NULL OR %2$s THEN NULL
                                              ELSE c.attempt_refusal END,
                       attempt_pulled_tables = CASE WHEN c.attempt_started IS NULL OR %2$s THEN NULL
                                                    ELSE c.attempt_pulled_tables END
                  FROM users u
                 WHERE c.clientid = ? AND c.userid = ? AND u.id = c.userid
                   AND (c.syncing IS NULL OR c.syncing < ?
                        OR (c.syncing_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_instances i
                                                                      WHERE i.id = c.syncing_by AND i.seen_at >= ?)))
                RETURNING u.sync_clock, u.resync_before, %s, %s
                """.formatted(failedAttemptIf(ABANDONED), ABANDONED,
                sentCursor.isPresent() ? "NULL" : SharedRows.VECTORS_COLUMN,
                sentCursor.isPresent() ? "NULL" : SpaceAccess.SEEN_COLUMN);
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, now);
            statement.setObject(2, holder.id());
            statement.setLong(3, now);
            statement.setBoolean(4, sentCursor.isPresent());
            statement.setLong(5, Math.max(0, sentCursor.orElse(0)));
            statement.setLong(6, now);
            statement.setObject(7, clientId);
            statement.setObject(8, userId);
            statement.setLong(9, staleBefore);
            statement.setLong(10, holder.aliveSince());
            if (sentCursor.isEmpty()) {
                statement.setObject(11, clientId);
                statement.setObject(12, userId);
            }
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(new Clock(rows.getLong(1), rows.getLong(2), rows.getString(3),
                        rows.getString(4))) : Optional.empty();
            }
        }
    }

    /**
     * The user's clock as a pull reads it.
     *
     * @param resyncBefore a cursor at or below this was handed out before a restore: answered with everything
     * @param vectors      the client's cursor vectors (JSON, see SharedRows) when the lock read them, else null
     * @param seen         the spaces the user sees (JSON, see SpaceAccess) when the lock read them, else null
     */
    record Clock(long value, long resyncBefore, String vectors, String seen) {

        Clock(long value, long resyncBefore) {
            this(value, resyncBefore, null, null);
        }

        /** Where a pull from {@code lastSync} starts: 0 (everything) for a cursor a restore made meaningless. */
        long from(long lastSync) {
            return lastSync > value || (resyncBefore > 0 && lastSync <= resyncBefore) ? 0 : lastSync;
        }
    }

    /** An open attempt whose lock is still held when a new pull comes: it died without a final push. */
    private static final String ABANDONED = "(c.syncing IS NOT NULL AND c.attempt_started IS NOT NULL)";

    /** SET clauses that count the open attempt of {@code user_clients c} as failed when {@code condition} holds. */
    private static String failedAttemptIf(String condition) {
        return """
                failed_attempts = c.failed_attempts + CASE WHEN %1$s THEN 1 ELSE 0 END,
                failing_since = CASE WHEN %1$s THEN COALESCE(c.failing_since, c.attempt_started)
                                     ELSE c.failing_since END,
                failure_cause = CASE WHEN %1$s THEN COALESCE(c.attempt_refusal,
                                          'import failed after a pull of ' || c.attempt_pulled_tables,
                                          'the sync ended after its pull, without a final push')
                                     ELSE c.failure_cause END""".formatted(condition);
    }

    /**
     * cancelSync: releases the lock and ends the open attempt, if any, as failed (a successful final push has ended
     * it already).
     *
     * @return false when the client is not the user's
     */
    boolean endAttempt(Connection connection, UUID userId, UUID clientId) throws SQLException {
        String sql = """
                UPDATE user_clients c SET syncing = NULL, attempt_started = NULL, %s
                 WHERE c.clientid = ? AND c.userid = ?
                """.formatted(failedAttemptIf("c.attempt_started IS NOT NULL"));
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, clientId);
            statement.setObject(2, userId);
            return statement.executeUpdate() == 1;
        }
    }

    /** Notes why the open attempt's push was refused, for the cause of its failure. */
    void noteRefusal(Connection connection, UUID userId, UUID clientId, String refusal) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                UPDATE user_clients SET attempt_refusal = ?
                 WHERE clientid = ? AND userid = ? AND attempt_started IS NOT NULL
                """)) {
            statement.setString(1, refusal);
            statement.setObject(2, clientId);
            statement.setObject(3, userId);
            statement.executeUpdate();
        }
    }

    /** @return false when the client is not the user's */
    boolean releaseLock(Connection connection, UUID userId, UUID clientId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "UPDATE user_clients SET syncing = NULL WHERE clientid = ? AND userid = ?")) {
            statement.setObject(1, clientId);
            statement.setObject(2, userId);
            return statement.executeUpdate() == 1;
        }
    }

    /**
     * What a push learns when it checks its lock: where its last pull ended, and the stamp for its rows.
     *
     * @param vectors the vectors the client's {@code lastSync} values name (JSON, see SharedRows), when asked for
     */
    record Held(long pulledUpTo, long serverdate, String vectors) {
    }

    /**
     * Checks that the client holds its lock, releasing it unless more batches follow, and, when the push stores
     * changes, moves the user's clock past its last value and the present. The clock's row lock is held until
     * commit, so pushes of one user take their serverdates in the order they commit. The final batch ends the sync
     * attempt as successful and forgets the deletes its pull announced (undone with the rest should the push fail).
     * One statement.
     *
     * @param vectors whether to read the client's cursor vectors too (a realm that shares tables), in the same
     *                round trip
     * @return the cursor of the client's last pull and the stamp (0 when not stamped); empty when the client does
     *         not hold the lock
     */
    Optional<Held> holdLockForPush(Connection connection, UUID userId, UUID clientId, boolean keepLock, boolean stamp,
                                   long now, boolean notify, boolean vectors) throws SQLException {
        // With notify, the same statement queues a NOTIFY (ids and numbers only), which PostgreSQL delivers to
        // every listening instance when the push commits, and never when it rolls back.
        String sql = """
                WITH batch AS (SELECT CAST(? AS BOOLEAN) AS more),
                held AS (
                     UPDATE user_clients c SET syncing = CASE WHEN batch.more THEN c.syncing END,
                            attempt_started = CASE WHEN batch.more THEN c.attempt_started END,
                            attempt_refusal = CASE WHEN batch.more THEN c.attempt_refusal END,
                            failed_attempts = CASE WHEN batch.more THEN c.failed_attempts ELSE 0 END,
                            failing_since = CASE WHEN batch.more THEN c.failing_since END,
                            failure_cause = CASE WHEN batch.more THEN c.failure_cause END,
                            announced_free_rows = CASE WHEN batch.more THEN c.announced_free_rows ELSE 0 END,
                            announced_free_bytes = CASE WHEN batch.more THEN c.announced_free_bytes ELSE 0 END
                       FROM batch
                      WHERE c.clientid = ? AND c.userid = ? AND c.syncing IS NOT NULL
                     RETURNING c.lastsync),
                stamped AS (
                     UPDATE users SET sync_clock = GREATEST(sync_clock + 1, ?)
                      WHERE id = ? AND CAST(? AS BOOLEAN) AND EXISTS (SELECT 1 FROM held)
                     RETURNING sync_clock)
                SELECT held.lastsync, COALESCE(stamped.sync_clock, 0), %s%s FROM held LEFT JOIN stamped ON TRUE
                """.formatted(vectors ? SharedRows.VECTORS_COLUMN : "NULL", notify ? NOTIFY_COLUMN : "");
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            int p = 0;
            statement.setBoolean(++p, keepLock);
            statement.setObject(++p, clientId);
            statement.setObject(++p, userId);
            statement.setLong(++p, now);
            statement.setObject(++p, userId);
            statement.setBoolean(++p, stamp);
            if (vectors) {
                statement.setObject(++p, clientId);
            }
            if (notify) {
                statement.setString(++p, userId + ":");
                statement.setString(++p, ":" + clientId + ":" + now);
            }
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(new Held(rows.getLong(1), rows.getLong(2), rows.getString(3)))
                        : Optional.empty();
            }
        }
    }

    /** The change notice of a push that stamps: {@code userId:clock:clientId:pushedAt} (see events.ChangeNotice). */
    private static final String NOTIFY_COLUMN = """
            , (SELECT pg_notify('sync_changes', CAST(? AS TEXT) || stamped.sync_clock || CAST(? AS TEXT)) \
            WHERE stamped.sync_clock IS NOT NULL)""";

    /**
     * Where the client's next pull must start: what its last pull saw. Notes, for the attempt, which tables the pull
     * delivered (the cause, should the device fail to import them) and what the deletes the device announced will
     * free (a quota judges a sync's net effect).
     *
     * @param pendingDeletes the rowguids the device listed as pending deletes
     * @param named          in a realm that shares tables, the vector the cursor names, stored in the same round trip
     */
    void saveCursor(Connection connection, UUID userId, UUID clientId, long cursor, String pulledTables,
                    List<UUID> pendingDeletes, Optional<SharedRows.Named> named) throws SQLException {
        // Most pulls announce no deletes. A statement of its own: with the subquery over an empty array,
        // PostgreSQL's plan cache kept choosing a custom plan and planned it at every pull.
        String save = pendingDeletes.isEmpty() ? """
                UPDATE user_clients SET lastsync = ?, attempt_pulled_tables = ?,
                       announced_free_rows = 0, announced_free_bytes = 0
                 WHERE clientid = ?
                """ : """
                UPDATE user_clients SET lastsync = ?, attempt_pulled_tables = ?,
                       (announced_free_rows, announced_free_bytes) =
                       (SELECT count(*), COALESCE(sum(octet_length(CAST(json AS TEXT))), 0)
                          FROM sync_rows
                         WHERE userid = ? AND rowguid = ANY(CAST(? AS UUID[])) AND operation <> 'D')
                 WHERE clientid = ?
                """;
        // Two statements in one round trip, one implicit transaction (PostgreSQL's extended protocol until Sync).
        String sql = named.map(vector -> SharedRows.NAMING + ";\n").orElse("") + save;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            int p = named.isPresent() ? SharedRows.bindNaming(connection, statement, named.get()) : 0;
            statement.setLong(++p, cursor);
            statement.setString(++p, pulledTables);
            if (!pendingDeletes.isEmpty()) {
                statement.setObject(++p, userId);
                statement.setArray(++p, connection.createArrayOf("uuid", pendingDeletes.toArray()));
            }
            statement.setObject(++p, clientId);
            statement.execute();
        }
    }

    /**
     * The first rows of {@link #pull}, at most {@code limit} of them and no more than {@code maxBytes} of row data
     * (plus the row that crosses it): a pull of a few photos must not be read whole into memory. One auto-committed
     * statement, without a cursor.
     */
    FirstPage firstPage(Connection connection, UUID userId, UUID clientId, long after, long upTo, int limit,
                        long maxBytes) throws SQLException {
        String sql = FirstPage.of(
                "sync_rows WHERE userid = ? AND serverdate > ? AND serverdate <= ? AND clientid <> ?");
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, userId);
            statement.setLong(2, after);
            statement.setLong(3, upTo);
            statement.setObject(4, clientId);
            statement.setInt(5, limit);
            statement.setLong(6, maxBytes);
            try (ResultSet result = statement.executeQuery()) {
                return FirstPage.read(result);
            }
        }
    }

    /**
     * Streams the latest change of every row of the user stamped after {@code after} and up to {@code upTo} by
     * another device, oldest first. Rows stamped later are left for the next pull, whose cursor is {@code upTo}. The order also makes the planner use the cursor index even when the user's statistics
     * are stale: without it, a user who had just grown to 60,000 rows was read whole through the primary key (48 ms
     * instead of 0.1 ms). Rows arrive in pages when the connection is in a transaction, all at once otherwise.
     *
     * @param rowBytes the average stored size of a row, which sets how many rows a page holds
     */
    void pull(Connection connection, UUID userId, UUID clientId, long after, long upTo, long rowBytes, RowSink sink)
            throws SQLException {
        String sql = """
                SELECT rowguid, operation, tablename, clientdate, serverdate, clientid, CAST(json AS TEXT)
                  FROM sync_rows
                 WHERE userid = ? AND serverdate > ? AND serverdate <= ? AND clientid <> ?
                 ORDER BY serverdate
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setFetchSize((int) Math.clamp(PAGE_BYTES / Math.max(1, rowBytes), 1, MAX_FETCH_ROWS));
            statement.setObject(1, userId);
            statement.setLong(2, after);
            statement.setLong(3, upTo);
            statement.setObject(4, clientId);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    sink.row(row(rows));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static ServerRow row(ResultSet rows) throws SQLException {
        return new ServerRow(rows.getObject(1, UUID.class), rows.getString(2), rows.getString(3),
                rows.getLong(4), rows.getLong(5), rows.getObject(6, UUID.class), rows.getString(7));
    }

    /** Live rows and their bytes as sent: a user's usage, or a change of it. */
    record Usage(long rows, long bytes) {
        static final Usage NONE = new Usage(0, 0);

        Usage plus(Usage other) {
            return new Usage(rows + other.rows, bytes + other.bytes);
        }
    }

    /**
     * What a batch did: the conflicts it recorded, by kind; how it changed the user's usage and what usage is now;
     * the deletes the device announced that are still to come.
     */
    record Stored(int skipped, int overwritten, Usage change, Usage usage, Usage announcedFrees,
                  Map<UUID, Usage> spaceChanges) {
    }

    /** How the batch changed each space's usage (the last three columns: owners, rows, bytes). */
    private static Map<UUID, Usage> spaceChanges(ResultSet rows) throws SQLException {
        java.sql.Array owners = rows.getArray(9);
        if (owners == null) {
            return Map.of();
        }
        UUID[] ids = (UUID[]) owners.getArray();
        Object[] rowChanges = (Object[]) rows.getArray(10).getArray();
        Object[] byteChanges = (Object[]) rows.getArray(11).getArray();
        Map<UUID, Usage> changes = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            changes.put(ids[i], new Usage(((Number) rowChanges[i]).longValue(), ((Number) byteChanges[i]).longValue()));
        }
        return changes;
    }

    /**
     * A change placed under its owner: the user (a private row) or a space.
     *
     * @param seen  the owner's clock up to which the pusher had seen its rows (Long.MAX_VALUE: store without judging)
     * @param stamp the owner's clock value this push stamps its rows with
     * @param moved  a D that the row's move to another owner leaves behind
     */
    record Placed(UUID owner, PushedChange change, long seen, long stamp, boolean moved) {
        Placed(UUID owner, PushedChange change, long seen, long stamp) {
            this(owner, change, seen, stamp, false);
        }
    }

    /**
     * Stores a batch in one statement, and in the same statement journals its conflicts (no round trip more, no
     * window between the decision and its record), keeps the owners' usage and counts down the deletes the pull
     * announced (the device's row is written only when the batch freed something). A change is skipped only when the
     * row's current version came from another device after the owner's clock the pusher held when its user made the
     * edits ({@link Placed#seen}: from the {@code lastSync} the push carries) and is at least as new on the device
     * clocks. A version the pusher has seen is always overwritten, and that is no conflict. Versions the pusher had
     * not seen are true concurrent edits: the loser, skipped change or overwritten version, goes to
     * {@code sync_conflicts} under the row's owner (two deletes are no loss). Every CTE sees the rows as they were
     * before the statement; the pushes into one owner are serialized on its clock's row ({@link #holdLockForPush},
     * and the spaces' clocks).
     *
     * @return the usage of the user's private rows and how the batch changed it
     */
    Stored upsert(Connection connection, UUID userId, UUID clientId, long now, List<Placed> changes)
            throws SQLException {
        String sql = """
                WITH c AS (
                     SELECT * FROM unnest(CAST(? AS UUID[]), CAST(? AS UUID[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]),
                                          CAST(? AS INT8[]), CAST(? AS TEXT[]), CAST(? AS INT8[]), CAST(? AS INT8[]),
                                          CAST(? AS BOOLEAN[]))
                          AS c(owner, rowguid, tablename, operation, clientdate, json, seen, stamp, moved)),
                d AS (
                     SELECT c.*, octet_length(c.json) AS bytes,
                            r.userid IS NOT NULL AND r.operation <> 'D' AS was_live,
                            CASE WHEN r.operation <> 'D' THEN octet_length(CAST(r.json AS TEXT)) ELSE 0 END
                                AS old_bytes,
                            r.clientid AS r_clientid, r.clientdate AS r_clientdate, r.operation AS r_operation,
                            r.json AS r_json,
                            r.userid IS NOT NULL AND r.clientid <> ? AND r.serverdate > c.seen AS unseen
                       FROM c LEFT JOIN sync_rows r ON r.userid = c.owner AND r.rowguid = c.rowguid),
                decided AS (
                     SELECT d.*, NOT d.unseen OR d.r_clientdate < d.clientdate AS store FROM d),
                journal AS (
                     INSERT INTO sync_conflicts (userid, at, rowguid, tablename, kind,
                                                 winner_clientid, winner_clientdate, winner_operation,
                                                 loser_clientid, loser_clientdate, loser_operation, loser_json)
                     SELECT d.owner, ?, d.rowguid, d.tablename,
                            CASE WHEN d.store THEN 'overwritten' ELSE 'skipped' END,
                            CASE WHEN d.store THEN ? ELSE d.r_clientid END,
                            CASE WHEN d.store THEN d.clientdate ELSE d.r_clientdate END,
                            CASE WHEN d.store THEN d.operation ELSE d.r_operation END,
                            CASE WHEN d.store THEN d.r_clientid ELSE ? END,
                            CASE WHEN d.store THEN d.r_clientdate ELSE d.clientdate END,
                            CASE WHEN d.store THEN d.r_operation ELSE d.operation END,
                            CASE WHEN d.store THEN d.r_json ELSE CAST(d.json AS JSON) END
                       FROM decided d
                      WHERE d.unseen AND NOT (d.operation = 'D' AND d.r_operation = 'D')
                     RETURNING kind),
                stored AS (
                     INSERT INTO sync_rows AS r (userid, rowguid, tablename, operation, clientid, clientdate,
                                                 serverdate, json, moved)
                     SELECT d.owner, d.rowguid, d.tablename, d.operation, ?, d.clientdate, d.stamp,
                            CAST(d.json AS JSON), d.moved
                       FROM decided d WHERE d.store
                     ON CONFLICT (userid, rowguid) DO UPDATE
                        SET tablename = EXCLUDED.tablename, operation = EXCLUDED.operation,
                            clientid = EXCLUDED.clientid, clientdate = EXCLUDED.clientdate,
                            serverdate = EXCLUDED.serverdate, json = EXCLUDED.json,
                            -- a D landing where a row moved away leaves it moved: an edit from a device that
                            -- cannot see where it went must still be refused, not revive it here as well
                            moved = EXCLUDED.moved OR (r.moved AND EXCLUDED.operation = 'D')),
                delta AS (
                     SELECT d.owner,
                            sum(CASE WHEN d.operation <> 'D' THEN 1 ELSE 0 END
                                - CASE WHEN d.was_live THEN 1 ELSE 0 END) AS row_change,
                            sum(COALESCE(d.bytes, 0) - d.old_bytes) AS byte_change,
                            count(*) FILTER (WHERE d.operation = 'D' AND d.was_live) AS freed_rows,
                            COALESCE(sum(d.old_bytes) FILTER (WHERE d.operation = 'D'), 0) AS freed_bytes
                       FROM decided d WHERE d.store GROUP BY d.owner),
                mine AS (
                     SELECT COALESCE(sum(row_change), 0) AS row_change, COALESCE(sum(byte_change), 0) AS byte_change,
                            COALESCE(sum(freed_rows), 0) AS freed_rows, COALESCE(sum(freed_bytes), 0) AS freed_bytes
                       FROM delta WHERE owner = ?),
                counted AS (
                     UPDATE users u SET live_rows = u.live_rows + delta.row_change,
                            live_bytes = u.live_bytes + delta.byte_change
                       FROM delta WHERE u.id = delta.owner AND delta.owner = ?
                     RETURNING u.live_rows, u.live_bytes),
                counted_spaces AS (
                     UPDATE spaces s SET live_rows = s.live_rows + delta.row_change,
                            live_bytes = s.live_bytes + delta.byte_change
                       FROM delta WHERE s.id = delta.owner AND delta.owner <> ?),
                usage AS (
                     SELECT live_rows, live_bytes FROM counted
                     UNION ALL
                     SELECT live_rows, live_bytes FROM users WHERE id = ? AND NOT EXISTS (SELECT 1 FROM counted)),
                frees AS (
                     UPDATE user_clients f
                        SET announced_free_rows = GREATEST(0, f.announced_free_rows - mine.freed_rows),
                            announced_free_bytes = GREATEST(0, f.announced_free_bytes - mine.freed_bytes)
                       FROM mine WHERE f.clientid = ? AND mine.freed_rows > 0
                     RETURNING f.announced_free_rows, f.announced_free_bytes),
                announced AS (
                     SELECT announced_free_rows, announced_free_bytes FROM user_clients WHERE clientid = ?)
                SELECT (SELECT count(*) FROM journal WHERE kind = 'skipped'),
                       (SELECT count(*) FROM journal WHERE kind = 'overwritten'),
                       mine.row_change, mine.byte_change, usage.live_rows, usage.live_bytes,
                       COALESCE(frees.announced_free_rows, announced.announced_free_rows),
                       COALESCE(frees.announced_free_bytes, announced.announced_free_bytes),
                       (SELECT array_agg(owner) FROM delta WHERE owner <> ?),
                       (SELECT array_agg(row_change) FROM delta WHERE owner <> ?),
                       (SELECT array_agg(byte_change) FROM delta WHERE owner <> ?)
                  FROM mine CROSS JOIN usage CROSS JOIN announced LEFT JOIN frees ON TRUE
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            int p = 0;
            statement.setArray(++p, array(connection, "uuid", changes, Placed::owner));
            statement.setArray(++p, array(connection, "uuid", changes, placed -> placed.change().rowguid()));
            statement.setArray(++p, array(connection, "text", changes, placed -> placed.change().tablename()));
            statement.setArray(++p, array(connection, "text", changes, placed -> placed.change().operation()));
            statement.setArray(++p, array(connection, "int8", changes, placed -> placed.change().clientdate()));
            statement.setArray(++p, array(connection, "text", changes, placed -> placed.change().json()));
            statement.setArray(++p, array(connection, "int8", changes, Placed::seen));
            statement.setArray(++p, array(connection, "int8", changes, Placed::stamp));
            statement.setArray(++p, array(connection, "bool", changes, Placed::moved));
            statement.setObject(++p, clientId);
            statement.setLong(++p, now);
            statement.setObject(++p, clientId);
            statement.setObject(++p, clientId);
            statement.setObject(++p, clientId);
            statement.setObject(++p, userId);
            statement.setObject(++p, userId);
            statement.setObject(++p, userId);
            statement.setObject(++p, userId);
            statement.setObject(++p, clientId);
            statement.setObject(++p, clientId);
            statement.setObject(++p, userId);
            statement.setObject(++p, userId);
            statement.setObject(++p, userId);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return new Stored(rows.getInt(1), rows.getInt(2), new Usage(rows.getLong(3), rows.getLong(4)),
                        new Usage(rows.getLong(5), rows.getLong(6)), new Usage(rows.getLong(7), rows.getLong(8)),
                        spaceChanges(rows));
            }
        }
    }

    private static java.sql.Array array(Connection connection, String type, List<Placed> changes,
                                        java.util.function.Function<Placed, Object> field) throws SQLException {
        return connection.createArrayOf(type, changes.stream().map(field).toArray());
    }
}
