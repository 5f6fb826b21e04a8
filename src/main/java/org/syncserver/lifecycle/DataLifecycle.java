package org.syncserver.lifecycle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.config.Config;
import org.syncserver.config.Quotas;
import org.syncserver.error.NotFoundException;
import org.syncserver.metrics.Metrics;
import org.syncserver.realm.Realm;
import org.syncserver.realm.Realms;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * What keeps a realm's storage bounded and its devices seen (PROTOCOL §13): the tombstone purge, the stuck-device
 * and usage figures for metrics, and the lists the console shows. The pushes and pulls that feed it live in sync.
 */
public final class DataLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DataLifecycle.class);
    /**
     * Owners (users, spaces) a purge statement looks at, and tombstones it removes at most: short statements,
     * short row locks.
     */
    static final int PURGE_OWNERS = 1_000;
    static final int PURGE_ROWS = 5_000;
    public static final int MAX_LIST = 500;

    /** What the console shows of one user: usage against the realm's limits, and each device's state. */
    public record UserState(LifecycleRepository.Usage usage, Quotas quotas,
                            List<LifecycleRepository.DeviceState> devices) {
    }

    private final LifecycleRepository repository = new LifecycleRepository();
    private final Realms realms;
    private final Config.Lifecycle settings;
    private final Clock clock;
    private final Metrics metrics;

    public DataLifecycle(Realms realms, Config.Lifecycle settings, Clock clock, Metrics metrics) {
        this.realms = realms;
        this.settings = settings;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** Removes every tombstone that all devices able to need it have acknowledged, realm by realm. */
    public void purgeTombstones() {
        realms.forEachReady("purging acknowledged tombstones", realm -> {
            long purged = purge(realm);
            metrics.tombstonesPurged(realm.name(), purged);
            if (purged > 0) {
                log.info("Realm {}: {} tombstones purged (every device had acknowledged them)", realm.name(), purged);
            }
        });
    }

    /** @return how many tombstones were removed: the users' tombstones, then the spaces' */
    public long purge(Realm realm) {
        return purge(realm, repository::purge) + purge(realm, repository::purgeSpaces);
    }

    /** One statement of the purge: a page of owners after the given one. */
    private interface PurgeStatement {
        LifecycleRepository.PurgePage run(Connection connection, UUID after, int owners, int rows)
                throws SQLException;
    }

    private long purge(Realm realm, PurgeStatement statement) {
        long purged = 0;
        UUID after = null;
        while (true) {
            UUID from = after;
            LifecycleRepository.PurgePage page = realm.database().withConnection(connection ->
                    statement.run(connection, from, PURGE_OWNERS, PURGE_ROWS));
            purged += page.purged();
            if (page.purged() == PURGE_ROWS) {
                continue; // the same owners hold more
            }
            if (page.owners() < PURGE_OWNERS) {
                return purged;
            }
            after = page.lastOwner().orElseThrow();
        }
    }

    /**
     * Registers each realm's figures (stuck devices, usage) as gauges, read from the database when scraped, at most
     * once per {@link #FIGURES_FOR}: a scrape every few seconds costs the database one small statement now and then.
     */
    public void registerFigures() {
        for (Realm realm : realms.all()) {
            Figures figures = new Figures(realm);
            metrics.realmGauge("sync.devices.stuck", "devices whose last " + LifecycleRepository.STUCK_AFTER
                    + " or more sync attempts failed", realm.name(), () -> figures.read().stuckDevices());
            metrics.realmGauge("sync.usage.rows", "live rows stored (tombstones excluded)", realm.name(),
                    () -> figures.read().usage().rows());
            metrics.realmGauge("sync.usage.bytes", "bytes of live row data stored, as sent", realm.name(),
                    () -> figures.read().usage().bytes());
        }
    }

    static final Duration FIGURES_FOR = Duration.ofSeconds(10);
    private static final LifecycleRepository.RealmFigures NO_FIGURES =
            new LifecycleRepository.RealmFigures(0, new LifecycleRepository.Usage(0, 0));

    /** One realm's figures, read again once they are older than {@link #FIGURES_FOR}. */
    private final class Figures {
        private final Realm realm;
        private LifecycleRepository.RealmFigures last = NO_FIGURES;
        private boolean read;
        private long readAt;

        Figures(Realm realm) {
            this.realm = realm;
        }

        synchronized LifecycleRepository.RealmFigures read() {
            long now = clock.millis();
            if (realm.isReady() && (!read || now - readAt >= FIGURES_FOR.toMillis())) {
                try {
                    last = realm.database().withConnection(repository::figures);
                    read = true;
                    readAt = now;
                } catch (RuntimeException e) {
                    log.warn("Realm {}: could not read the stuck devices and usage: {}", realm.name(), e.getMessage());
                }
            }
            return last;
        }
    }

    public List<LifecycleRepository.DeviceState> stuckDevices(String realmName, int limit) {
        return realms.require(realmName).database().withConnection(connection ->
                repository.stuck(connection, Math.clamp(limit, 1, MAX_LIST)));
    }

    /** Devices not seen for {@code days} or more, each with the tombstones it holds back. */
    public List<LifecycleRepository.DeviceState> unseenDevices(String realmName, Duration unseenFor, int limit) {
        long before = clock.millis() - unseenFor.toMillis();
        return realms.require(realmName).database().withConnection(connection ->
                repository.unseenSince(connection, before, Math.clamp(limit, 1, MAX_LIST)));
    }

    public UserState user(String realmName, UUID userId) {
        return realms.require(realmName).database().withConnection(connection -> {
            LifecycleRepository.Usage usage = repository.usage(connection, userId)
                    .orElseThrow(() -> new NotFoundException("No user " + userId + " in realm " + realmName));
            return new UserState(usage, settings.quotas(realmName), repository.ofUser(connection, userId));
        });
    }
}
