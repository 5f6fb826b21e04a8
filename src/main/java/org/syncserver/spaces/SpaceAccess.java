package org.syncserver.spaces;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.ArrayList;
import java.util.UUID;

/**
 * What sync asks of spaces, on the connection of its own pull or push: which spaces a user sees (one statement),
 * and, after a push into spaces, that their members' devices be told. Sync knows nothing else of membership.
 */
public final class SpaceAccess {

    /**
     * The spaces the user sees now, with roles and clocks. A space id that a push names and that no one has used
     * yet is created in the same statement with the user as its owner (an app makes a list's id offline); a
     * deleted space's id stays taken, and a user's id is never a space (rows under it would be that user's).
     */
    public Visibility seenBy(Connection connection, UUID userId, Collection<UUID> named, long now)
            throws SQLException {
        String sql = """
                WITH named AS (SELECT DISTINCT id FROM unnest(CAST(? AS UUID[])) AS n(id)),
                created AS (
                     INSERT INTO spaces (id, created_at)
                     SELECT id, ? FROM named WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = named.id)
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
     * What a user is charged for (PROTOCOL §13.1 with §12): its private rows and the rows of every space it owns.
     *
     * @param owns which of the spaces asked about the user owns
     */
    public record Charged(UUID userId, long rows, long bytes, Set<UUID> owns) {
    }

    /**
     * The usage charged to the user and to each owner of the spaces, as this transaction sees it (after the
     * push's rows): a space's rows count against its owners.
     */
    public List<Charged> charged(Connection connection, UUID userId, Collection<UUID> spaceIds) throws SQLException {
        String sql = """
                WITH asked AS (SELECT unnest(CAST(? AS UUID[])) AS id),
                charged AS (
                     SELECT ? AS userid
                     UNION
                     SELECT m.userid FROM space_members m JOIN asked a ON a.id = m.spaceid WHERE m.role = 'owner')
                SELECT c.userid, u.live_rows + COALESCE(owned.rows, 0), u.live_bytes + COALESCE(owned.bytes, 0),
                       ARRAY(SELECT m.spaceid FROM space_members m JOIN asked a ON a.id = m.spaceid
                              WHERE m.userid = c.userid AND m.role = 'owner')
                  FROM charged c JOIN users u ON u.id = c.userid
                  LEFT JOIN LATERAL (SELECT sum(s.live_rows) AS rows, sum(s.live_bytes) AS bytes
                                       FROM space_members m JOIN spaces s ON s.id = m.spaceid
                                      WHERE m.userid = c.userid AND m.role = 'owner' AND s.deleted_at IS NULL) owned
                    ON TRUE
                """;
        List<Charged> charged = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setArray(1, connection.createArrayOf("uuid", spaceIds.toArray()));
            statement.setObject(2, userId);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    charged.add(new Charged(rows.getObject(1, UUID.class), rows.getLong(2), rows.getLong(3),
                            Set.of((UUID[]) rows.getArray(4).getArray())));
                }
            }
        }
        return charged;
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
