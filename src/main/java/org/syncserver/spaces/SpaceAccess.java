package org.syncserver.spaces;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What sync asks of spaces, on the connection of its own pull or push: which spaces a user sees (one statement),
 * and, for a push into spaces, their clocks' stamps, which tell their members' devices too. Sync knows nothing else
 * of membership.
 */
public final class SpaceAccess {

    private final ObjectMapper json = new ObjectMapper();

    /** The spaces the user sees now, with roles and clocks (a pull's question, and the journal's). */
    public Visibility seenBy(Connection connection, UUID userId) throws SQLException {
        Map<UUID, Visibility.Seen> seen = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(SEEN)) {
            statement.setObject(1, userId);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    see(rows, seen);
                }
            }
        }
        return new Visibility(seen);
    }

    /** Which spaces a user sees, with role and clock: one parameter, the user; also the CTE {@code seen} below. */
    private static final String SEEN = """
            SELECT m.spaceid, m.role, s.sync_clock
              FROM space_members m JOIN spaces s ON s.id = m.spaceid
             WHERE m.userid = ? AND s.deleted_at IS NULL
            """;

    /**
     * {@link #SEEN} as one JSON column, {@code [[space id, role, clock], …]} (null: none), for a statement of sync's
     * that binds the user's id once more: a pull reads what its user sees with its lock, without a round trip of
     * its own. {@link #visibility} reads it.
     */
    public static final String SEEN_COLUMN = "(SELECT json_agg(json_build_array(seen.spaceid, seen.role, "
            + "seen.sync_clock)) FROM (" + SEEN + ") seen)";

    /**
     * The ids of the spaces a user sees, as a subquery over a column that holds the user's id: for a statement that
     * asks it of many users at once (the change events' safety check).
     */
    public static String seenIdsOf(String userColumn) {
        return "SELECT m.spaceid FROM space_members m JOIN spaces s ON s.id = m.spaceid WHERE m.userid = "
                + userColumn + " AND s.deleted_at IS NULL";
    }

    /** The spaces a user sees, from the value of {@link #SEEN_COLUMN}. */
    public Visibility visibility(String column) {
        if (column == null) {
            return Visibility.NONE;
        }
        Map<UUID, Visibility.Seen> seen = new HashMap<>();
        try {
            for (JsonNode space : json.readTree(column)) {
                seen.put(UUID.fromString(space.get(0).asText()),
                        new Visibility.Seen(Role.fromWire(space.get(1).asText()), space.get(2).asLong()));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("The database answered visible spaces that are not JSON", e);
        }
        return new Visibility(seen);
    }

    /** Reads one space of {@link #SEEN}'s shape (space id, role, clock) from the current row. @return its id */
    private static UUID see(ResultSet rows, Map<UUID, Visibility.Seen> seen) throws SQLException {
        UUID spaceId = rows.getObject(1, UUID.class);
        seen.put(spaceId, new Visibility.Seen(Role.fromWire(rows.getString(2)), rows.getLong(3)));
        return spaceId;
    }

    /**
     * A push's question, with its first locks: the spaces the user sees now, with roles and clocks, and in the same
     * statement the spaces the batch names that the user may write, unless already stamped by this push, locked and
     * stamped as {@link #stamp} does. A space id that the push names and that no one has used yet is created with the
     * user as its owner (an app makes a list's id offline); it is not stamped here (a statement does not see its own
     * inserts): {@link #stamp} does that next. A deleted space's id stays taken, and a user's id is never a space
     * (rows under it would be that user's). A space that exists is not inserted again: an insert that meets a space
     * whose clock a concurrent push holds waits for that push to commit (to learn whether the conflict is real), and
     * the push would then wait twice.
     *
     * @param stamps the push's stamps so far, by space id (those spaces are not stamped again); the spaces this
     *               statement stamps are added
     * @param pusher the pushing device, when members are to be told (this instance listens)
     */
    public Visibility seenAndStamped(Connection connection, UUID userId, Collection<UUID> named,
                                     Map<UUID, Long> stamps, long now, Optional<UUID> pusher) throws SQLException {
        String sql = """
                WITH named AS (SELECT DISTINCT id FROM unnest(CAST(? AS UUID[])) AS n(id)),
                created AS (
                     INSERT INTO spaces (id, created_at)
                     SELECT id, ? FROM named
                      WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = named.id)
                        AND NOT EXISTS (SELECT 1 FROM spaces s WHERE s.id = named.id)
                     ON CONFLICT (id) DO NOTHING
                     RETURNING id),
                joined AS (
                     INSERT INTO space_members (spaceid, userid, role, since)
                     SELECT id, ?, 'owner', ? FROM created
                     RETURNING spaceid, role),
                seen AS (
                """ + SEEN + """
                ),
                to_stamp AS (
                     SELECT spaceid AS id FROM seen
                      WHERE role <> 'reader' AND spaceid IN (SELECT id FROM named)
                        AND spaceid <> ALL(CAST(? AS UUID[]))),
                """ + LOCK_AND_STAMP + """
                SELECT seen.spaceid, seen.role, seen.sync_clock, st.sync_clock, st.told
                  FROM seen LEFT JOIN stamped st ON st.id = seen.spaceid
                UNION ALL
                SELECT spaceid, role, 0, NULL, NULL FROM joined
                """;
        Map<UUID, Visibility.Seen> seen = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            int p = 0;
            statement.setArray(++p, connection.createArrayOf("uuid", named.toArray()));
            statement.setLong(++p, now);
            statement.setObject(++p, userId);
            statement.setLong(++p, now);
            statement.setObject(++p, userId);
            statement.setArray(++p, connection.createArrayOf("uuid", stamps.keySet().toArray()));
            bindStamp(statement, p, now, pusher);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    UUID spaceId = see(rows, seen);
                    long stamp = rows.getLong(4);
                    if (!rows.wasNull()) {
                        stamps.put(spaceId, stamp);
                    }
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
     * Moves each space's clock past its last value and the present, locking the spaces in id order (no deadlock
     * between two pushes into the same spaces); the locks are held until the push commits, so a space's rows take
     * their stamps in commit order, as a user's do. With a pusher, the same statement queues a change notice for
     * every member of each space, delivered by PostgreSQL when the push commits (never when it rolls back), to
     * every listening instance: {@code userId:clock:pusherClientId:pushedAt} — no round trip of its own while the
     * push holds the spaces.
     *
     * @param pusher the pushing device, when members are to be told (this instance listens)
     * @return space id → the stamp for its rows
     */
    public Map<UUID, Long> stamp(Connection connection, Collection<UUID> spaceIds, long now, Optional<UUID> pusher)
            throws SQLException {
        String sql = "WITH to_stamp AS (SELECT unnest(CAST(? AS UUID[])) AS id),\n" + LOCK_AND_STAMP
                + "SELECT id, sync_clock, told FROM stamped";
        Map<UUID, Long> stamps = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setArray(1, connection.createArrayOf("uuid", spaceIds.toArray()));
            bindStamp(statement, 1, now, pusher);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    stamps.put(rows.getObject(1, UUID.class), rows.getLong(2));
                }
            }
        }
        return stamps;
    }

    /**
     * The stamping of {@link #stamp}, over the ids of a CTE {@code to_stamp} before it: the CTE {@code stamped}
     * (id, sync_clock, told), whose {@code told} counts the notices queued (a column read, so it is evaluated).
     * Parameters: {@link #bindStamp}.
     */
    private static final String LOCK_AND_STAMP = """
            locked AS (SELECT id FROM spaces WHERE id IN (SELECT id FROM to_stamp) ORDER BY id FOR UPDATE),
            stamped AS (
                 UPDATE spaces s SET sync_clock = GREATEST(s.sync_clock + 1, ?)
                   FROM locked WHERE s.id = locked.id
                 RETURNING s.id, s.sync_clock,
                           (SELECT count(pg_notify('sync_changes',
                                                   CAST(m.userid AS TEXT) || ':' || s.sync_clock || ':' || ? || ':' || ?))
                              FROM space_members m WHERE m.spaceid = s.id AND CAST(? AS BOOLEAN)) AS told)
            """;

    /** Binds {@link #LOCK_AND_STAMP}'s parameters after parameter {@code before}. */
    private static void bindStamp(PreparedStatement statement, int before, long now, Optional<UUID> pusher)
            throws SQLException {
        statement.setLong(before + 1, now);
        statement.setString(before + 2, pusher.map(UUID::toString).orElse(""));
        statement.setLong(before + 3, now);
        statement.setBoolean(before + 4, pusher.isPresent());
    }
}
