package org.syncserver.console;

import org.syncserver.db.DatabaseUnavailableException;
import org.syncserver.realm.Realm;
import org.syncserver.realm.Realms;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The operators' audit log ({@code operator_audit}): who did what to which target, when, from which address. An
 * action on a realm is written in that realm's database inside the action's transaction, so no action happens
 * unrecorded; a login goes to the first realm that is up. There is no statement here that changes or removes an
 * entry.
 */
public final class AuditLog {

    /** One entry, as written and as listed. */
    public record Entry(long at, String operator, String action, String realm, String target, String outcome,
                        String address) {
    }

    /** Names and addresses are cut to their columns' sizes; a hostile login name must not fail the insert. */
    private static final int OPERATOR_CHARS = 100;
    private static final int OUTCOME_CHARS = 500;

    private final Realms realms;
    private final Clock clock;

    public AuditLog(Realms realms, Clock clock) {
        this.realms = realms;
        this.clock = clock;
    }

    /** Writes an entry of an action on the realm, in the caller's transaction. */
    void record(Connection connection, Operator operator, String action, Realm realm, String target, String outcome)
            throws SQLException {
        insert(connection, new Entry(clock.millis(), operator.name(), action, realm.name(), target, outcome,
                operator.address()));
    }

    /** Writes an entry that concerns no realm (a login) to the first realm that is up. */
    void record(String operatorName, String address, String action, String outcome) {
        Realm home = realms.all().stream().filter(Realm::isReady).findFirst()
                .orElseThrow(() -> new DatabaseUnavailableException("(any)", null));
        Entry entry = new Entry(clock.millis(), operatorName, action, null, null, outcome, address);
        home.database().inTransaction(connection -> {
            insert(connection, entry);
            return null;
        });
    }

    /**
     * Writes an entry of an action that was refused, failed or cut short (the action's own transaction rolled back),
     * or of how a long action ended, in a transaction of its own: in the realm's database when the realm exists and is up, else in the first realm that is.
     */
    void recordOutcome(Operator operator, String action, String realmName, String target, String outcome) {
        Realm home = realms.all().stream().filter(realm -> realm.name().equals(realmName) && realm.isReady())
                .findFirst()
                .or(() -> realms.all().stream().filter(Realm::isReady).findFirst())
                .orElseThrow(() -> new DatabaseUnavailableException("(any)", null));
        Entry entry = new Entry(clock.millis(), operator.name(), action, cut(realmName, OPERATOR_CHARS), target,
                outcome, operator.address());
        home.database().inTransaction(connection -> {
            insert(connection, entry);
            return null;
        });
    }

    /** The newest entries of every realm that is up, newest first. */
    List<Entry> newest(int limit) {
        List<Entry> all = new ArrayList<>();
        realms.forEachReady("audit log listing", realm -> all.addAll(
                realm.database().withConnection(connection -> newest(connection, limit))));
        all.sort(Comparator.comparingLong(Entry::at).reversed());
        return all.size() > limit ? List.copyOf(all.subList(0, limit)) : List.copyOf(all);
    }

    private static void insert(Connection connection, Entry entry) throws SQLException {
        String sql = """
                INSERT INTO operator_audit (at, operator, action, realm, target, outcome, address)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, entry.at());
            statement.setString(2, cut(entry.operator(), OPERATOR_CHARS));
            statement.setString(3, entry.action());
            statement.setString(4, entry.realm());
            statement.setString(5, entry.target());
            statement.setString(6, cut(entry.outcome(), OUTCOME_CHARS));
            statement.setString(7, cut(entry.address(), OPERATOR_CHARS));
            statement.executeUpdate();
        }
    }

    private static List<Entry> newest(Connection connection, int limit) throws SQLException {
        String sql = """
                SELECT at, operator, action, realm, target, outcome, address
                  FROM operator_audit
                 ORDER BY at DESC, id DESC
                 LIMIT ?
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setInt(1, limit);
            List<Entry> entries = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    entries.add(new Entry(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getString(4),
                            rows.getString(5), rows.getString(6), rows.getString(7)));
                }
            }
            return entries;
        }
    }

    /** Also drops NUL, which PostgreSQL text cannot hold. */
    private static String cut(String text, int max) {
        if (text == null) {
            return null;
        }
        String clean = text.replace("\u0000", "");
        return clean.length() <= max ? clean : clean.substring(0, max);
    }
}
