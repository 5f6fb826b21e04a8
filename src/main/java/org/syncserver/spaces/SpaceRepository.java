package org.syncserver.spaces;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** SQL of membership and invitations ({@code spaces}, {@code space_members}, {@code space_invitations}). */
final class SpaceRepository {

    /** A space as its member sees it. @param rows its live rows */
    record Space(UUID id, String name, Role role, long rows) {
    }

    record Member(UUID spaceId, UUID userId, String email, String name, Role role, long since) {
    }

    record Invitation(UUID id, UUID spaceId, String spaceName, String email, Role role, String fromName,
                      String fromEmail, long expiresAt) {
    }

    record Account(String email, String name, String language) {
    }

    List<Space> spacesOf(Connection connection, UUID userId) throws SQLException {
        return list(connection, """
                SELECT s.id, s.name, m.role, s.live_rows
                  FROM space_members m JOIN spaces s ON s.id = m.spaceid
                 WHERE m.userid = ? AND s.deleted_at IS NULL
                 ORDER BY s.created_at, s.id
                """, userId, rows -> new Space(rows.getObject(1, UUID.class), rows.getString(2),
                Role.fromWire(rows.getString(3)), rows.getLong(4)));
    }

    /** A realm's spaces, newest first. */
    List<SpaceSummary> summaries(Connection connection, int limit) throws SQLException {
        return list(connection, """
                SELECT s.id, s.name, (SELECT count(*) FROM space_members m WHERE m.spaceid = s.id),
                       s.live_rows, s.live_bytes, s.created_at, COALESCE(s.deleted_at, 0)
                  FROM spaces s ORDER BY s.created_at DESC, s.id LIMIT ?
                """, limit, rows -> new SpaceSummary(rows.getObject(1, UUID.class), rows.getString(2), rows.getInt(3),
                rows.getLong(4), rows.getLong(5), rows.getLong(6), rows.getLong(7)));
    }

    /** The members of the spaces, longest-standing first. */
    List<Member> members(Connection connection, List<UUID> spaceIds) throws SQLException {
        String sql = """
                SELECT m.spaceid, m.userid, u.email, u.name, m.role, m.since
                  FROM space_members m JOIN users u ON u.id = m.userid
                 WHERE m.spaceid = ANY(CAST(? AS UUID[]))
                 ORDER BY m.since, m.userid
                """;
        return list(connection, sql, connection.createArrayOf("uuid", spaceIds.toArray()),
                rows -> new Member(rows.getObject(1, UUID.class), rows.getObject(2, UUID.class), rows.getString(3),
                        rows.getString(4), Role.fromWire(rows.getString(5)), rows.getLong(6)));
    }

