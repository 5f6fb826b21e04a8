package org.syncserver.lifecycle;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** SQL of the data lifecycle: the tombstone purge and what the console and metrics read of devices and usage. */
public final class LifecycleRepository {

    /** A device is stuck once this many sync attempts in a row ended without a successful final push. */
    public static final int STUCK_AFTER = 3;

    /** One page of the purge: the owners (users or spaces) after {@code after}, at most {@code rows} tombstones. */
    record PurgePage(Optional<UUID> lastOwner, int owners, int purged) {
    }

    /**
     * Removes the tombstones of a page of users that no device of their user may still need. A device needs a
     * tombstone stamped after the cursor it last sent (its acknowledged cursor), unless it made the delete itself
     * (pulls never send a device its own changes) or has never pulled (its first pull is a whole snapshot). A device
     * that has pulled but never acknowledged a cursor (0) holds every tombstone: it may have imported rows already.
     * Revoked and unregistered devices are no longer in {@code user_clients}. The page is a range of user ids, so a
     * realm of a million users is purged in a thousand short statements. Each user's tombstones are read through
     * their partial index, and deleted by their row address (a TID scan: with a join, the planner read the whole
     * table for 5,000 rows, a second a statement at 600,000 rows); a tombstone a push replaced meanwhile no longer
     * has that address and stays.
     *
     * @param after the last user of the previous page; null for the first
     */
    PurgePage purge(Connection connection, UUID after, int users, int rows) throws SQLException {
        return purgePage(connection, "users", """
                doomed AS (
                     SELECT t.ctid FROM page CROSS JOIN LATERAL (
                            SELECT r.ctid FROM sync_rows r
                             WHERE r.userid = page.id AND r.operation = 'D'
                               AND NOT EXISTS (SELECT 1 FROM user_clients c WHERE c.userid = r.userid AND %s)
                             LIMIT ?) t
                      LIMIT ?)""".formatted(HOLDS_BACK), after, users, rows);
    }

    /**
     * Removes the tombstones of a page of spaces that no device may still need. A device may need a space's
     * tombstone while one of the vectors its {@code lastSync} may name (the few the server keeps per device, the
     * one it last sent among them) holds the space at a clock below the tombstone's stamp: its next pull from that
     * vector delivers the tombstone (a delta, or the move-out of a member who left). A device whose vectors do not
     * hold the space never imported its rows, or gets only live ones when it joins. Deleted devices keep no vectors.
     * Deleted the way {@link #purge} deletes, a page of space ids per statement.
     *
     * @param after the last space of the previous page; null for the first
     */
    PurgePage purgeSpaces(Connection connection, UUID after, int spaces, int rows) throws SQLException {
        return purgePage(connection, "spaces", """
                held AS (
                     SELECT page.id, (SELECT min(v.clocks[array_position(v.owners, page.id)]) FROM cursor_vectors v
                                       WHERE v.owners @> ARRAY[page.id]) AS below
                       FROM page),
                doomed AS (
                     SELECT t.ctid FROM held CROSS JOIN LATERAL (
                            SELECT r.ctid FROM sync_rows r
                             WHERE r.userid = held.id AND r.operation = 'D'
                               AND (held.below IS NULL OR r.serverdate <= held.below)
                             LIMIT ?) t
                      LIMIT ?)""", after, spaces, rows);
    }

