package org.syncserver.events;

import org.syncserver.spaces.SpaceAccess;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** SQL of change events: what other devices changed since a listener last heard, and whose tokens still stand. */
final class EventRepository {

    /**
     * What a listener starts from: where the device's next pull starts (a fresh stream without Last-Event-ID is
     * compared with it), and the login its token belongs to (empty: the device has no tokens any more).
     */
    record Opening(long pulledUpTo, Optional<UUID> login) {
    }

    Opening opening(Connection connection, UUID clientId) throws SQLException {
        String sql = """
                SELECT COALESCE(c.lastsync, 0), t.login_id, t.clientid IS NOT NULL
                  FROM user_clients c LEFT JOIN user_tokens t ON t.clientid = c.clientid
                 WHERE c.clientid = ?
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, clientId);
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return new Opening(0, Optional.empty());
                }
                return new Opening(rows.getLong(1), rows.getBoolean(3) ? Optional.of(loginOf(rows, 2))
                        : Optional.empty());
            }
        }
    }

    /** A listener as the safety check knows it: its device and what it has heard up to. */
    record Heard(UUID clientId, long since) {
    }

    /**
     * For each listener, whether another device stored a change it has not heard of, under its user or a space its
     * user sees, and the clock to tell it. When {@code since} names a cursor vector of the device (its last pull in
     * a realm with spaces), each owner's rows are compared with that owner's clock in the vector: a push into a space
     * stamped before the pull and committed after it is newer than the vector's clock for the space, though not
     * newer than the pull's name, with which its notice was compared; it is told with a clock past {@code since}.
     * An owner the vector does not name (a space joined since) is new from its first row. Otherwise each owner's rows
     * are compared with {@code since}, as the notices are. One statement for all of a realm's listeners, each a short
     * range scan of the cursor index (userid, serverdate) per owner that finds nothing when nothing changed.
     *
     * @return the clock to tell, for the listeners that have something new
     */
    Map<Heard, Long> newerChanges(Connection connection, List<Listener> listeners) throws SQLException {
        String sql = """
                SELECT l.clientid, l.since, GREATEST(max(newest.serverdate), l.since + 1)
                  FROM unnest(CAST(? AS UUID[]), CAST(? AS UUID[]), CAST(? AS INT8[])) AS l(userid, clientid, since)
                  LEFT JOIN cursor_vectors v ON v.clientid = l.clientid AND v.lastsync = l.since
                  CROSS JOIN LATERAL (SELECT l.userid AS id UNION ALL %s) owner
                  CROSS JOIN LATERAL (SELECT max(r.serverdate) AS serverdate FROM sync_rows r
                                       WHERE r.userid = owner.id
                                         AND r.serverdate > COALESCE(v.clocks[array_position(v.owners, owner.id)],
                                                                     CASE WHEN v.clientid IS NULL THEN l.since ELSE 0 END)
                                         AND r.clientid <> l.clientid) newest
                 GROUP BY l.clientid, l.since
                HAVING max(newest.serverdate) IS NOT NULL
                """.formatted(SpaceAccess.seenIdsOf("l.userid"));
        Map<Heard, Long> newer = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setArray(1, connection.createArrayOf("uuid", listeners.stream().map(Listener::userId).toArray()));
            statement.setArray(2, connection.createArrayOf("uuid", listeners.stream().map(Listener::clientId).toArray()));
            statement.setArray(3, connection.createArrayOf("int8", listeners.stream().map(Listener::since).toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    newer.put(new Heard(rows.getObject(1, UUID.class), rows.getLong(2)), rows.getLong(3));
                }
            }
        }
        return newer;
    }

    /**
     * The current login of each device that still has tokens (a password change or an unregister deletes them; a
     * new login replaces them).
     */
    Map<UUID, UUID> logins(Connection connection, List<UUID> clientIds) throws SQLException {
        Map<UUID, UUID> logins = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT clientid, login_id FROM user_tokens WHERE clientid = ANY(CAST(? AS UUID[]))")) {
            statement.setArray(1, connection.createArrayOf("uuid", clientIds.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    logins.put(rows.getObject(1, UUID.class), loginOf(rows, 2));
                }
            }
        }
        return logins;
    }

    /** A login made before logins had ids (V12) counts as one login, the zero id. */
    private static UUID loginOf(ResultSet rows, int column) throws SQLException {
        UUID login = rows.getObject(column, UUID.class);
        return login == null ? NO_LOGIN_ID : login;
    }

    private static final UUID NO_LOGIN_ID = new UUID(0, 0);
}
