package org.syncserver.sync;

import org.syncserver.realm.Realm;
import org.syncserver.realm.Realms;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * This server process as the holder of sync locks: every lock it takes names it, and it tells each realm's database
 * every {@link #BEAT} that it is alive. A lock whose instance has not said so for {@link #DEAD_AFTER} is free: a
 * killed server's devices sync again within seconds, not after the 2 minutes a lock is otherwise kept.
 */
public final class SyncInstance {

    static final Duration BEAT = Duration.ofSeconds(2);
    static final Duration DEAD_AFTER = Duration.ofSeconds(15);

    private final AtomicReference<UUID> id = new AtomicReference<>(UUID.randomUUID());
    private final Clock clock;

    public SyncInstance(Clock clock) {
        this.clock = clock;
    }

    UUID id() {
        return id.get();
    }

    /**
     * After a failover: the locks this instance took on the lost primary may not have ended there, and on the new
     * one they look alive as long as this instance beats under their name. A new name, and the old one removed,
     * frees them at once (else a device waits out the 2-minute takeover).
     */
    public void renewAfterFailover(Realm realm) {
        UUID old = id.getAndSet(UUID.randomUUID());
        realm.database().withConnection(connection -> {
            remove(connection, old);
            return null;
        });
    }

    /** Instances that said they were alive before this are dead. */
    long aliveSince() {
        return clock.millis() - DEAD_AFTER.toMillis();
    }

    public Duration beatEvery() {
        return BEAT;
    }

    /** Says, in every realm that is up, that this instance is alive; run every {@link #BEAT}. */
    public void beat(Realms realms) {
        realms.forEachReady("saying this instance is alive", realm -> realm.database().withConnection(connection -> {
            try (PreparedStatement statement = connection.prepareStatement("""
                    INSERT INTO sync_instances (id, seen_at) VALUES (?, ?)
                    ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at
                    """)) {
                statement.setObject(1, id.get());
                statement.setLong(2, clock.millis());
                statement.executeUpdate();
            }
            return null;
        }));
    }

    /** At a clean shutdown: this instance's locks are free at once. */
    public void leave(Realms realms) {
        realms.forEachReady("removing this instance", realm -> realm.database().withConnection(connection -> {
            remove(connection, id.get());
            return null;
        }));
    }

    private static void remove(Connection connection, UUID instance) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("DELETE FROM sync_instances WHERE id = ?")) {
            statement.setObject(1, instance);
            statement.executeUpdate();
        }
    }
}
