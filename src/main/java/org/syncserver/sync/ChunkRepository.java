package org.syncserver.sync;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * SQL of chunked uploads: the chunks received ({@code upload_chunks}) and each upload's outcome. An upload is
 * stored under its key (see {@link ChunkedUploads#keyOf}), never under the syncId a client chose.
 */
final class ChunkRepository {

    /**
     * The chunks of an upload so far.
     *
     * @param consistent whether every chunk announced the same count
     */
    record Received(int count, int chunks, boolean consistent) {
    }

    /** What became of a completed upload; status 0 while it is being processed. */
    record Outcome(int status, String answer, Long cursor) {
    }

    /** Bytes announced (totalSize) by the unfinished uploads of a user and of the whole realm. */
    record Pending(long user, long realm) {
    }

    /** Receives the chunks of an upload one at a time, in order. */
    interface ChunkSink {
        void accept(long start, long end, long totalSize, String data) throws SQLException;
    }

    /** Stores the chunk unless one of that index is there already. @return whether it was stored */
    boolean store(Connection connection, UUID key, Chunk chunk, UUID userId, UUID clientId, String route, long now)
            throws SQLException {
        String sql = """
                INSERT INTO upload_chunks (sync_id, chunk_index, userid, clientid, route, chunks, start_offset,
                                           end_offset, total_size, data, created)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (sync_id, chunk_index) DO NOTHING
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, key);
            statement.setInt(2, chunk.index());
            statement.setObject(3, userId);
            statement.setObject(4, clientId);
            statement.setString(5, route);
            statement.setInt(6, chunk.chunks());
            statement.setLong(7, chunk.start());
            statement.setLong(8, chunk.end());
            statement.setLong(9, chunk.totalSize());
            statement.setString(10, chunk.data());
            statement.setLong(11, now);
            return statement.executeUpdate() == 1;
        }
    }

    /** Whether the stored chunk of that index is this one (a retry), compared in the database by digest. */
    boolean sameAsStored(Connection connection, UUID key, Chunk chunk) throws SQLException {
        String sql = """
                SELECT start_offset = ? AND end_offset = ? AND total_size = ? AND md5(data) = md5(?)
                  FROM upload_chunks WHERE sync_id = ? AND chunk_index = ?
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, chunk.start());
            statement.setLong(2, chunk.end());
            statement.setLong(3, chunk.totalSize());
            statement.setString(4, chunk.data());
            statement.setObject(5, key);
            statement.setInt(6, chunk.index());
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        }
    }

    /**
     * Whether the user still exists, holding a key-share lock on its row until commit: a user being deleted (whose
     * delete locks the row first) is waited for and then found gone, so no chunk outlives its user.
     */
    boolean lockUser(Connection connection, UUID userId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT 1 FROM users WHERE id = ? FOR KEY SHARE")) {
            statement.setObject(1, userId);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next();
            }
        }
    }

    /** Bytes of the upload's chunks stored so far; -1 when it has none yet (this chunk begins it). */
    long storedBytes(Connection connection, UUID key) throws SQLException {
        String sql = "SELECT count(*), COALESCE(sum(end_offset - start_offset), 0) FROM upload_chunks WHERE sync_id = ?";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, key);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1) == 0 ? -1 : rows.getLong(2);
            }
        }
    }

    /**
     * What unfinished uploads (no outcome yet) announced, for the user and for the realm. Scans the chunks' rows
     * (their data lives apart, in TOAST), whose number the caps themselves bound.
     */
    Pending pending(Connection connection, UUID userId) throws SQLException {
        String sql = """
                SELECT COALESCE(sum(total) FILTER (WHERE userid = ?), 0), COALESCE(sum(total), 0)
                  FROM (SELECT c.sync_id, c.userid, max(c.total_size) AS total
                          FROM upload_chunks c
                         WHERE NOT EXISTS (SELECT 1 FROM upload_outcomes o WHERE o.sync_id = c.sync_id)
                         GROUP BY c.sync_id, c.userid) unfinished
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, userId);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return new Pending(rows.getLong(1), rows.getLong(2));
            }
        }
    }

    /**
     * Removes the device's other unfinished uploads of the route: a device sends one request at a time, so an
     * upload it began before this one was abandoned (the app was closed, the network changed), and must not count
     * against its cap for a day.
     */
    int dropAbandoned(Connection connection, UUID key, UUID clientId, String route) throws SQLException {
        String sql = """
                DELETE FROM upload_chunks c
                 WHERE c.clientid = ? AND c.route = ? AND c.sync_id <> ?
                   AND NOT EXISTS (SELECT 1 FROM upload_outcomes o WHERE o.sync_id = c.sync_id)
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, clientId);
            statement.setString(2, route);
            statement.setObject(3, key);
            return statement.executeUpdate();
        }
    }

    /** How many chunks of the upload are stored, and whether they all announce the same count. */
    Received received(Connection connection, UUID key) throws SQLException {
        String sql = """
                SELECT count(*), COALESCE(min(chunks), 0), COALESCE(min(chunks) = max(chunks), TRUE)
                  FROM upload_chunks WHERE sync_id = ?
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, key);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return new Received(rows.getInt(1), rows.getInt(2), rows.getBoolean(3));
            }
        }
    }

    /**
     * Hands the upload's chunks to the sink in order, one row at a time (the caller's transaction lets the driver
     * fetch by cursor): an upload of 80 MB is never held whole.
     */
    void forEachChunk(Connection connection, UUID key, ChunkSink sink) throws SQLException {
        String sql = """
                SELECT start_offset, end_offset, total_size, data
                  FROM upload_chunks WHERE sync_id = ? ORDER BY chunk_index
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setFetchSize(1);
            statement.setObject(1, key);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    sink.accept(rows.getLong(1), rows.getLong(2), rows.getLong(3), rows.getString(4));
                }
            }
        }
    }

    /**
     * Claims the processing of a complete upload, or takes over a claim older than {@code staleBefore}: its
     * request died (a crash, kill -9) without recording an outcome or giving the claim back.
     *
     * @return false when another request holds a live claim, or the upload has its outcome
     */
    boolean claim(Connection connection, UUID key, UUID userId, long now, long staleBefore) throws SQLException {
        String sql = """
                INSERT INTO upload_outcomes AS o (sync_id, userid, status, created) VALUES (?, ?, 0, ?)
                ON CONFLICT (sync_id) DO UPDATE SET created = EXCLUDED.created
                 WHERE o.status = 0 AND o.created < ?
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, key);
            statement.setObject(2, userId);
            statement.setLong(3, now);
            statement.setLong(4, staleBefore);
            return statement.executeUpdate() == 1;
        }
    }

    /** Records the outcome. The chunks stay until they expire: a retried pull chunk is answered from them again. */
    void complete(Connection connection, UUID key, Outcome outcome) throws SQLException {
        String sql = "UPDATE upload_outcomes SET status = ?, answer = ?, cursor = ? WHERE sync_id = ?";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setInt(1, outcome.status());
            statement.setString(2, outcome.answer());
            statement.setObject(3, outcome.cursor());
            statement.setObject(4, key);
            statement.executeUpdate();
        }
    }

    /** A claim whose processing failed for a passing reason: the next chunk retry may try again. */
    void release(Connection connection, UUID key) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "DELETE FROM upload_outcomes WHERE sync_id = ? AND status = 0")) {
            statement.setObject(1, key);
            statement.executeUpdate();
        }
    }

    /** The outcome, and for a claim still being processed (status 0) when it was claimed. */
    Optional<Outcome> outcome(Connection connection, UUID key) throws SQLException {
        String sql = "SELECT status, answer, cursor FROM upload_outcomes WHERE sync_id = ?";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, key);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next()
                        ? Optional.of(new Outcome(rows.getInt(1), rows.getString(2), rows.getObject(3, Long.class)))
                        : Optional.empty();
            }
        }
    }

    /** Removes uploads older than {@code before}, at most {@code batch} rows of each table: no long lock. */
    int purge(Connection connection, long before, int batch) throws SQLException {
        int removed = 0;
        for (String table : List.of("upload_chunks", "upload_outcomes")) {
            String sql = "DELETE FROM " + table + " WHERE ctid IN (SELECT ctid FROM " + table
                    + " WHERE created < ? LIMIT ?)";
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setLong(1, before);
                statement.setInt(2, batch);
                removed += statement.executeUpdate();
            }
        }
        return removed;
    }
}
