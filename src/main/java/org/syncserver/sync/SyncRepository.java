package org.syncserver.sync;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
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
    }

    /**
     * Takes the client's sync lock if it is free or older than {@code staleBefore}, and reads the user's clock in
     * the same snapshot: every change stamped up to that value is committed (pushes of a user stamp and commit in
     * order, see {@link #holdLockForPush}), so the pull that follows can deliver exactly the changes up to it.
     *
     * @return the user's clock; empty when the lock is taken or the client is not the user's
     */
    OptionalLong takeLock(Connection connection, UUID userId, UUID clientId, long now, long staleBefore)
            throws SQLException {
        String sql = """
                UPDATE user_clients c SET syncing = ?, last_sync_at = ?
                  FROM users u
                 WHERE c.clientid = ? AND c.userid = ? AND u.id = c.userid
                   AND (c.syncing IS NULL OR c.syncing < ?)
                RETURNING u.sync_clock
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, now);
            statement.setLong(2, now);
            statement.setObject(3, clientId);
            statement.setObject(4, userId);
            statement.setLong(5, staleBefore);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? OptionalLong.of(rows.getLong(1)) : OptionalLong.empty();
            }
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

    /** What a push learns when it checks its lock: where its last pull ended, and the stamp for its rows. */
    record Held(long pulledUpTo, long serverdate) {
    }

    /**
     * Checks that the client holds its lock, releasing it unless more batches follow, and, when the push stores
     * changes, moves the user's clock past its last value and the present. The clock's row lock is held until
     * commit, so pushes of one user take their serverdates in the order they commit. One statement.
     *
     * @return the cursor of the client's last pull and the stamp (0 when not stamped); empty when the client does
     *         not hold the lock
     */
    Optional<Held> holdLockForPush(Connection connection, UUID userId, UUID clientId, boolean keepLock, boolean stamp,
                                   long now, boolean notify) throws SQLException {
        // With notify, the same statement queues a NOTIFY (ids and numbers only), which PostgreSQL delivers to
        // every listening instance when the push commits, and never when it rolls back.
        String sql = """
                WITH held AS (
                     UPDATE user_clients SET syncing = CASE WHEN ? THEN syncing ELSE NULL END
                      WHERE clientid = ? AND userid = ? AND syncing IS NOT NULL
                     RETURNING lastsync),
                stamped AS (
                     UPDATE users SET sync_clock = GREATEST(sync_clock + 1, ?)
                      WHERE id = ? AND CAST(? AS BOOLEAN) AND EXISTS (SELECT 1 FROM held)
                     RETURNING sync_clock)
                SELECT held.lastsync, COALESCE(stamped.sync_clock, 0)%s FROM held LEFT JOIN stamped ON TRUE
                """.formatted(notify ? NOTIFY_COLUMN : "");
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setBoolean(1, keepLock);
            statement.setObject(2, clientId);
            statement.setObject(3, userId);
            statement.setLong(4, now);
            statement.setObject(5, userId);
            statement.setBoolean(6, stamp);
            if (notify) {
                statement.setString(7, userId + ":");
                statement.setString(8, ":" + clientId + ":" + now);
            }
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(new Held(rows.getLong(1), rows.getLong(2))) : Optional.empty();
            }
        }
    }

    /** The change notice of a push that stamps: {@code userId:clock:clientId:pushedAt} (see events.ChangeNotice). */
    private static final String NOTIFY_COLUMN = """
            , (SELECT pg_notify('sync_changes', CAST(? AS TEXT) || stamped.sync_clock || CAST(? AS TEXT)) \
            WHERE stamped.sync_clock IS NOT NULL)""";

    /** Where the client's next pull must start: what its last pull saw. */
    void saveCursor(Connection connection, UUID clientId, long cursor) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "UPDATE user_clients SET lastsync = ? WHERE clientid = ?")) {
            statement.setLong(1, cursor);
            statement.setObject(2, clientId);
            statement.executeUpdate();
        }
    }

    /**
     * Saves the cursor and journals, in the same statement, the client's pending changes that the pull answered
     * as outdated: the server's version won, the device's change (whose data the server never saw) lost.
     */
    void saveCursor(Connection connection, UUID userId, UUID clientId, long cursor, long now,
                    List<PullWriter.Outdated> outdated) throws SQLException {
        String sql = """
                WITH journal AS (
                     INSERT INTO sync_conflicts (userid, at, rowguid, tablename, kind,
                                                 winner_clientid, winner_clientdate, winner_operation,
                                                 loser_clientid, loser_clientdate, loser_operation)
                     SELECT ?, ?, o.rowguid, o.tablename, 'outdated', o.clientid, o.clientdate, o.operation,
                            ?, o.pending_clientdate, o.pending_operation
                       FROM unnest(CAST(? AS UUID[]), CAST(? AS TEXT[]), CAST(? AS UUID[]), CAST(? AS INT8[]),
                                   CAST(? AS TEXT[]), CAST(? AS INT8[]), CAST(? AS TEXT[]))
                            AS o(rowguid, tablename, clientid, clientdate, operation, pending_clientdate,
                                 pending_operation))
                UPDATE user_clients SET lastsync = ? WHERE clientid = ?
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, userId);
            statement.setLong(2, now);
            statement.setObject(3, clientId);
            statement.setArray(4, connection.createArrayOf("uuid", outdated.stream().map(o -> o.winner().rowguid()).toArray()));
            statement.setArray(5, connection.createArrayOf("text", outdated.stream().map(o -> o.winner().tablename()).toArray()));
            statement.setArray(6, connection.createArrayOf("uuid", outdated.stream().map(o -> o.winner().clientid()).toArray()));
            statement.setArray(7, connection.createArrayOf("int8", outdated.stream().map(o -> o.winner().clientdate()).toArray()));
            statement.setArray(8, connection.createArrayOf("text", outdated.stream().map(o -> o.winner().operation()).toArray()));
            statement.setArray(9, connection.createArrayOf("int8", outdated.stream().map(o -> o.loser().clientdate()).toArray()));
            statement.setArray(10, connection.createArrayOf("text", outdated.stream().map(o -> o.loser().operation()).toArray()));
            statement.setLong(11, cursor);
            statement.setObject(12, clientId);
            statement.executeUpdate();
        }
    }

    /**
     * Streams the latest change of every row of the user stamped after {@code after} and up to {@code upTo} by
     * another device, oldest first, at most {@code limit} rows. Rows stamped later are left for the next pull, whose
     * cursor is {@code upTo}. The order also makes the planner use the cursor index even when the user's statistics
     * are stale: without it, a user who had just grown to 60,000 rows was read whole through the primary key (48 ms
     * instead of 0.1 ms). Rows arrive in pages when the connection is in a transaction, all at once otherwise.
     */
    /**
     * The first rows of {@link #pull}, at most {@code limit} of them and no more than {@code maxBytes} of row data
     * (plus the row that crosses it): a pull of a few photos must not be read whole into memory. One auto-committed
     * statement, without a cursor.
     */
    FirstPage firstPage(Connection connection, UUID userId, UUID clientId, long after, long upTo, int limit,
                        long maxBytes) throws SQLException {
        String sql = """
                SELECT rowguid, operation, tablename, clientdate, serverdate, clientid, CAST(json AS TEXT), running
                  FROM (SELECT *, SUM(COALESCE(pg_column_size(json), 0))
                                  OVER (ORDER BY serverdate ROWS UNBOUNDED PRECEDING) AS running
                          FROM sync_rows
                         WHERE userid = ? AND serverdate > ? AND serverdate <= ? AND clientid <> ?
                         ORDER BY serverdate
                         LIMIT ?) page
                 WHERE running - COALESCE(pg_column_size(json), 0) <= ?
                 ORDER BY serverdate
                """;
        List<ServerRow> rows = new ArrayList<>();
        long bytes = 0;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, userId);
            statement.setLong(2, after);
            statement.setLong(3, upTo);
            statement.setObject(4, clientId);
            statement.setInt(5, limit);
            statement.setLong(6, maxBytes);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    rows.add(row(result));
                    bytes = result.getLong(8);
                }
            }
        }
        return new FirstPage(rows, bytes);
    }

    /**
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

    private static ServerRow row(ResultSet rows) throws SQLException {
        return new ServerRow(rows.getObject(1, UUID.class), rows.getString(2), rows.getString(3),
                rows.getLong(4), rows.getLong(5), rows.getObject(6, UUID.class), rows.getString(7));
    }

    /** The conflicts a push recorded, by kind. */
    record Conflicts(int skipped, int overwritten) {
    }

    /**
     * Stores a push in one statement, and journals its conflicts in the same statement (no round trip more, no
     * window between the decision and its record). A change is skipped only when the row's current version came
     * from another device after the pusher's last pull and is at least as new on the device clocks: the pusher has
     * not seen it and will receive it on its next pull. A version the pusher has seen is always overwritten, and
     * that is no conflict. Versions the pusher had not seen are true concurrent edits: the loser, skipped change or
     * overwritten version, goes to {@code sync_conflicts}. Every CTE sees the rows as they were before the statement.
     */
    Conflicts upsert(Connection connection, UUID userId, UUID clientId, long serverdate, long pusherCursor, long now,
                     List<PushedChange> changes) throws SQLException {
        String sql = """
                WITH c AS (
                     SELECT * FROM unnest(CAST(? AS UUID[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS INT8[]),
                                          CAST(? AS TEXT[])) AS c(rowguid, tablename, operation, clientdate, json)),
                journal AS (
                     INSERT INTO sync_conflicts (userid, at, rowguid, tablename, kind,
                                                 winner_clientid, winner_clientdate, winner_operation,
                                                 loser_clientid, loser_clientdate, loser_operation, loser_json)
                     SELECT r.userid, ?, r.rowguid, c.tablename, w.kind,
                            CASE WHEN w.pushed THEN ? ELSE r.clientid END,
                            CASE WHEN w.pushed THEN c.clientdate ELSE r.clientdate END,
                            CASE WHEN w.pushed THEN c.operation ELSE r.operation END,
                            CASE WHEN w.pushed THEN r.clientid ELSE ? END,
                            CASE WHEN w.pushed THEN r.clientdate ELSE c.clientdate END,
                            CASE WHEN w.pushed THEN r.operation ELSE c.operation END,
                            CASE WHEN w.pushed THEN r.json ELSE CAST(c.json AS JSON) END
                       FROM c JOIN sync_rows r ON r.userid = ? AND r.rowguid = c.rowguid
                      CROSS JOIN LATERAL (SELECT r.clientdate < c.clientdate AS pushed,
                                                 CASE WHEN r.clientdate < c.clientdate THEN 'overwritten'
                                                      ELSE 'skipped' END AS kind) w
                      WHERE r.clientid <> ? AND r.serverdate > ?
                     RETURNING kind),
                stored AS (
                     INSERT INTO sync_rows AS r (userid, rowguid, tablename, operation, clientid, clientdate,
                                                 serverdate, json)
                     SELECT ?, c.rowguid, c.tablename, c.operation, ?, c.clientdate, ?, CAST(c.json AS JSON) FROM c
                     ON CONFLICT (userid, rowguid) DO UPDATE
                        SET tablename = EXCLUDED.tablename, operation = EXCLUDED.operation,
                            clientid = EXCLUDED.clientid, clientdate = EXCLUDED.clientdate,
                            serverdate = EXCLUDED.serverdate, json = EXCLUDED.json
                      WHERE r.clientid = EXCLUDED.clientid OR r.serverdate <= ? OR r.clientdate < EXCLUDED.clientdate
                     RETURNING 1)
                SELECT count(*) FILTER (WHERE kind = 'skipped'), count(*) FILTER (WHERE kind = 'overwritten'),
                       (SELECT count(*) FROM stored)
                  FROM journal
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setArray(1, connection.createArrayOf("uuid", changes.stream().map(PushedChange::rowguid).toArray()));
            statement.setArray(2, connection.createArrayOf("text", changes.stream().map(PushedChange::tablename).toArray()));
            statement.setArray(3, connection.createArrayOf("text", changes.stream().map(PushedChange::operation).toArray()));
            statement.setArray(4, connection.createArrayOf("int8", changes.stream().map(PushedChange::clientdate).toArray()));
            statement.setArray(5, connection.createArrayOf("text", changes.stream().map(PushedChange::json).toArray()));
            statement.setLong(6, now);
            statement.setObject(7, clientId);
            statement.setObject(8, clientId);
            statement.setObject(9, userId);
            statement.setObject(10, clientId);
            statement.setLong(11, pusherCursor);
            statement.setObject(12, userId);
            statement.setObject(13, clientId);
            statement.setLong(14, serverdate);
            statement.setLong(15, pusherCursor);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return new Conflicts(rows.getInt(1), rows.getInt(2));
            }
        }
    }
}
