package org.syncserver.sync;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** SQL of chunked uploads: the chunks received ({@code upload_chunks}) and each upload's outcome. */
final class ChunkRepository {

    /**
     * The chunks of an upload so far.
     *
     * @param consistent whether every chunk came from this user, for this route, announcing the same count
     */
    record Received(int count, int chunks, boolean consistent) {
    }

    /** What became of a completed upload; status 0 while it is being processed. */
    record Outcome(int status, String answer, Long cursor) {
    }

    /** Stores the chunk unless it is there already (a retry). One statement. */
    void store(Connection connection, Chunk chunk, UUID userId, UUID clientId, String route, long now)
            throws SQLException {
        String sql = """
                INSERT INTO upload_chunks (sync_id, chunk_index, userid, clientid, route, chunks, start_offset,
                                           end_offset, total_size, data, created)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (sync_id, chunk_index) DO NOTHING
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, chunk.syncId());
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
            statement.executeUpdate();
        }
    }

    /** How many chunks of the upload are stored, and whether they all belong to this user's upload. */
    Received received(Connection connection, UUID syncId, UUID userId, String route) throws SQLException {
        String sql = """
                SELECT count(*), COALESCE(min(chunks), 0),
                       COALESCE(bool_and(userid = ? AND route = ?) AND min(chunks) = max(chunks), TRUE)
                  FROM upload_chunks WHERE sync_id = ?
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, userId);
            statement.setString(2, route);
            statement.setObject(3, syncId);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return new Received(rows.getInt(1), rows.getInt(2), rows.getBoolean(3));
            }
        }
    }

    /** The chunks' data in order, with their offsets, to be joined. */
    List<Chunk> chunks(Connection connection, UUID syncId) throws SQLException {
        String sql = """
                SELECT chunk_index, chunks, start_offset, end_offset, total_size, data
                  FROM upload_chunks WHERE sync_id = ? ORDER BY chunk_index
                """;
        List<Chunk> chunks = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, syncId);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    chunks.add(new Chunk(syncId, rows.getInt(1), rows.getInt(2), rows.getLong(3), rows.getLong(4),
                            rows.getLong(5), rows.getString(6)));
                }
            }
        }
        return chunks;
    }

    /** Claims the processing of a complete upload. @return false when another request has claimed it */
    boolean claim(Connection connection, UUID syncId, UUID userId, long now) throws SQLException {
        String sql = """
                INSERT INTO upload_outcomes (sync_id, userid, status, created) VALUES (?, ?, 0, ?)
                ON CONFLICT (sync_id) DO NOTHING
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, syncId);
            statement.setObject(2, userId);
            statement.setLong(3, now);
            return statement.executeUpdate() == 1;
        }
    }

    /** Records the outcome. The chunks stay until they expire: a retried pull chunk is answered from them again. */
    void complete(Connection connection, UUID syncId, Outcome outcome) throws SQLException {
        String sql = "UPDATE upload_outcomes SET status = ?, answer = ?, cursor = ? WHERE sync_id = ?";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setInt(1, outcome.status());
            statement.setString(2, outcome.answer());
            statement.setObject(3, outcome.cursor());
            statement.setObject(4, syncId);
            statement.executeUpdate();
        }
    }

    /** A claim whose processing failed for a passing reason: the next chunk retry may try again. */
    void release(Connection connection, UUID syncId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "DELETE FROM upload_outcomes WHERE sync_id = ? AND status = 0")) {
            statement.setObject(1, syncId);
            statement.executeUpdate();
        }
    }

    Optional<Outcome> outcome(Connection connection, UUID syncId, UUID userId) throws SQLException {
        String sql = "SELECT status, answer, cursor FROM upload_outcomes WHERE sync_id = ? AND userid = ?";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, syncId);
            statement.setObject(2, userId);
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
