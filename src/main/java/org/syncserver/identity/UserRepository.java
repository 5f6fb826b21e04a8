package org.syncserver.identity;

import org.syncserver.identity.PasswordHasher;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** SQL of the {@code users} table. */
public final class UserRepository {

    /** What another feature must do, in the deleting transaction, before a user's rows go (e.g. leave spaces). */
    public interface Departure {
        void before(Connection connection, UUID userId) throws SQLException;
    }

    private final Departure departure;
    private final Erasures erasures;

    /**
     * @param departure runs first in every deletion of a user
     * @param erasures  told of every user deleted with all their data
     */
    public UserRepository(Departure departure, Erasures erasures) {
        this.departure = departure;
        this.erasures = erasures;
    }

    private static final String COLUMNS = "id, name, email, password, salt, language, tokens_valid_after";

    /** Case-insensitive; an exact match wins should an old database hold the same address twice. */
    public Optional<User> findByEmail(Connection connection, String email) throws SQLException {
        String sql = "SELECT " + COLUMNS + """
                 FROM users
                WHERE lower(email) = lower(?)
                ORDER BY (email = ?) DESC
                LIMIT 1
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, email);
            statement.setString(2, email);
            return single(statement);
        }
    }

    public Optional<User> findById(Connection connection, UUID id) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT " + COLUMNS + " FROM users WHERE id = ?")) {
            statement.setObject(1, id);
            return single(statement);
        }
    }

    /** @return false when the e-mail is taken (two registrations raced) */
    public boolean insert(Connection connection, User user) throws SQLException {
        String sql = """
                INSERT INTO users (id, name, email, password, salt, language, tokens_valid_after)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, user.id());
            statement.setString(2, user.name());
            statement.setString(3, user.email());
            statement.setString(4, user.passwordHash());
            statement.setString(5, user.salt());
            statement.setString(6, user.language());
            statement.setLong(7, user.tokensValidAfter());
            return statement.executeUpdate() == 1;
        }
    }

    /** Stores a new hash; when {@code revokeTokensBefore} is set, tokens issued before it stop working. */
    public void updatePassword(Connection connection, UUID userId, PasswordHasher.Stored password,
                               long revokeTokensBefore) throws SQLException {
        String sql = """
                UPDATE users
                   SET password = ?, salt = ?, tokens_valid_after = GREATEST(tokens_valid_after, ?)
                 WHERE id = ?
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, password.hash());
            statement.setString(2, password.salt());
            statement.setLong(3, revokeTokensBefore);
            statement.setObject(4, userId);
            statement.executeUpdate();
        }
    }

    /**
     * Removes the user and everything that hangs off it, in the caller's transaction: every table that holds a
     * user's id, a device of the user, or (the Node server's {@code data}) a row the user's log names.
     *
     * @return how many rows went, by what they were (users, devices, tokens, ...), in deletion order
     */
    public Map<String, Integer> deleteWithAllData(Connection connection, UUID userId) throws SQLException {
        lockUserAndDevices(connection, userId);
        departure.before(connection, userId);
        erasures.record(userId);
        Map<String, Integer> deleted = new LinkedHashMap<>();
        for (Map.Entry<String, String> step : DELETE_USER.entrySet()) {
            try (PreparedStatement statement = connection.prepareStatement(step.getValue())) {
                statement.setObject(1, userId);
                deleted.merge(step.getKey(), statement.executeUpdate(), Integer::sum);
            }
        }
        return deleted;
    }

    /**
     * Takes the row locks a push takes, in the push's order (its device's row, then the user's clock), before
     * anything is deleted. A push that got there first commits before the delete reads, so its rows go too; a push
     * that comes later finds no device and stores nothing. Deleting rows first and locking afterwards left the rows
     * of a push that committed in between behind, for a user who asked to be forgotten.
     */
    private static void lockUserAndDevices(Connection connection, UUID userId) throws SQLException {
        for (String sql : List.of("SELECT 1 FROM user_clients WHERE userid = ? ORDER BY clientid FOR UPDATE",
                "SELECT 1 FROM users WHERE id = ? FOR UPDATE")) {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setObject(1, userId);
                statement.executeQuery().close();
            }
        }
    }

    /** What {@link #deleteWithAllData} removes, children before their parents. */
    private static final Map<String, String> DELETE_USER = orderedMap(
            "tokens", "DELETE FROM user_tokens WHERE clientid IN (SELECT clientid FROM user_clients WHERE userid = ?)",
            "pins", "DELETE FROM users_pin WHERE userid = ?",
            "pinIssuance", "DELETE FROM pin_issuance WHERE userid = ?",
            "rows", "DELETE FROM sync_rows WHERE userid = ?",
            "legacyRows", "DELETE FROM data WHERE rowguid IN (SELECT rowguid FROM sync_data WHERE userid = ?)",
            "legacyLog", "DELETE FROM sync_data WHERE userid = ?",
            "conflicts", "DELETE FROM sync_conflicts WHERE userid = ?",
            "uploadChunks", "DELETE FROM upload_chunks WHERE userid = ?",
            "uploadOutcomes", "DELETE FROM upload_outcomes WHERE userid = ?",
            "revokedDevices", "DELETE FROM revoked_clients WHERE userid = ?",
            "cursorVectors", "DELETE FROM cursor_vectors WHERE clientid IN (SELECT clientid FROM user_clients WHERE userid = ?)",
            "corrections", "DELETE FROM sync_corrections WHERE clientid IN (SELECT clientid FROM user_clients WHERE userid = ?)",
            "devices", "DELETE FROM user_clients WHERE userid = ?",
            "users", "DELETE FROM users WHERE id = ?");

    private static Map<String, String> orderedMap(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }

    private static Optional<User> single(PreparedStatement statement) throws SQLException {
        try (ResultSet rows = statement.executeQuery()) {
            if (!rows.next()) {
                return Optional.empty();
            }
            return Optional.of(new User(rows.getObject("id", UUID.class), rows.getString("name"),
                    rows.getString("email"), rows.getString("password"), rows.getString("salt"),
                    rows.getString("language"), rows.getLong("tokens_valid_after")));
        }
    }
}
