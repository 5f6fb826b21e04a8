package org.syncserver.sync;

import com.fasterxml.jackson.core.JsonFactory;
import org.syncserver.config.Quotas;
import org.syncserver.config.Sharing;
import org.syncserver.error.ConflictException;
import org.syncserver.metrics.Metrics;
import org.syncserver.spaces.SpaceAccess;
import org.syncserver.spaces.Visibility;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;

/**
 * A push in a realm that shares tables (docs/adr/0005-shared-spaces.md): each batch placed under the owners its rows
 * name, the spaces' clocks locked and stamped as the batches need them, the changes the user may not make refused,
 * and quotas charged to the spaces' owners.
 */
final class SharedPush {

    private final SharedRows shared;
    private final SpaceAccess spaces;
    private final Sharing sharing;
    private final Metrics metrics;
    private final JsonFactory json = new JsonFactory();

    SharedPush(SharedRows shared, SpaceAccess spaces, Sharing sharing, Metrics metrics) {
        this.shared = shared;
        this.spaces = spaces;
        this.sharing = sharing;
        this.metrics = metrics;
    }

    /**
     * Rows under the spaces they name or the user (Placement); the spaces' clocks are locked and stamped as the
     * batches need them (their members' devices told, when {@code notify}), and the changes the user may not make
     * are refused and journalled.
     */
    BatchPlacer placer(Connection connection, String realm, UUID userId, UUID clientId, Long lastSync,
                       SyncRepository.Held held, Map<UUID, Long> stamps, long now, boolean notify)
            throws SQLException {
        Map<Long, CursorVector> vectors = shared.vectors(held.vectors());
        CursorVector seen = lastSync == null ? vectors.getOrDefault(held.pulledUpTo(), CursorVector.NOTHING)
                : CursorVector.sent(vectors, lastSync, userId, OptionalLong.of(held.pulledUpTo()));
        Placement placement = new Placement(userId, clientId, sharing.tables(realm), json);
        Optional<UUID> pusher = notify ? Optional.of(clientId) : Optional.empty();
        SpaceLocks locks = new SpaceLocks() {
            @Override
            public Visibility seeAndStamp(Set<UUID> named) throws SQLException {
                return spaces.seenAndStamped(connection, userId, named, stamps, now, pusher);
            }

            @Override
            public void stamp(Set<UUID> spaceIds) throws SQLException {
                stamps.putAll(spaces.stamp(connection, spaceIds, now, pusher));
            }
        };
        return new BatchPlacer() {
            @Override
            public List<SyncRepository.Placed> place(List<PushedChange> batch) throws SQLException {
                return SharedPush.this.place(connection, realm, userId, clientId, batch, placement, seen, held,
                        stamps, locks, now);
            }

            /** The spaces written into join the answer's vector. */
            @Override
            public void finish() throws SQLException {
                Set<UUID> written = new HashSet<>(stamps.keySet());
                written.remove(userId);
                CursorVector pulled = vectors.get(held.pulledUpTo());
                if (pulled != null) {
                    shared.addWrittenSpaces(connection, clientId, held.pulledUpTo(), pulled, written);
                }
            }
        };
    }

    private List<SyncRepository.Placed> place(Connection connection, String realm, UUID userId, UUID clientId,
                                              List<PushedChange> batch, Placement placement, CursorVector seen,
                                              SyncRepository.Held held, Map<UUID, Long> stamps, SpaceLocks locks,
                                              long now) throws SQLException {
        Map<UUID, UUID> namedSpaces = placement.namedSpaces(batch);
        // The spaces the rows name are locked with the visibility read: most batches are then placed in one round.
        Set<UUID> named = new HashSet<>(namedSpaces.values());
        Visibility visibility = locks.seeAndStamp(named);
        Set<UUID> owners = new HashSet<>(visibility.ids());
        owners.add(userId);
        // and the spaces the device saw when its user made the edits: a space the user has left since may still
        // hold the row, which an edit naming another space must not bring to life there too
        owners.addAll(seen.clocks().keySet());
        List<UUID> rowguids = batch.stream().map(PushedChange::rowguid).toList();
        // the spaces the visibility statement created (it cannot stamp its own inserts)
        named.removeIf(space -> !visibility.canWrite(space) || stamps.containsKey(space));
        if (!named.isEmpty()) {
            locks.stamp(named);
        }
        for (int round = 0; round < MAX_PLACING_ROUNDS; round++) {
            Placement.Placed placed = placement.place(batch, namedSpaces, visibility,
                    shared.current(connection, owners, rowguids), seen, stamps);
            Set<UUID> unstamped = new HashSet<>(placed.spaces());
            unstamped.removeAll(stamps.keySet());
            if (unstamped.isEmpty()) {
                if (!placed.refused().isEmpty()) {
                    shared.refuse(connection, userId, clientId, held.serverdate(), now, placed.refused());
                    metrics.conflicts(realm, "refused", placed.refused().size());
                }
                return placed.stored();
            }
            // Rows may have moved before the spaces were locked: place the batch again under the locks.
            locks.stamp(unstamped);
        }
        throw new ConflictException("The rows of this push are moving between spaces right now, please retry");
    }

    /** The push's spaces: seen and stamped (SpaceAccess), their stamps kept with the push's. */
    private interface SpaceLocks {
        /** The user's visibility, the named spaces the user may write locked and stamped with it. */
        Visibility seeAndStamp(Set<UUID> named) throws SQLException;

        void stamp(Set<UUID> spaceIds) throws SQLException;
    }

    /** A batch is placed again while its rows move into spaces it has not locked yet; they settle at once. */
    private static final int MAX_PLACING_ROUNDS = 4;

    /**
     * Quotas where tables are shared: a space's rows count against its owners, so the pusher is judged by its
     * private rows and the spaces it owns, and each owner of a space the push grew by theirs.
     */
    void chargeOwners(Connection connection, Quotas limits, UUID userId, SyncRepository.Usage privateChange,
                      Map<UUID, SyncRepository.Usage> spaceChanges, SyncRepository.Usage announcedFrees)
            throws SQLException {
        for (SpaceAccess.Charged charged : spaces.charged(connection, userId, spaceChanges.keySet())) {
            boolean pusher = charged.userId().equals(userId);
            SyncRepository.Usage change = pusher ? privateChange : SyncRepository.Usage.NONE;
            for (UUID space : charged.owns()) {
                change = change.plus(spaceChanges.get(space));
            }
            QuotaCheck.usage(limits, new SyncRepository.Usage(charged.rows(), charged.bytes()), change,
                    pusher ? announcedFrees : SyncRepository.Usage.NONE, pusher ? "your" : "the space owner's");
        }
    }
}
