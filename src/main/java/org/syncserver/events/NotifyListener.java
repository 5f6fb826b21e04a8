package org.syncserver.events;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.config.RealmConfig;
import org.syncserver.error.Failures;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * One realm's {@code LISTEN sync_changes}, on a connection of its own (not from the pool, and not through a
 * transaction pooler such as PgBouncer in transaction mode, where LISTEN does not work). Pushes on any instance
 * notify on commit; a lost connection is reopened with backoff, and each time it opens the safety check runs at
 * once, for what was pushed while it was away. An engine without LISTEN (CockroachDB) is left to the safety check.
 */
final class NotifyListener implements Runnable {

    static final String CHANNEL = "sync_changes";
    private static final Logger log = LoggerFactory.getLogger(NotifyListener.class);
    private static final int POLL_MILLIS = 500;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /**
     * A database that stops answering without closing the connection (a frozen or cut-off primary) sends no
     * notification and no error: after this much silence the connection is asked whether it is alive, and is
     * reopened, on whichever host is the primary now, when it does not answer within {@link #PROBE_TIMEOUT}.
     */
    private static final Duration PROBE_EVERY = Duration.ofSeconds(5);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    /** Longest silence while connecting or running LISTEN: a frozen host must not hold the listener. */
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);
    /** SQLStates of an engine that has no LISTEN: feature not supported, or not even the syntax. */
    private static final java.util.Set<String> UNSUPPORTED = java.util.Set.of("0A000", "42601", "42883");

    private final RealmConfig realm;
    private final Consumer<ChangeNotice> notices;
    private final Runnable onListening;
    private volatile boolean running = true;
    private volatile boolean listening;
    private volatile Connection connection;

    NotifyListener(RealmConfig realm, Consumer<ChangeNotice> notices, Runnable onListening) {
        this.realm = realm;
        this.notices = notices;
        this.onListening = onListening;
    }

    /** Whether this instance hears the realm's notifications now: pushes then notify. */
    boolean listening() {
        return listening;
    }

    @Override
    public void run() {
        long backoffMillis = 500;
        while (running) {
            try (Connection opened = open()) {
                connection = opened;
                try (Statement statement = opened.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
                listening = true;
                backoffMillis = 500;
                log.info("realm {}: listening for change notifications", realm.name());
                onListening.run();
                receive(opened);
            } catch (SQLException e) {
                listening = false;
                if (UNSUPPORTED.contains(e.getSQLState())) {
                    log.warn("realm {}: its database has no LISTEN/NOTIFY ({}); change events rely on the safety check",
                            realm.name(), Failures.rootMessage(e));
                    return;
                }
                if (running) {
                    log.warn("realm {}: change notifications interrupted ({}), reconnecting", realm.name(),
                            Failures.rootMessage(e));
                }
            }
            sleep(backoffMillis);
            backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF.toMillis());
        }
    }

    private void receive(Connection opened) throws SQLException {
        PGConnection connection = opened.unwrap(PGConnection.class);
        long heardAt = System.nanoTime();
        while (running) {
            PGNotification[] received = connection.getNotifications(POLL_MILLIS);
            if (received == null || received.length == 0) {
                if (System.nanoTime() - heardAt > PROBE_EVERY.toNanos()) {
                    probe(opened);
                    heardAt = System.nanoTime();
                }
                continue;
            }
            heardAt = System.nanoTime();
            for (PGNotification notification : received) {
                ChangeNotice.parse(notification.getParameter()).ifPresent(notices);
            }
        }
    }

    private static void probe(Connection connection) throws SQLException {
        if (!connection.isValid((int) PROBE_TIMEOUT.toSeconds())) {
            throw new SQLException("the database did not answer within " + PROBE_TIMEOUT.toSeconds() + " s", "08006");
        }
    }

    private Connection open() throws SQLException {
        Properties properties = new Properties();
        if (realm.user() != null) {
            properties.setProperty("user", realm.user());
        }
        if (realm.password() != null) {
            properties.setProperty("password", realm.password());
        }
        properties.setProperty("ApplicationName", "sync-server-listener");
        properties.setProperty("connectTimeout", "5");
        properties.setProperty("socketTimeout", String.valueOf(HANDSHAKE_TIMEOUT.toSeconds()));
        return DriverManager.getConnection(realm.jdbcUrl(), properties);
    }

    void stop() {
        running = false;
        listening = false;
        Connection current = connection;
        if (current != null) {
            try {
                current.close();
            } catch (SQLException e) {
                // it is going away anyway
            }
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
