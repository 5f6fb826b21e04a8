package org.syncserver.console;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The console's SQL: what it reads about realms, users and devices, and what its actions change. */
final class ConsoleRepository {

    /** Counted exactly up to here; beyond, the planner's estimate (pg_class.reltuples) is shown, and said to be one. */
    static final long EXACT_COUNT_LIMIT = 10_000;

    record Counts(long users, long devices, long rows, long bytes, boolean estimated) {
    }

    /** @param sortKey the user's place in the listing (PostgreSQL's lower(email)), for the next page's cursor */
    record UserSummary(UUID id, String email, String name, long devices, long rows, Long lastSync, String sortKey) {
    }

    record Profile(UUID id, String email, String name, String language) {
    }

    record Device(UUID clientId, String description, Long lastSync, Long syncingSince) {
    }

    record TableCount(String table, long rows, long bytes) {
    }

    /** A stored row as the export writes it: its data is the JSON text the device sent (null once deleted). */
    record Row(String table, UUID rowguid, String operation, UUID clientId, long clientDate, long serverDate,
               String json) {
    }

    interface RowSink {
        void accept(Row row) throws java.io.IOException;
    }

    /**
     * Sizes of a realm without scanning a big one: each table is counted up to a bound, and beyond it the planner's
     * estimate stands in (kept current by autovacuum's analyze).
     */
    Counts counts(Connection connection) throws SQLException {
        String sql = """
                SELECT (SELECT count(*) FROM (SELECT 1 FROM users LIMIT ?) s),
                       (SELECT count(*) FROM (SELECT 1 FROM user_clients LIMIT ?) s),
                       (SELECT count(*) FROM (SELECT 1 FROM sync_rows LIMIT ?) s),
                       (SELECT reltuples FROM pg_class WHERE oid = to_regclass('users')),
                       (SELECT reltuples FROM pg_class WHERE oid = to_regclass('user_clients')),
                       (SELECT reltuples FROM pg_class WHERE oid = to_regclass('sync_rows')),
                       pg_database_size(current_database())
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 1; i <= 3; i++) {
                statement.setLong(i, EXACT_COUNT_LIMIT + 1);
            }
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                long[] exact = {rows.getLong(1), rows.getLong(2), rows.getLong(3)};
                long[] counted = new long[3];
                boolean estimated = false;
                for (int i = 0; i < 3; i++) {
                    boolean beyond = exact[i] > EXACT_COUNT_LIMIT;
                    counted[i] = beyond ? Math.max(exact[i], (long) rows.getDouble(4 + i)) : exact[i];
                    estimated |= beyond;
                }
                return new Counts(counted[0], counted[1], counted[2], rows.getLong(7), estimated);
            }
        }
    }

    /**
     * A page of users whose e-mail contains {@code part} (case-insensitive), in e-mail order after the cursor. The
     * trigram index finds rare parts, the e-mail index walks common ones in order; each user's numbers are read for
     * the page only.
     */
    List<UserSummary> search(Connection connection, String part, String afterSortKey, UUID afterId, int limit)
            throws SQLException {
        String sql = """
                WITH page AS (
                     SELECT id, email, name, lower(email) AS sort_key
                       FROM users
                      WHERE lower(email) LIKE ? ESCAPE '\\'
                        AND (lower(email), id) > (?, ?)
                      ORDER BY lower(email), id
                      LIMIT ?)
                SELECT p.id, p.email, p.name, d.devices, d.last_sync, r.rows, p.sort_key
                  FROM page p
                  CROSS JOIN LATERAL (SELECT count(*) AS devices, max(last_sync_at) AS last_sync
                                        FROM user_clients c WHERE c.userid = p.id) d
                  CROSS JOIN LATERAL (SELECT count(*) AS rows FROM sync_rows s WHERE s.userid = p.id) r
                 ORDER BY p.sort_key, p.id
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, "%" + likeEscaped(part.toLowerCase(java.util.Locale.ROOT)) + "%");
            statement.setString(2, afterSortKey);
            statement.setObject(3, afterId);
            statement.setInt(4, limit);
            List<UserSummary> users = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    users.add(new UserSummary(rows.getObject(1, UUID.class), rows.getString(2), rows.getString(3),
                            rows.getLong(4), rows.getLong(6), nullableLong(rows, 5), rows.getString(7)));
                }
            }
            return users;
        }
    }

    Optional<Profile> profile(Connection connection, UUID userId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT id, email, name, language FROM users WHERE id = ?")) {
            statement.setObject(1, userId);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(new Profile(rows.getObject(1, UUID.class), rows.getString(2),
                        rows.getString(3), rows.getString(4))) : Optional.empty();
            }
        }
    }

    /** The user's devices, the most recently synced first. */
    List<Device> devices(Connection connection, UUID userId) throws SQLException {
        String sql = """
                SELECT clientid, CAST(clientdetails AS TEXT), last_sync_at, syncing
                  FROM user_clients
                 WHERE userid = ?
                 ORDER BY last_sync_at DESC NULLS LAST, clientid
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, userId);
            List<Device> devices = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    devices.add(new Device(rows.getObject(1, UUID.class), rows.getString(2), nullableLong(rows, 3),
                            nullableLong(rows, 4)));
                }
            }
            return devices;
        }
    }

    /** Rows and bytes of row data per table: one pass over the user's rows. */
    List<TableCount> tables(Connection connection, UUID userId) throws SQLException {
        String sql = """
                SELECT tablename, count(*), COALESCE(sum(octet_length(CAST(json AS TEXT))), 0)
                  FROM sync_rows
                 WHERE userid = ?
                 GROUP BY tablename
                 ORDER BY tablename
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, userId);
            List<TableCount> tables = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    tables.add(new TableCount(rows.getString(1), rows.getLong(2), rows.getLong(3)));
                }
            }
            return tables;
        }
    }

    /**
     * Removes the device from its user and deletes its tokens, and bars its clientId from coming back. One
     * statement. @return the device's user; empty when no such device
     */
    Optional<UUID> revoke(Connection connection, UUID clientId, long now) throws SQLException {
        String sql = """
                WITH gone AS (
                     DELETE FROM user_clients WHERE clientid = ? RETURNING clientid, userid),
                tokens AS (
                     DELETE FROM user_tokens WHERE clientid IN (SELECT clientid FROM gone)),
                barred AS (
                     INSERT INTO revoked_clients (clientid, userid, revoked_at)
                     SELECT clientid, userid, ? FROM gone
                     ON CONFLICT (clientid) DO NOTHING)
                SELECT userid FROM gone
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, clientId);
            statement.setLong(2, now);
            return firstUuid(statement);
        }
    }

    /** The user a device belonged to when an operator revoked it; empty when it never was revoked. */
    Optional<UUID> revokedOwner(Connection connection, UUID clientId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT userid FROM revoked_clients WHERE clientid = ?")) {
            statement.setObject(1, clientId);
            return firstUuid(statement);
        }
    }

    /** The device's user and since when it held its sync lock (null: it held none). */
    record Released(UUID userId, Long heldSince) {
    }

    /** Frees the device's sync lock, as a stale lock is freed by the next sync after some minutes. */
    Optional<Released> releaseLock(Connection connection, UUID clientId) throws SQLException {
        String sql = """
                WITH before AS (SELECT clientid, userid, syncing FROM user_clients WHERE clientid = ? FOR UPDATE)
                UPDATE user_clients c SET syncing = NULL
                  FROM before
                 WHERE c.clientid = before.clientid
                RETURNING before.userid, before.syncing
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, clientId);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(new Released(rows.getObject(1, UUID.class), nullableLong(rows, 2)))
                        : Optional.empty();
            }
        }
    }

    /**
     * Every stored row of the user, and the rows its devices wrote in the spaces it belongs to, streamed from a
     * cursor (the caller's transaction) a thousand at a time.
     */
    void rows(Connection connection, UUID userId, RowSink sink) throws SQLException, java.io.IOException {
        String sql = """
                SELECT tablename, rowguid, operation, clientid, clientdate, serverdate, CAST(json AS TEXT)
                  FROM sync_rows
                 WHERE userid = ?
                    OR (userid IN (SELECT spaceid FROM space_members WHERE userid = ?)
                        AND clientid IN (SELECT clientid FROM user_clients WHERE userid = ?))
                 ORDER BY serverdate, rowguid
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setFetchSize(1_000);
            statement.setObject(1, userId);
            statement.setObject(2, userId);
            statement.setObject(3, userId);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    sink.accept(new Row(rows.getString(1), rows.getObject(2, UUID.class), rows.getString(3),
                            rows.getObject(4, UUID.class), rows.getLong(5), rows.getLong(6), rows.getString(7)));
                }
            }
        }
    }

    /** The clientIds an operator revoked for the user. */
    List<UUID> revokedDevices(Connection connection, UUID userId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT clientid FROM revoked_clients WHERE userid = ? ORDER BY revoked_at")) {
            statement.setObject(1, userId);
            List<UUID> ids = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getObject(1, UUID.class));
                }
            }
            return ids;
        }
    }

    private static String likeEscaped(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    private static Optional<UUID> firstUuid(PreparedStatement statement) throws SQLException {
        try (ResultSet rows = statement.executeQuery()) {
            return rows.next() ? Optional.of(rows.getObject(1, UUID.class)) : Optional.empty();
        }
    }

    private static Long nullableLong(ResultSet rows, int column) throws SQLException {
        long value = rows.getLong(column);
        return rows.wasNull() ? null : value;
    }
}