    /**
     * One statement of a purge: the page of owners (ids of {@code ownerTable}) after {@code after}, the tombstones
     * that {@code doomed} (CTEs over {@code page} ending in {@code doomed}, binding the rows limit twice) picks among
     * theirs, deleted by row address.
     */
    private static PurgePage purgePage(Connection connection, String ownerTable, String doomed, UUID after,
                                       int owners, int rows) throws SQLException {
        String sql = """
                WITH page AS (
                     SELECT id FROM %s
                      WHERE id > COALESCE(CAST(? AS UUID), CAST('00000000-0000-0000-0000-000000000000' AS UUID))
                      ORDER BY id LIMIT ?),
                %s,
                purged AS (
                     DELETE FROM sync_rows r
                      WHERE r.ctid = ANY(ARRAY(SELECT ctid FROM doomed)) AND r.operation = 'D'
                     RETURNING 1)
                SELECT (SELECT max(CAST(id AS TEXT)) FROM page), (SELECT count(*) FROM page),
                       (SELECT count(*) FROM purged)
                """.formatted(ownerTable, doomed);
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, after);
            statement.setInt(2, owners);
            statement.setInt(3, rows);
            statement.setInt(4, rows);
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                String last = result.getString(1);
                return new PurgePage(Optional.ofNullable(last).map(UUID::fromString), result.getInt(2),
                        result.getInt(3));
            }
        }
    }

    /** Whether device {@code c} of the tombstone {@code r}'s user may still need it (see {@link #purge}). */
    private static final String HOLDS_BACK =
            "c.clientid <> r.clientid AND c.lastsync > 0 AND c.acked_lastsync < r.serverdate";

    /** A realm's figures for its metrics. */
    record RealmFigures(long stuckDevices, Usage usage) {
    }

    /** Stuck devices through their partial index; usage from the users' counters (no row is counted). */
    RealmFigures figures(Connection connection) throws SQLException {
        String sql = """
                SELECT (SELECT count(*) FROM user_clients WHERE failed_attempts >= ?),
                       COALESCE(sum(live_rows), 0), COALESCE(sum(live_bytes), 0)
                  FROM users
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setInt(1, STUCK_AFTER);
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return new RealmFigures(result.getLong(1), new Usage(result.getLong(2), result.getLong(3)));
            }
        }
    }

    /**
     * A device as the lifecycle sees it.
     *
     * @param failingSince    when the first of its failed attempts in a row began; null when the last one succeeded
     * @param cause           why the latest failed attempt failed
     * @param tombstonesHeld  tombstones of its user stamped after the cursor it acknowledged: the purge keeps them
     *                        for it
     */
    public record DeviceState(UUID clientId, UUID userId, String email, String description, Long lastSyncAt,
                       long acknowledgedCursor, int failedAttempts, Long failingSince, String cause,
                       long tombstonesHeld) {

        public boolean stuck() {
            return failedAttempts >= STUCK_AFTER;
        }
    }

    private static final String DEVICE_COLUMNS = """
            c.clientid, c.userid, u.email, CAST(c.clientdetails AS TEXT), c.last_sync_at, c.acked_lastsync,
            c.failed_attempts, c.failing_since, c.failure_cause,
            (SELECT count(*) FROM sync_rows r WHERE r.userid = c.userid AND r.operation = 'D' AND %s)
            """.formatted(HOLDS_BACK);

    /** Stuck devices, longest stuck first (the partial index on failing_since). */
    List<DeviceState> stuck(Connection connection, int limit) throws SQLException {
        String sql = "SELECT " + DEVICE_COLUMNS + """
                  FROM user_clients c JOIN users u ON u.id = c.userid
                 WHERE c.failed_attempts >= ?
                 ORDER BY c.failing_since
                 LIMIT ?
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setInt(1, STUCK_AFTER);
            statement.setInt(2, limit);
            return devices(statement);
        }
    }

    /** Devices that have not synced since {@code before} (or never), longest unseen first. */
    List<DeviceState> unseenSince(Connection connection, long before, int limit) throws SQLException {
        String sql = "SELECT " + DEVICE_COLUMNS + """
                  FROM user_clients c JOIN users u ON u.id = c.userid
                 WHERE c.last_sync_at IS NULL OR c.last_sync_at < ?
                 ORDER BY c.last_sync_at NULLS FIRST
                 LIMIT ?
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, before);
            statement.setInt(2, limit);
            return devices(statement);
        }
    }

    /** The devices of one user. */
    List<DeviceState> ofUser(Connection connection, UUID userId) throws SQLException {
        String sql = "SELECT " + DEVICE_COLUMNS + """
                  FROM user_clients c JOIN users u ON u.id = c.userid
                 WHERE c.userid = ?
                 ORDER BY c.last_sync_at DESC NULLS LAST
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, userId);
            return devices(statement);
        }
    }

    /** Live rows and their bytes as sent (tombstones count against no one). */
    public record Usage(long rows, long bytes) {
    }

    /** A user's usage as the push statement keeps it; empty for an unknown user. */
    Optional<Usage> usage(Connection connection, UUID userId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT live_rows, live_bytes FROM users WHERE id = ?")) {
            statement.setObject(1, userId);
            try (ResultSet result = statement.executeQuery()) {
                return result.next() ? Optional.of(new Usage(result.getLong(1), result.getLong(2)))
                        : Optional.empty();
            }
        }
    }

    private static List<DeviceState> devices(PreparedStatement statement) throws SQLException {
        List<DeviceState> devices = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                devices.add(new DeviceState(rows.getObject(1, UUID.class), rows.getObject(2, UUID.class),
                        rows.getString(3), rows.getString(4), (Long) rows.getObject(5), rows.getLong(6),
                        rows.getInt(7), (Long) rows.getObject(8), rows.getString(9), rows.getLong(10)));
            }
        }
        return devices;
    }
}
