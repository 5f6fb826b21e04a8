package org.syncserver.password;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;

/** SQL of {@code users_pin}: at most one PIN per user, stored as a digest, with its count of attempts. */
final class PinRepository {

    /** A PIN as stored, after the attempt being made was counted. */
    record StoredPin(UUID userId, String digest, long createdAt, int attempts) {
    }

    /**
     * Replaces the user's PIN, unless {@code maxIssued} PINs were already issued to the user since
     * {@code windowStart}: then the current PIN stays as it is, attempts included.
     *
     * @return whether the new PIN was stored
     */
    boolean replace(Connection connection, UUID userId, String digest, long createdAt, long windowStart,
                    int maxIssued) throws SQLException {
        String sql = """
                INSERT INTO users_pin AS p (userid, pin, created, attempts, issued, issued_since)
                VALUES (?, ?, ?, 0, 1, ?)
                ON CONFLICT (userid) DO UPDATE
                   SET pin = EXCLUDED.pin, created = EXCLUDED.created, attempts = 0,
                       issued = CASE WHEN p.issued_since > ? THEN p.issued + 1 ELSE 1 END,
                       issued_since = CASE WHEN p.issued_since > ? THEN p.issued_since ELSE EXCLUDED.issued_since END
                 WHERE p.issued_since <= ? OR p.issued < ?
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, userId);
            statement.setString(2, digest);
            statement.setLong(3, createdAt);
            statement.setLong(4, createdAt);
            statement.setLong(5, windowStart);
            statement.setLong(6, windowStart);
            statement.setLong(7, windowStart);
            statement.setInt(8, maxIssued);
            return statement.executeUpdate() == 1;
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
