package org.syncserver.identity;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Optional;
import java.util.List;
import java.util.UUID;

/** SQL of the {@code user_clients} table: the devices of each user. */
public final class ClientRepository {

    /** @return the owner of the client, if the client is registered */
    public Optional<UUID> findOwner(Connection connection, UUID clientId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT userid FROM user_clients WHERE clientid = ?")) {
            statement.setObject(1, clientId);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(rows.getObject(1, UUID.class)) : Optional.empty();
            }
        }
    }

    /** @return false when the clientId is already taken (by anyone), or was revoked by an operator */
    public boolean insert(Connection connection, UUID clientId, UUID userId, String detailsJson) throws SQLException {
        String sql = """
                INSERT INTO user_clients (clientid, userid, clientdetails)
                SELECT ?, ?, CAST(? AS JSONB)
                 WHERE NOT EXISTS (SELECT 1 FROM revoked_clients WHERE clientid = ?)
                ON CONFLICT (clientid) DO NOTHING
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, clientId);
            statement.setObject(2, userId);
            if (detailsJson == null) {
                statement.setNull(3, Types.VARCHAR);
            } else {
                statement.setString(3, detailsJson);
            }
            statement.setObject(4, clientId);
            return statement.executeUpdate() == 1;
        }
    }

    /** How many devices the user has, taking the user's row lock until the transaction ends. */
    public long countLockingUser(Connection connection, UUID userId) throws SQLException {
        String sql = """
                WITH owner AS (SELECT id FROM users WHERE id = ? FOR UPDATE)
                SELECT count(c.clientid) FROM owner LEFT JOIN user_clients c ON c.userid = owner.id
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, userId);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    /** Removes one device of a user and its tokens. */
    public void delete(Connection connection, UUID userId, UUID clientId) throws SQLException {
        // The device's tokens, and what sync keeps per device where tables are shared (its cursors' vectors and
        // pending corrections), then the device itself.
        for (String sql : List.of(
                "DELETE FROM user_tokens WHERE clientid = ? AND clientid IN (SELECT clientid FROM user_clients WHERE userid = ?)",
                "DELETE FROM cursor_vectors WHERE clientid = ? AND clientid IN (SELECT clientid FROM user_clients WHERE userid = ?)",
                "DELETE FROM sync_corrections WHERE clientid = ? AND clientid IN (SELECT clientid FROM user_clients WHERE userid = ?)",
                "DELETE FROM user_clients WHERE clientid = ? AND userid = ?")) {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setObject(1, clientId);
                statement.setObject(2, userId);
                statement.executeUpdate();
            }
        }
    }
}