    /**
     * The user's role in a space that is not deleted, locking the space's row until the caller commits: membership
     * changes of one space happen one after the other, so "the last owner" is always known.
     */
    Optional<Role> lockAndGetRole(Connection connection, UUID spaceId, UUID userId) throws SQLException {
        String sql = """
                WITH locked AS (SELECT id FROM spaces WHERE id = ? AND deleted_at IS NULL FOR UPDATE)
                SELECT m.role FROM locked LEFT JOIN space_members m ON m.spaceid = locked.id AND m.userid = ?
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, spaceId);
            statement.setObject(2, userId);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() && rows.getString(1) != null ? Optional.of(Role.fromWire(rows.getString(1)))
                        : Optional.empty();
            }
        }
    }

    Optional<Role> roleOf(Connection connection, UUID spaceId, UUID userId) throws SQLException {
        List<Role> roles = list(connection, "SELECT role FROM space_members WHERE spaceid = ? AND userid = ?",
                List.of(spaceId, userId), rows -> Role.fromWire(rows.getString(1)));
        return roles.stream().findFirst();
    }

    int count(Connection connection, UUID spaceId, Optional<Role> role) throws SQLException {
        String sql = "SELECT count(*) FROM space_members WHERE spaceid = ? AND (CAST(? AS TEXT) IS NULL OR role = ?)";
        String wire = role.map(Role::wireName).orElse(null);
        return list(connection, sql, List.of(spaceId, nullable(wire), nullable(wire)), rows -> rows.getInt(1)).get(0);
    }

    void rename(Connection connection, UUID spaceId, String name) throws SQLException {
        update(connection, "UPDATE spaces SET name = ? WHERE id = ?", name, spaceId);
    }

    void setRole(Connection connection, UUID spaceId, UUID userId, Role role) throws SQLException {
        update(connection, "UPDATE space_members SET role = ? WHERE spaceid = ? AND userid = ?", role.wireName(),
                spaceId, userId);
    }

    /** Adds the user, or gives a member the invitation's role. */
    void join(Connection connection, UUID spaceId, UUID userId, Role role, long now) throws SQLException {
        update(connection, """
                INSERT INTO space_members (spaceid, userid, role, since) VALUES (?, ?, ?, ?)
                ON CONFLICT (spaceid, userid) DO UPDATE SET role = EXCLUDED.role
                """, spaceId, userId, role.wireName(), now);
    }

    int remove(Connection connection, UUID spaceId, UUID userId) throws SQLException {
        return update(connection, "DELETE FROM space_members WHERE spaceid = ? AND userid = ?", spaceId, userId);
    }

    /**
     * Ends a space: no one is a member any more (each member's devices get D for its rows at their next pull, as
     * for a member who left), its invitations go, and its id stays taken.
     */
    void end(Connection connection, UUID spaceId, long now) throws SQLException {
        update(connection, "DELETE FROM space_invitations WHERE spaceid = ?", spaceId);
        update(connection, "DELETE FROM space_members WHERE spaceid = ?", spaceId);
        update(connection, "UPDATE spaces SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL", now, spaceId);
    }

    /** The rows of a space no one belongs to any more (its id stays taken). */
    int deleteRows(Connection connection, UUID spaceId) throws SQLException {
        update(connection, "UPDATE spaces SET live_rows = 0, live_bytes = 0 WHERE id = ?", spaceId);
        return update(connection, "DELETE FROM sync_rows WHERE userid = ?", spaceId);
    }

    void invite(Connection connection, Invitation invitation, UUID invitedBy, long now) throws SQLException {
        update(connection, """
                INSERT INTO space_invitations (id, spaceid, email, role, invited_by, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, invitation.id(), invitation.spaceId(), invitation.email(), invitation.role().wireName(),
                invitedBy, now, invitation.expiresAt());
    }

    /** Invitations to the address that have not expired, to spaces that still exist. */
    List<Invitation> invitationsTo(Connection connection, String email, long now) throws SQLException {
        return list(connection, INVITATIONS + " WHERE lower(i.email) = lower(?) AND i.expires_at > ?"
                + " ORDER BY i.created_at", List.of(email, now), SpaceRepository::invitation);
    }

    Optional<Invitation> invitation(Connection connection, UUID id, String email, long now) throws SQLException {
        return list(connection, INVITATIONS + " WHERE i.id = ? AND lower(i.email) = lower(?) AND i.expires_at > ?",
                List.of(id, email, now), SpaceRepository::invitation).stream().findFirst();
    }

    private static final String INVITATIONS = """
            SELECT i.id, i.spaceid, s.name, i.email, i.role, u.name, u.email, i.expires_at
              FROM space_invitations i JOIN spaces s ON s.id = i.spaceid AND s.deleted_at IS NULL
              LEFT JOIN users u ON u.id = i.invited_by""";

    private static Invitation invitation(ResultSet rows) throws SQLException {
        return new Invitation(rows.getObject(1, UUID.class), rows.getObject(2, UUID.class), rows.getString(3),
                rows.getString(4), Role.fromWire(rows.getString(5)), rows.getString(6), rows.getString(7),
                rows.getLong(8));
    }

    int deleteInvitation(Connection connection, UUID id) throws SQLException {
        return update(connection, "DELETE FROM space_invitations WHERE id = ?", id);
    }

    int pendingInvitations(Connection connection, UUID spaceId, long now) throws SQLException {
        return list(connection, "SELECT count(*) FROM space_invitations WHERE spaceid = ? AND expires_at > ?",
                List.of(spaceId, now), rows -> rows.getInt(1)).get(0);
    }

