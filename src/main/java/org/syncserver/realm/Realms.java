package org.syncserver.realm;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.Timeouts;
import org.syncserver.db.ConnectionFailure;
import org.syncserver.db.Database;
import org.syncserver.db.DatabaseUnavailableException;
import org.syncserver.db.Migrations;
import org.syncserver.error.Failures;
import org.syncserver.error.NotFoundException;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The configured realms, looked up case-insensitively. An unknown realm is never mapped to another one. A realm
 * whose database cannot be reached at start is retried in the background; meanwhile only its own requests fail.
 */
public final class Realms implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Realms.class);
    private final Map<String, Realm> byName;
    /** How often a realm whose database was unreachable is tried again. */
    private final Duration retryInterval;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("realm-retry").daemon().factory());

    private Realms(Map<String, Realm> byName, Duration retryInterval) {
        this.byName = byName;
        this.retryInterval = retryInterval;
    }

    /** Opens a pool per realm and brings every reachable realm database to the current schema. */
    public static Realms open(List<RealmConfig> configs, Timeouts timeouts, MeterRegistry metrics) {
        Map<String, Realm> realms = new LinkedHashMap<>();
        for (RealmConfig config : configs) {
            realms.put(config.name(), new Realm(config.name(), Database.open(config, timeouts, metrics)));
        }
        Realms opened = new Realms(realms, timeouts.realmRetry());
        configs.forEach(config -> opened.migrate(realms.get(config.name()), config, true));
        return opened;
    }

    /** @throws NotFoundException for a realm that is not configured; DatabaseUnavailableException while not ready */
    public Realm require(String name) {
        Realm realm = byName.get(name.toLowerCase(Locale.ROOT));
        if (realm == null) {
            throw new NotFoundException("Unknown realm: " + name);
        }
        if (!realm.isReady()) {
            throw new DatabaseUnavailableException(realm.name(), null);
        }
        return realm;
    }

    /** Runs a background task on every realm whose database is ready; a realm it fails on is logged and skipped. */
    public void forEachReady(String task, Consumer<Realm> work) {
        for (Realm realm : all()) {
            if (realm.isReady()) {
                try {
                    work.accept(realm);
                } catch (RuntimeException e) {
                    log.warn("realm {}: {} failed: {}", realm.name(), task, Failures.rootMessage(e));
                }
            }
        }
    }

    public Collection<Realm> all() {
        return byName.values();
    }

    /** Migrates the realm's database and marks the realm ready; on failure, tries again later. */
    private void migrate(Realm realm, RealmConfig config, boolean firstAttempt) {
        try {
            Migrations.migrate(config);
            realm.markReady();
            if (!firstAttempt) {
                log.info("realm {}: database reached, realm ready", realm.name());
            }
        } catch (RuntimeException e) {
            if (firstAttempt) {
                log.error("realm {}: database not reachable or not migratable ({}); retrying every {} s",
                        realm.name(), ConnectionFailure.describe(config, e), retryInterval.toMillis() / 1000.0);
            }
            retries.schedule(() -> migrate(realm, config, false), retryInterval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }


    @Override
    public void close() {
        retries.shutdownNow();
        byName.values().forEach(realm -> realm.database().close());
    }
}
