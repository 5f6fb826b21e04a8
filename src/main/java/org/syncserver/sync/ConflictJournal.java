package org.syncserver.sync;

import org.syncserver.error.BadRequestException;
import org.syncserver.identity.Principal;
import org.syncserver.realm.Realm;
import org.syncserver.realm.Realms;

import java.sql.Connection;
import org.syncserver.config.Sharing;
import org.syncserver.spaces.SpaceAccess;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Reads the conflict journal (PROTOCOL §11.3), which pushes and pulls write as they decide, and removes entries
 * past their retention. SQL of {@code sync_conflicts}, besides the writes in {@link SyncRepository}.
 */
public final class ConflictJournal {

    static final int DEFAULT_PAGE = 100;
    public static final int MAX_PAGE = 1_000;
    private static final int PURGE_BATCH = 1_000;

    /** One side of a conflict. @param rowData the loser's data when the server had it; null otherwise */
    public record Side(UUID clientid, long clientdate, String operation, String rowData) {
    }

    /** One journal entry. @param at when the server decided it, in epoch milliseconds */
    public record Entry(long id, long at, UUID rowguid, String tablename, String kind, Side winner, Side loser) {
    }

    /** A page of the journal, newest first. @param next the cursor of the next (older) page; empty at the end */
    public record Page(List<Entry> entries, Optional<Long> next) {
    }

    private final Clock clock;
    private final Duration retention;
    private final Sharing sharing;
    private final SpaceAccess spaces;

    /** @param sharing where a user's journal also holds the conflicts of the spaces it belongs to */
    public ConflictJournal(Clock clock, Duration retention, Sharing sharing, SpaceAccess spaces) {
        this.clock = clock;
        this.retention = retention;
        this.sharing = sharing;
        this.spaces = spaces;
    }

    /**
     * The user's conflicts, newest first.
     *
     * @param since  only entries decided at or after this instant (epoch ms)
     * @param before only entries older than this cursor (a previous page's {@code next})
     */
    public Page list(Realm realm, Principal principal, long since, Optional<Long> before, int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new BadRequestException("'limit' must be from 1 to " + MAX_PAGE);
        }
        List<Entry> entries = realm.database().withConnection(connection -> page(connection,
                journalsOf(connection, realm, principal.userId()), since, before.orElse(Long.MAX_VALUE), limit + 1));
        Optional<Long> next = Optional.empty();
        if (entries.size() > limit) {
            entries = entries.subList(0, limit);
            next = Optional.of(entries.get(limit - 1).id());
        }
        return new Page(List.copyOf(entries), next);
    }

    /** Removes entries older than the retention from every realm, in small batches: no long lock. */
    public void purge(Realms realms) {
        long before = clock.millis() - retention.toMillis();
        realms.forEachReady("removing expired conflict journal entries", realm -> {
            int removed;
            do {
                removed = realm.database().withConnection(connection -> purge(connection, before));
            } while (removed == PURGE_BATCH);
        });
    }

    /** The user's own journal and, where tables are shared, those of the spaces it sees (a conflict between two
     * members is shown to both). */
    private List<UUID> journalsOf(Connection connection, Realm realm, UUID userId) throws SQLException {
        List<UUID> owners = new ArrayList<>(List.of(userId));
        if (sharing.shares(realm.name())) {
            owners.addAll(spaces.seenBy(connection, userId).ids());
        }
        return owners;
    }

    /** Uses the (userid, id DESC) index: a page costs the same whatever the journal's size. */
    private static List<Entry> page(Connection connection, List<UUID> owners, long since, long before, int limit)
            throws SQLException {
        String sql = """
                SELECT id, at, rowguid, tablename, kind, winner_clientid, winner_clientdate, winner_operation,
                       loser_clientid, loser_clientdate, loser_operation, CAST(loser_json AS TEXT)
                  FROM sync_conflicts
                 WHERE userid = ANY(CAST(? AS UUID[])) AND id < ? AND at >= ?
                 ORDER BY id DESC
                 LIMIT ?
                """;
        List<Entry> entries = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setArray(1, connection.createArrayOf("uuid", owners.toArray()));
            statement.setLong(2, before);
            statement.setLong(3, since);
            statement.setInt(4, limit);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    entries.add(new Entry(rows.getLong(1), rows.getLong(2), rows.getObject(3, UUID.class),
                            rows.getString(4), rows.getString(5),
                            new Side(rows.getObject(6, UUID.class), rows.getLong(7), rows.getString(8), null),
                            new Side(rows.getObject(9, UUID.class), rows.getLong(10), rows.getString(11),
                                    rows.getString(12))));
                }
            }
        }
        return entries;
    }

    /** Oldest first through the {@code at} index, a batch at a time. */
    private static int purge(Connection connection, long before) throws SQLException {
        String sql = """
                DELETE FROM sync_conflicts
                 WHERE id IN (SELECT id FROM sync_conflicts WHERE at < ? ORDER BY at LIMIT ?)
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, before);
            statement.setInt(2, PURGE_BATCH);
            return statement.executeUpdate();
        }
    }
}