    Optional<Account> account(Connection connection, UUID userId) throws SQLException {
        return list(connection, "SELECT email, name, language FROM users WHERE id = ?", userId,
                rows -> new Account(rows.getString(1), rows.getString(2), rows.getString(3))).stream().findFirst();
    }

    Optional<Account> accountByEmail(Connection connection, String email) throws SQLException {
        return list(connection, "SELECT email, name, language FROM users WHERE lower(email) = lower(?) LIMIT 1",
                email, rows -> new Account(rows.getString(1), rows.getString(2), rows.getString(3)))
                .stream().findFirst();
    }

    /** The spaces the user belongs to, locked in id order (as a push locks them). */
    List<UUID> lockSpacesOf(Connection connection, UUID userId) throws SQLException {
        return list(connection, """
                SELECT s.id FROM spaces s JOIN space_members m ON m.spaceid = s.id AND m.userid = ?
                 ORDER BY s.id FOR UPDATE OF s
                """, userId, rows -> rows.getObject(1, UUID.class));
    }

    /**
     * The member who takes over a space whose last owner goes: the longest-standing editor, else reader.
     */
    Optional<UUID> successor(Connection connection, UUID spaceId, UUID leaving) throws SQLException {
        return list(connection, """
                SELECT userid FROM space_members WHERE spaceid = ? AND userid <> ?
                 ORDER BY role = 'editor' DESC, since, userid LIMIT 1
                """, List.of(spaceId, leaving), rows -> rows.getObject(1, UUID.class)).stream().findFirst();
    }

    /**
     * A user being deleted leaves no data in the journals of the spaces it was in: the rowData its devices lost
     * with is scrubbed (the entries stay, so the other members still see that a conflict happened).
     */
    int scrubJournals(Connection connection, UUID userId, List<UUID> spaceIds) throws SQLException {
        return update(connection, """
                UPDATE sync_conflicts SET loser_json = NULL
                 WHERE userid = ANY(CAST(? AS UUID[])) AND loser_json IS NOT NULL
                   AND loser_clientid IN (SELECT clientid FROM user_clients WHERE userid = ?)
                """, connection.createArrayOf("uuid", spaceIds.toArray()), userId);
    }

    int deleteInvitationsBy(Connection connection, UUID userId) throws SQLException {
        return update(connection, "DELETE FROM space_invitations WHERE invited_by = ?", userId);
    }

    /**
     * Tells the user's listening devices that something changed for them (a space joined or left), so that they
     * pull: the same notice as a push's, from no device.
     */
    void notifyUsers(Connection connection, List<UUID> userIds, long now) throws SQLException {
        if (userIds.isEmpty()) {
            return;
        }
        String sql = """
                SELECT pg_notify('sync_changes', CAST(u AS TEXT) || ':' || ? || ':' || ? || ':' || ?)
                  FROM unnest(CAST(? AS UUID[])) AS u
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, now);
            statement.setString(2, new UUID(0, 0).toString());
            statement.setLong(3, now);
            statement.setArray(4, connection.createArrayOf("uuid", userIds.toArray()));
            statement.executeQuery().close();
        }
    }

    /** Reads one value per row. */
    private interface RowReader<T> {
        T read(ResultSet rows) throws SQLException;
    }

    private static <T> List<T> list(Connection connection, String sql, Object parameter, RowReader<T> reader)
            throws SQLException {
        return list(connection, sql, List.of(parameter), reader);
    }

    private static <T> List<T> list(Connection connection, String sql, List<?> parameters, RowReader<T> reader)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, parameters.toArray());
            List<T> values = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    values.add(reader.read(rows));
                }
            }
            return values;
        }
    }

    private static int update(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, parameters);
            return statement.executeUpdate();
        }
    }

    /** A SQL NULL among the parameters of {@link #list}, which List.of cannot hold. */
    private static final Object NULL = new Object();

    private static Object nullable(Object value) {
        return value == null ? NULL : value;
    }

    private static void bind(PreparedStatement statement, Object[] parameters) throws SQLException {
        for (int i = 0; i < parameters.length; i++) {
            statement.setObject(i + 1, parameters[i] == NULL ? null : parameters[i]);
        }
    }
}
