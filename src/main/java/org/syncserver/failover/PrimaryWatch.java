package org.syncserver.failover;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.metrics.Metrics;
import org.syncserver.realm.Realm;
import org.syncserver.realm.Realms;

import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Notices when a realm's writes land on another PostgreSQL server than before: a failover to a standby (a realm
 * URL naming several hosts), or a managed database whose name now points elsewhere. Each one is logged and counted
 * ({@code sync_database_failovers_total}); the pool and the LISTEN connection move by themselves, this only tells
 * the operator that they did. A thread of its own: a frozen primary may hold a check until the statement timeout.
 */
public final class PrimaryWatch implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PrimaryWatch.class);
    /** Often enough that a failover shows in the log beside the 503s it caused. */
    static final Duration CHECK_EVERY = Duration.ofSeconds(2);

    private final Realms realms;
    private final Metrics metrics;
    private final Consumer<Realm> onFailover;
    /** realm → the server that answered its last check, as address:port. */
    private final Map<String, String> primaries = new ConcurrentHashMap<>();
    private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("primary-watch").daemon().factory());

    /** @param onFailover what else must follow a realm's database to its new primary (e.g. the sync locks) */
    public PrimaryWatch(Realms realms, Metrics metrics, Consumer<Realm> onFailover) {
        this.realms = realms;
        this.metrics = metrics;
        this.onFailover = onFailover;
    }

    public void start() {
        checks.scheduleWithFixedDelay(() -> realms.forEachReady("primary check", this::check), 0,
                CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void check(Realm realm) {
        String primary = realm.database().withConnection(connection -> {
            // the address and port the server listens on: distinct for every member of a primary/standby set
            String sql = "SELECT coalesce(host(inet_server_addr()), 'local') || ':' || coalesce(inet_server_port(), 0)";
            try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
                rows.next();
                return rows.getString(1);
            }
        });
        String before = primaries.put(realm.name(), primary);
        if (before != null && !before.equals(primary)) {
            metrics.failover(realm.name());
            log.warn("realm {}: the database's primary is now {} (was {}): a failover", realm.name(), primary, before);
            onFailover.accept(realm);
        }
    }

    @Override
    public void close() {
        checks.shutdownNow();
    }
}
