package org.syncserver.sync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.syncserver.db.Database;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * SQL of sync in a realm that shares tables (docs/adr/0005-shared-spaces.md): the vectors a device's
 * {@code lastSync} names, the pull over several owners, where a pushed row lives now, and the changes a device could
 * not make.
 */
final class SharedRows {

    /** A row's version where it lives now (a live version is preferred to a tombstone left by a move). */
    record Current(UUID owner, String operation, UUID clientid, long clientdate, long serverdate, boolean moved) {
        boolean live() {
            return !"D".equals(operation);
        }
    }

    private final ObjectMapper json = new ObjectMapper();

    /** A change skipped because the pusher may not make it, and the version that stays (null: none visible). */
    record Refused(PushedChange change, Current stays) {
    }

    /**
     * A column of the client's vectors as one JSON value, {@code [[lastSync, [owner…], [clock…]], …]} (null: none),
     * for a statement that binds the client id once more: the push reads them with its lock, the pull on its own.
     */
    static final String VECTORS_COLUMN = """
            (SELECT json_agg(json_build_array(v.lastsync, v.owners, v.clocks)) FROM cursor_vectors v \
            WHERE v.clientid = ?)""";

    /** The vectors that the device's {@code lastSync} values name, by name: at most a handful per device. */
    Map<Long, CursorVector> vectors(Connection connection, UUID clientId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT " + VECTORS_COLUMN)) {
            statement.setObject(1, clientId);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return vectors(rows.getString(1));
            }
        }
    }

    /** The vectors of {@link #VECTORS_COLUMN}'s value. */
    Map<Long, CursorVector> vectors(String column) {
        Map<Long, CursorVector> vectors = new HashMap<>();
        if (column == null) {
            return vectors;
        }
        try {
            for (JsonNode named : json.readTree(column)) {
                Map<UUID, Long> vector = new LinkedHashMap<>();
                JsonNode owners = named.get(1);
                JsonNode clocks = named.get(2);
                for (int i = 0; i < owners.size(); i++) {
                    vector.put(UUID.fromString(owners.get(i).asText()), clocks.get(i).asLong());
                }
                vectors.put(named.get(0).asLong(), new CursorVector(vector));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("The database answered cursor vectors that are not JSON", e);
        }
        return vectors;
    }

    /**
     * What the device's {@code lastSync} says it has imported of the user's own rows.
     *
     * @param correctedUpTo the user's clock in the vector it sent: corrections stamped up to it are imported
     * @param cursor        the cursor it acknowledges, which holds back the tombstone purge (as
     *                      {@link SyncRepository#takeLock} keeps it in a realm without spaces)
     */
    record Acknowledged(long correctedUpTo, long cursor) {
    }

    /**
     * The name for the vector a pull reads, decided under the client's lock from the names the lock read: the
     * device's last name plus one, or the present in milliseconds when larger (it stays an increasing epoch-ms
     * value, which sync_client parses as a date).
     */
    static long nextName(Map<Long, CursorVector> vectors, long now) {
        long last = vectors.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
        return Math.max(last + 1, now);
    }

    /** A pull's vector under its name, from the {@code lastSync} the device sent, with what that acknowledges. */
    record Named(UUID clientId, long name, CursorVector vector, long sent, Acknowledged acknowledged) {
    }

    /**
     * Stores the vector a pull read under its name; a statement that runs in the round trip that saves the name as
     * the device's cursor ({@link SyncRepository#saveCursor}), before it. Keeps the device's last three names (an
     * answer lost on the way leaves the device one behind) and the one it sent. The corrections the device has
     * imported are done, and the cursor it acknowledges is kept. Parameters: {@link #bindNaming}.
     */
    static final String NAMING = """
            WITH corrected AS (DELETE FROM sync_corrections WHERE clientid = ? AND stamp <= ?),
            acknowledged AS (UPDATE user_clients SET acked_lastsync = ? WHERE clientid = ?),
            pruned AS (
                 DELETE FROM cursor_vectors
                  WHERE clientid = ? AND lastsync <> ?
                    AND lastsync NOT IN (SELECT lastsync FROM cursor_vectors WHERE clientid = ?
                                          ORDER BY lastsync DESC LIMIT 3))
            INSERT INTO cursor_vectors (clientid, lastsync, owners, clocks)
            VALUES (?, ?, CAST(? AS UUID[]), CAST(? AS INT8[]))
            """;

    /** Binds {@link #NAMING}'s parameters from the first. @return the index of its last parameter */
    static int bindNaming(Connection connection, PreparedStatement statement, Named named) throws SQLException {
        int p = 0;
        statement.setObject(++p, named.clientId());
        statement.setLong(++p, named.acknowledged().correctedUpTo());
        statement.setLong(++p, named.acknowledged().cursor());
        statement.setObject(++p, named.clientId());
        statement.setObject(++p, named.clientId());
        statement.setLong(++p, named.sent());
        statement.setObject(++p, named.clientId());
        statement.setObject(++p, named.clientId());
        statement.setLong(++p, named.name());
        statement.setArray(++p, connection.createArrayOf("uuid", named.vector().clocks().keySet().toArray()));
        statement.setArray(++p, connection.createArrayOf("int8", named.vector().clocks().values().toArray()));
        return p;
    }

    /**
     * Adds the spaces a push wrote into to the vector its answer names, at clock 0 where the device had none: the
     * device holds rows of those spaces now, so its next pull must treat them as seen from nothing (the other
     * writers' rows) and, should the user no longer see them, send their D.
     */
    void addWrittenSpaces(Connection connection, UUID clientId, long name, CursorVector vector,
                          Collection<UUID> spaces) throws SQLException {
        Map<UUID, Long> clocks = new LinkedHashMap<>(vector.clocks());
        spaces.forEach(space -> clocks.putIfAbsent(space, 0L));
        if (clocks.size() == vector.clocks().size()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement(
                "UPDATE cursor_vectors SET owners = CAST(? AS UUID[]), clocks = CAST(? AS INT8[])"
                        + " WHERE clientid = ? AND lastsync = ?")) {
            statement.setArray(1, connection.createArrayOf("uuid", clocks.keySet().toArray()));
            statement.setArray(2, connection.createArrayOf("int8", clocks.values().toArray()));
            statement.setObject(3, clientId);
            statement.setLong(4, name);
            statement.executeUpdate();
        }
    }

    /**
     * A pull's rows over every owner range, oldest first: the CTE {@code answer}. A D (a tombstone, or a space the
     * user left) is left out when the row lives on under another owner the device sees: a row moved between spaces
     * arrives once, where it went. The device's corrections stamped in (correctedAfter, correctedUpTo] add what it
     * may see of a row it could not change, unless the answer carries that row already. Parameters: {@link #bind}.
     */
    private static final String ANSWER = """
            WITH plan AS (
                 SELECT * FROM unnest(CAST(? AS UUID[]), CAST(? AS TEXT[]), CAST(? AS INT8[]), CAST(? AS INT8[]))
                      AS p(owner, mode, after, upto)),
            seen AS (SELECT owner FROM plan WHERE mode <> 'out'),
            found AS (
                 SELECT r.*, p.mode FROM plan p JOIN sync_rows r ON r.userid = p.owner
                    AND r.serverdate > p.after AND r.serverdate <= p.upto
                  WHERE p.mode = 'delta' AND r.clientid <> ?
                 UNION ALL
                 SELECT r.*, p.mode FROM plan p JOIN sync_rows r ON r.userid = p.owner AND r.serverdate <= p.upto
                  WHERE p.mode = 'all' OR (p.mode = 'in' AND r.operation <> 'D')
                 UNION ALL
                 SELECT r.*, p.mode FROM plan p JOIN sync_rows r ON r.userid = p.owner
                  WHERE p.mode = 'out' AND (r.operation <> 'D' OR r.serverdate > p.after)),
            corrected AS (
                 SELECT k.rowguid, COALESCE(v.operation, 'D') AS operation,
                        COALESCE(v.tablename, k.tablename) AS tablename,
                        COALESCE(v.clientdate, k.stamp) AS clientdate, k.stamp AS serverdate,
                        COALESCE(v.clientid, k.clientid) AS clientid, v.json
                   FROM sync_corrections k
                   LEFT JOIN LATERAL (SELECT * FROM sync_rows x
                                       WHERE x.userid IN (SELECT owner FROM seen) AND x.rowguid = k.rowguid
                                         AND x.operation <> 'D' LIMIT 1) v ON TRUE
                  WHERE k.clientid = ? AND k.stamp > ? AND k.stamp <= ?
                    AND k.rowguid NOT IN (SELECT rowguid FROM found)),
            answer AS (
                 SELECT f.rowguid, CASE WHEN f.mode = 'out' THEN 'D' ELSE f.operation END AS operation,
                        f.tablename, f.clientdate, f.serverdate, f.clientid,
                        CASE WHEN f.mode = 'out' THEN NULL ELSE f.json END AS json
                   FROM found f
                  WHERE NOT ((f.mode = 'out' OR f.operation = 'D')
                             AND EXISTS (SELECT 1 FROM seen s JOIN sync_rows y
                                            ON y.userid = s.owner AND y.rowguid = f.rowguid
                                         WHERE y.userid <> f.userid AND y.operation <> 'D'))
                 UNION ALL
                 SELECT * FROM corrected)
            """;

    /** Streams the rows of {@link #ANSWER}; in pages of {@code fetchSize} rows in a transaction. */
    void pull(Connection connection, List<OwnerRange> ranges, UUID clientId, long correctedAfter,
              long correctedUpTo, int fetchSize, SyncRepository.RowSink sink) throws SQLException {
        String sql = ANSWER + """
                SELECT rowguid, operation, tablename, clientdate, serverdate, clientid, CAST(json AS TEXT)
                  FROM answer ORDER BY serverdate
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setFetchSize(fetchSize);
            bind(connection, statement, 0, ranges, clientId, correctedAfter, correctedUpTo);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    sink.row(SyncRepository.row(rows));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * The first rows of {@link #pull}, at most {@code limit} of them and no more than {@code maxBytes} of row data
     * (plus the row that crosses it), as {@link SyncRepository#firstPage} reads a private pull's: one round trip
     * that sets the statement's generic plan ({@link Database.Plans}) and reads, in the round trip's own
     * transaction (PostgreSQL's extended protocol until Sync), on a connection in auto-commit mode.
     */
    SyncRepository.FirstPage firstPage(Connection connection, List<OwnerRange> ranges, UUID clientId,
                                       long correctedAfter, long correctedUpTo, int limit, long maxBytes)
            throws SQLException {
        String sql = Database.Plans.GENERIC.statement() + ";\n" + ANSWER + SyncRepository.FirstPage.of("answer");
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            int p = bind(connection, statement, 0, ranges, clientId, correctedAfter, correctedUpTo);
            statement.setInt(++p, limit);
            statement.setLong(++p, maxBytes);
            statement.execute();
            statement.getMoreResults(); // past the settings' row
            try (ResultSet result = statement.getResultSet()) {
                return SyncRepository.FirstPage.read(result);
            }
        }
    }

    /** Binds {@link #ANSWER}'s parameters after parameter {@code before}. @return the index of its last one */
    private static int bind(Connection connection, PreparedStatement statement, int before, List<OwnerRange> ranges,
                            UUID clientId, long correctedAfter, long correctedUpTo) throws SQLException {
        int p = before;
        statement.setArray(++p, connection.createArrayOf("uuid", ranges.stream().map(OwnerRange::owner).toArray()));
        statement.setArray(++p, connection.createArrayOf("text", ranges.stream().map(OwnerRange::mode).toArray()));
        statement.setArray(++p, connection.createArrayOf("int8", ranges.stream().map(OwnerRange::after).toArray()));
        statement.setArray(++p, connection.createArrayOf("int8", ranges.stream().map(OwnerRange::upTo).toArray()));
        statement.setObject(++p, clientId);
        statement.setObject(++p, clientId);
        statement.setLong(++p, correctedAfter);
        statement.setLong(++p, correctedUpTo);
        return p;
    }

    /** Where each row lives now among the owners the pusher sees: one primary-key probe per owner and row. */
    Map<UUID, Current> current(Connection connection, Collection<UUID> owners, Collection<UUID> rowguids)
            throws SQLException {
        String sql = """
                SELECT DISTINCT ON (rowguid) rowguid, userid, operation, clientid, clientdate, serverdate, moved
                  FROM sync_rows
                 WHERE userid = ANY(CAST(? AS UUID[])) AND rowguid = ANY(CAST(? AS UUID[]))
                 ORDER BY rowguid, operation <> 'D' DESC, serverdate DESC
                """;
        Map<UUID, Current> current = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setArray(1, connection.createArrayOf("uuid", owners.toArray()));
            statement.setArray(2, connection.createArrayOf("uuid", rowguids.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    current.put(rows.getObject(1, UUID.class), new Current(rows.getObject(2, UUID.class),
                            rows.getString(3), rows.getObject(4, UUID.class), rows.getLong(5), rows.getLong(6),
                            rows.getBoolean(7)));
                }
            }
        }
        return current;
    }

    /**
     * Journals the refused changes as {@code refused} under the user (the version that stays is the winner; a D
     * when the user sees none) and notes a correction for the device, stamped with the user's clock so that its next
     * pull sends what the device may see of each row.
     */
    void refuse(Connection connection, UUID userId, UUID clientId, long stamp, long now, List<Refused> refused)
            throws SQLException {
        String sql = """
                WITH c AS (
                     SELECT * FROM unnest(CAST(? AS UUID[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS INT8[]),
                                          CAST(? AS TEXT[]), CAST(? AS UUID[]), CAST(? AS INT8[]), CAST(? AS TEXT[]))
                          AS c(rowguid, tablename, operation, clientdate, json, w_clientid, w_clientdate,
                               w_operation)),
                journal AS (
                     INSERT INTO sync_conflicts (userid, at, rowguid, tablename, kind, winner_clientid,
                                                 winner_clientdate, winner_operation, loser_clientid,
                                                 loser_clientdate, loser_operation, loser_json)
                     SELECT ?, ?, rowguid, tablename, 'refused', COALESCE(w_clientid, ?), COALESCE(w_clientdate, 0),
                            COALESCE(w_operation, 'D'), ?, clientdate, operation, CAST(json AS JSON)
                       FROM c)
                INSERT INTO sync_corrections (clientid, rowguid, tablename, stamp)
                SELECT ?, rowguid, tablename, ? FROM c
                ON CONFLICT (clientid, rowguid) DO UPDATE SET tablename = EXCLUDED.tablename, stamp = EXCLUDED.stamp
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            int p = 0;
            statement.setArray(++p, array(connection, "uuid", refused.stream().map(r -> r.change().rowguid())));
            statement.setArray(++p, array(connection, "text", refused.stream().map(r -> r.change().tablename())));
            statement.setArray(++p, array(connection, "text", refused.stream().map(r -> r.change().operation())));
            statement.setArray(++p, array(connection, "int8", refused.stream().map(r -> r.change().clientdate())));
            statement.setArray(++p, array(connection, "text", refused.stream().map(r -> r.change().json())));
            statement.setArray(++p, array(connection, "uuid",
                    refused.stream().map(r -> r.stays() == null ? null : r.stays().clientid())));
            statement.setArray(++p, array(connection, "int8",
                    refused.stream().map(r -> r.stays() == null ? null : r.stays().clientdate())));
            statement.setArray(++p, array(connection, "text",
                    refused.stream().map(r -> r.stays() == null ? null : r.stays().operation())));
            statement.setObject(++p, userId);
            statement.setLong(++p, now);
            statement.setObject(++p, clientId);
            statement.setObject(++p, clientId);
            statement.setObject(++p, clientId);
            statement.setLong(++p, stamp);
            statement.executeUpdate();
        }
    }

    private static Array array(Connection connection, String type, java.util.stream.Stream<?> values)
            throws SQLException {
        return connection.createArrayOf(type, values.toArray());
    }
}
