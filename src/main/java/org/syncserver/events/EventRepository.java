package org.syncserver.events;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** SQL of change events: what other devices changed since a listener last heard, and whose tokens still stand. */
final class EventRepository {

    /** Where a device's next pull starts: a fresh stream without Last-Event-ID is compared with it. */
    long pulledUpTo(Connection connection, UUID clientId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT COALESCE(lastsync, 0) FROM user_clients WHERE clientid = ?")) {
            statement.setObject(1, clientId);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getLong(1) : 0;
            }
        }
    }

    /**
     * For each listener, the latest change another device of its user stored after what the listener has heard
     * of. One statement for all of a realm's listeners, each a short range scan of the cursor index (userid,
     * serverdate) that finds nothing when nothing changed.
     *
     * @return the clock by client, for the listeners that have something new
     */
    Map<UUID, Long> newerChanges(Connection connection, List<Listener> listeners) throws SQLException {
        String sql = """
                SELECT l.clientid, (SELECT max(r.serverdate) FROM sync_rows r
                                     WHERE r.userid = l.userid AND r.serverdate > l.since AND r.clientid <> l.clientid)
                  FROM unnest(CAST(? AS UUID[]), CAST(? AS UUID[]), CAST(? AS INT8[])) AS l(userid, clientid, since)
                """;
        Map<UUID, Long> newer = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setArray(1, connection.createArrayOf("uuid", listeners.stream().map(Listener::userId).toArray()));
            statement.setArray(2, connection.createArrayOf("uuid", listeners.stream().map(Listener::clientId).toArray()));
            statement.setArray(3, connection.createArrayOf("int8", listeners.stream().map(Listener::since).toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    long clock = rows.getLong(2);
                    if (!rows.wasNull()) {
                        newer.put(rows.getObject(1, UUID.class), clock);
                    }
                }
            }
        }
        return newer;
    }

    /** The devices that still have tokens: a password change or an unregister deletes them. */
    Set<UUID> withTokens(Connection connection, List<UUID> clientIds) throws SQLException {
        Set<UUID> present = new HashSet<>();
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT clientid FROM user_tokens WHERE clientid = ANY(CAST(? AS UUID[]))")) {
            statement.setArray(1, connection.createArrayOf("uuid", clientIds.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    present.add(rows.getObject(1, UUID.class));
                }
            }
        }
        return present;
    }
}
