package org.syncserver.identity;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;

/** SQL of {@code user_tokens}: one access and one refresh token per client, stored as digests. */
public final class TokenRepository {

    /** A stored token pair and whose it is. */
    public record Entry(UUID clientId, UUID userId, String email, long issuedAt) {
    }

    /** A login's pair: replaces the client's pair, and is a new login (which ends the streams of the old one). */
    public void store(Connection connection, UUID clientId, String accessDigest, String refreshDigest, long issuedAt)
            throws SQLException {
        String sql = """
                INSERT INTO user_tokens (clientid, token, refreshtoken, lastrefresh, login_id)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (clientid) DO UPDATE
                   SET token = EXCLUDED.token, refreshtoken = EXCLUDED.refreshtoken, lastrefresh = EXCLUDED.lastrefresh,
                       login_id = EXCLUDED.login_id
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, clientId);
            statement.setString(2, accessDigest);
            statement.setString(3, refreshDigest);
            statement.setLong(4, issuedAt);
            statement.setObject(5, UUID.randomUUID());
            statement.executeUpdate();
        }
    }

    public Optional<Entry> findByAccess(Connection connection, String accessDigest) throws SQLException {
        String sql = """
                SELECT t.clientid, c.userid, u.email, t.lastrefresh
                  FROM user_tokens t
                  JOIN user_clients c ON c.clientid = t.clientid
                  JOIN users u ON u.id = c.userid
                 WHERE t.token = ?
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, accessDigest);
            return entry(statement);
        }
    }

    /**
     * Replaces the pair whose refresh token has this digest, if it was issued after {@code issuedAfter}. One
     * statement: a refresh token used twice (stolen, or two requests racing) succeeds once.
     *
     * @return whose pair it was; empty when no unexpired pair has that refresh token
     */
    public Optional<Entry> rotate(Connection connection, String oldRefreshDigest, String accessDigest,
                                  String refreshDigest, long now, long issuedAfter) throws SQLException {
        String sql = """
                UPDATE user_tokens t
                   SET token = ?, refreshtoken = ?, lastrefresh = ?
                  FROM user_clients c
                  JOIN users u ON u.id = c.userid
                 WHERE t.refreshtoken = ? AND t.lastrefresh > ? AND c.clientid = t.clientid
                RETURNING t.clientid, c.userid, u.email, t.lastrefresh
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, accessDigest);
            statement.setString(2, refreshDigest);
            statement.setLong(3, now);
            statement.setString(4, oldRefreshDigest);
            statement.setLong(5, issuedAfter);
            return entry(statement);
        }
    }

    public void deleteForUser(Connection connection, UUID userId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "DELETE FROM user_tokens WHERE clientid IN (SELECT clientid FROM user_clients WHERE userid = ?)")) {
            statement.setObject(1, userId);
            statement.executeUpdate();
        }
    }

    private static Optional<Entry> entry(PreparedStatement statement) throws SQLException {
        try (ResultSet rows = statement.executeQuery()) {
            if (!rows.next()) {
                return Optional.empty();
            }
            return Optional.of(new Entry(rows.getObject(1, UUID.class), rows.getObject(2, UUID.class),
                    rows.getString(3), rows.getLong(4)));
        }
    }
}
