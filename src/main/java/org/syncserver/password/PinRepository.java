package org.syncserver.password;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;

/**
 * SQL of {@code users_pin} (at most one PIN per user, stored as a digest, with its count of attempts) and of
 * {@code pin_issuance} (how many PINs the user got this window).
 */
final class PinRepository {

    /** A PIN as stored, after the attempt being made was counted. */
    record StoredPin(UUID userId, String digest, long createdAt, int attempts) {
    }

    /**
     * Counts one more PIN issued to the user, unless {@code maxIssued} were already issued since
     * {@code windowStart}. The count has its own row so that no wrong guess, expiry or change of the PIN resets it.
     *
     * @return whether a PIN may be issued
     */
    boolean countIssuance(Connection connection, UUID userId, long now, long windowStart, int maxIssued)
            throws SQLException {
        String sql = """
                INSERT INTO pin_issuance AS i (userid, issued, issued_since)
                VALUES (?, 1, ?)
                ON CONFLICT (userid) DO UPDATE
                   SET issued = CASE WHEN i.issued_since > ? THEN i.issued + 1 ELSE 1 END,
                       issued_since = CASE WHEN i.issued_since > ? THEN i.issued_since ELSE EXCLUDED.issued_since END
                 WHERE i.issued_since <= ? OR i.issued < ?
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, userId);
            statement.setLong(2, now);
            statement.setLong(3, windowStart);
            statement.setLong(4, windowStart);
            statement.setLong(5, windowStart);
            statement.setInt(6, maxIssued);
            return statement.executeUpdate() == 1;
        }
    }

    /** Replaces the user's PIN, with a fresh count of attempts; call only after {@link #countIssuance} allowed it. */
    void replace(Connection connection, UUID userId, String digest, long createdAt) throws SQLException {
        String sql = """
                INSERT INTO users_pin AS p (userid, pin, created, attempts)
                VALUES (?, ?, ?, 0)
                ON CONFLICT (userid) DO UPDATE
                   SET pin = EXCLUDED.pin, created = EXCLUDED.created, attempts = 0
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, userId);
            statement.setString(2, digest);
            statement.setLong(3, createdAt);
            statement.executeUpdate();
        }
    }

    /** Counts one attempt against the PIN of the user with this e-mail, in the same statement that reads it. */
    Optional<StoredPin> countAttempt(Connection connection, String email) throws SQLException {
        String sql = """
                UPDATE users_pin p SET attempts = p.attempts + 1
                  FROM users u
                 WHERE u.id = p.userid AND lower(u.email) = lower(?)
                RETURNING p.userid, p.pin, p.created, p.attempts
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, email);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next()
                        ? Optional.of(new StoredPin(rows.getObject(1, UUID.class), rows.getString(2), rows.getLong(3),
                        rows.getInt(4)))
                        : Optional.empty();
            }
        }
    }

    void delete(Connection connection, UUID userId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("DELETE FROM users_pin WHERE userid = ?")) {
            statement.setObject(1, userId);
            statement.executeUpdate();
        }
    }
}
