package org.syncserver.spaces;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * What sync asks of spaces, on the connection of its own pull or push: which spaces a user sees (one statement),
 * and, after a push into spaces, that their members' devices be told. Sync knows nothing else of membership.
 */
public final class SpaceAccess {

    /**
     * The spaces the user sees now, with roles and clocks. A space id that a push names and that no one has used
     * yet is created in the same statement with the user as its owner (an app makes a list's id offline); a
     * deleted space's id stays taken.
     */
    public Visibility seenBy(Connection connection, UUID userId, Collection<UUID> named, long now)
            throws SQLException {
        String sql = """
                WITH named AS (SELECT DISTINCT id FROM unnest(CAST(? AS UUID[])) AS n(id)),
                created AS (
                     INSERT INTO spaces (id, created_at) SELECT id, ? FROM named
                     ON CONFLICT (id) DO NOTHING
                     RETURNING id),
                joined AS (
                     INSERT INTO space_members (spaceid, userid, role, since)
                     SELECT id, ?, 'owner', ? FROM created
                     RETURNING spaceid, role)
                SELECT m.spaceid, m.role, s.sync_clock
                  FROM space_members m JOIN spaces s ON s.id = m.spaceid
                 WHERE m.userid = ? AND s.deleted_at IS NULL
                UNION ALL
                SELECT spaceid, role, 0 FROM joined
                """;
        Map<UUID, Visibility.Seen> seen = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setArray(1, connection.createArrayOf("uuid", named.toArray()));
            statement.setLong(2, now);
            statement.setObject(3, userId);
            statement.setLong(4, now);
            statement.setObject(5, userId);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    seen.put(rows.getObject(1, UUID.class),
                            new Visibility.Seen(Role.fromWire(rows.getString(2)), rows.getLong(3)));
                }
            }
        }
        return new Visibility(seen);
    }

    /**
     * Queues a change notice for every member of the spaces a push stamped, delivered by PostgreSQL when the push
     * commits (never when it rolls back), to every listening instance: {@code userId:clock:pusherClientId:pushedAt}.
     */
    public void notifyMembers(Connection connection, Map<UUID, Long> stamps, UUID pusher, long now)
            throws SQLException {
        if (stamps.isEmpty()) {
            return;
        }
        String sql = """
                SELECT pg_notify('sync_changes', CAST(m.userid AS TEXT) || ':' || s.clock || ':' || ? || ':' || ?)
                  FROM unnest(CAST(? AS UUID[]), CAST(? AS INT8[])) AS s(id, clock)
                  JOIN space_members m ON m.spaceid = s.id
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, pusher.toString());
            statement.setLong(2, now);
            statement.setArray(3, connection.createArrayOf("uuid", stamps.keySet().toArray()));
            statement.setArray(4, connection.createArrayOf("int8", stamps.values().toArray()));
            statement.executeQuery().close();
        }
    }
}
