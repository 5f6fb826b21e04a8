package org.syncserver.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.Timeouts;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/** One realm's connection pool and the only place that opens, commits and rolls back transactions. */
public final class Database implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private static final String LOCK_NOT_AVAILABLE = "55P03";
    /** CockroachDB (and PostgreSQL at SERIALIZABLE) abort conflicting transactions; they are retried this often. */
    private static final int MAX_ATTEMPTS = 5;
    private static final String SERIALIZATION_FAILURE = "40001";
    private static final String DEADLOCK_DETECTED = "40P01";
    /** SQLState classes and codes of a database that went away: connection failures, shutdown, not accepting yet. */
    private static final String CONNECTION_EXCEPTION_CLASS = "08";
    private static final Set<String> DATABASE_GONE = Set.of("57P01", "57P02", "57P03");

    private final String realm;
    private final HikariDataSource pool;
    /** Every commit is durable already (a replicated realm): a DURABLE transaction needs no statement to say so. */
    private final boolean durableByDefault;

    private Database(String realm, HikariDataSource pool, boolean durableByDefault) {
        this.realm = realm;
        this.pool = pool;
        this.durableByDefault = durableByDefault;
    }

    public static Database open(RealmConfig config, Timeouts timeouts) {
        return open(config, timeouts, null);
    }

    /**
     * @param timeouts a request waits {@code poolWait} for a connection and {@code lockWait} for a row lock, then
     *                 fails with 503 instead of hanging; a statement fails after {@code statement} of network silence
     *                 (a network that drops packets would otherwise hold the request for many minutes)
     * @param metrics  where the pool reports its gauges ({@code hikaricp_*}, tagged with the pool's name); may be null
     */
    public static Database open(RealmConfig config, Timeouts timeouts, MeterRegistry metrics) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("realm-" + config.name());
        hikari.setJdbcUrl(config.jdbcUrl());
        hikari.setUsername(config.user());
        hikari.setPassword(config.password());
        hikari.setMaximumPoolSize(config.maxPoolSize());
        hikari.setMinimumIdle(Math.min(2, config.maxPoolSize()));
        hikari.setConnectionTimeout(timeouts.poolWait().toMillis());
        // Start even when the database is down: the realm answers 503 until it is back.
        hikari.setInitializationFailTimeout(-1);
        hikari.addDataSourceProperty("ApplicationName", "sync-server");
        // As text: pgjdbc and HikariCP read only text properties, and silently dropped this one as a number, which
        // left statements on a frozen primary hanging for good (FailoverTest, FrozenDatabaseTest).
        hikari.addDataSourceProperty("socketTimeout", String.valueOf(Math.max(1, timeouts.statement().toSeconds())));
        // Sockets that block, their silence bounded by a watchdog: a socket timeout costs a poll every read.
        hikari.addDataSourceProperty("socketFactory", SilenceBoundSocketFactory.class.getName());
        // Bookkeeping commits by default (see Commit); durable transactions switch it back on for themselves. On a
        // replicated realm every commit waits for the synchronous standby: an asynchronous one is not on it, so a
        // failover lost the token rotations of the last fraction of a second, and logged out up to 14 of 20
        // devices in FailoverTest. A statement waits at most lockWait for a row lock, then the request fails with
        // 503 instead of hanging.
        hikari.setConnectionInitSql("SET synchronous_commit TO " + (config.replicated() ? "ON" : "OFF")
                + "; SET lock_timeout TO '" + timeouts.lockWait().toMillis() + "ms'");
        if (metrics != null) {
            hikari.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(metrics));
        }
        return new Database(config.name(), new HikariDataSource(hikari), config.replicated());
    }

    /**
     * Opens one connection, without a pool, and asks the database its version: what {@code check-config} does. A
     * refused connection or an unknown host fails at once (a pool would retry until its wait ran out), a silent
     * host after {@code timeout}.
     */
    public static String probe(RealmConfig config, Duration timeout) {
        Properties properties = new Properties();
        Optional.ofNullable(config.user()).ifPresent(user -> properties.setProperty("user", user));
        Optional.ofNullable(config.password()).ifPresent(password -> properties.setProperty("password", password));
        properties.setProperty("connectTimeout", String.valueOf(Math.max(1, timeout.toSeconds())));
        properties.setProperty("loginTimeout", String.valueOf(Math.max(1, timeout.toSeconds())));
        properties.setProperty("ApplicationName", "sync-server check-config");
        try (Connection connection = DriverManager.getConnection(config.jdbcUrl(), properties)) {
            return connection.getMetaData().getDatabaseProductVersion();
        } catch (SQLException e) {
            throw new DatabaseException("realm " + config.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * How a transaction's commit is made to last. Connections start in ASYNCHRONOUS mode (one setting per
     * connection rather than one statement per transaction: most transactions are bookkeeping, a few per sync).
     */
    public enum Commit {
        /** Waits until the commit is on disk: for users' data (pushes, accounts, passwords). */
        DURABLE,
        /**
         * Returns before the commit reaches the disk (PostgreSQL's synchronous_commit=off): a crash may lose the
         * last fraction of a second of such commits, never corrupt anything. Only for bookkeeping whose loss heals
         * itself: a lost token rotation means one more login, a lost sync lock or cursor one more pull. Auto-commit
         * statements ({@link #withConnection}) commit this way too. Not on a replicated realm (several hosts):
         * there a failover would lose them on many devices at once, so they are durable like the rest.
         */
        ASYNCHRONOUS
    }

    /**
     * Which plans a transaction's statements run on. PostgreSQL plans a prepared statement afresh at every call
     * while a plan for the call's own values looks cheaper than its generic plan, and a statement over an array of
     * ids always looks so (it counts the array's elements): under `bin/bench --shared` the pull over several owners
     * was planned at every call, 2.3 ms planning beside 2.1 ms running it (pg_stat_statements).
     */
    public enum Plans {
        /** PostgreSQL's choice per call: for statements whose best plan depends on their values. */
        PER_CALL,
        /** The statement's cached generic plan: for key lookups over arrays of ids, whose plan is the same anyway. */
        GENERIC;

        Map<String, String> settings() {
            return this == GENERIC ? Map.of("plan_cache_mode", "force_generic_plan") : Map.of();
        }

        /**
         * The statement that sets these plans for the rest of its transaction, to send in the round trip of the
         * statements it is for (a connection in auto-commit mode runs that round trip as one transaction).
         */
        public String statement() {
            return setConfig(settings());
        }
    }

    /** The connection pool right now: connections in use, idle, and its size. */
    public record PoolState(int active, int idle, int max) {
    }

    public PoolState poolState() {
        var bean = pool.getHikariPoolMXBean(); // null until the pool has started
        return bean == null ? new PoolState(0, 0, pool.getMaximumPoolSize())
                : new PoolState(bean.getActiveConnections(), bean.getIdleConnections(), pool.getMaximumPoolSize());
    }

    /** Runs the work in one durable transaction. */
    public <T> T inTransaction(SqlWork<T> work) {
        return inTransaction(Commit.DURABLE, work);
    }

    /** Runs the work in one transaction: commit on success, roll back on any exception, retry serialization failures. */
    public <T> T inTransaction(Commit commit, SqlWork<T> work) {
        return inTransaction(commit, Plans.PER_CALL, work);
    }

    public <T> T inTransaction(Commit commit, Plans plans, SqlWork<T> work) {
        return retrying(() -> true, () -> {
            try (Connection connection = connect()) {
                connection.setAutoCommit(false);
                return commitOrRollBack(connection, transaction -> {
                    Map<String, String> settings = new LinkedHashMap<>(plans.settings());
                    if (commit == Commit.DURABLE && !durableByDefault) {
                        settings.put("synchronous_commit", "on");
                    }
                    setLocally(transaction, settings);
                    return work.run(transaction);
                });
            }
        });
    }

    /** The transaction's own settings, all in one statement (one round trip). */
    private static void setLocally(Connection transaction, Map<String, String> settings) throws SQLException {
        if (settings.isEmpty()) {
            return;
        }
        try (Statement statement = transaction.createStatement()) {
            statement.execute(setConfig(settings));
        }
    }

    /** The settings for the rest of the transaction, as one statement. */
    private static String setConfig(Map<String, String> settings) {
        return "SELECT " + settings.entrySet().stream()
                .map(setting -> "set_config('%s', '%s', true)".formatted(setting.getKey(), setting.getValue()))
                .collect(Collectors.joining(", "));
    }

    /**
     * Runs the work on one connection in auto-commit mode, each statement its own asynchronous commit: one round
     * trip for a single statement, where a transaction takes two. The work is repeated on a serialization failure,
     * so it must be a single statement or reads.
     */
    public <T> T withConnection(SqlWork<T> work) {
        return retrying(() -> true, () -> {
            try (Connection connection = connect()) {
                return work.run(connection);
            }
        });
    }

    /**
     * Runs reads in one read-only transaction: one snapshot, and results fetched in pages (a cursor needs a
     * transaction). A serialization failure is retried only while {@code repeatable} says so: a read that has
     * already sent part of its answer cannot start over.
     */
    public <T> T read(SqlWork<T> work, BooleanSupplier repeatable) {
        return read(Plans.PER_CALL, work, repeatable);
    }

    public <T> T read(Plans plans, SqlWork<T> work, BooleanSupplier repeatable) {
        return retrying(repeatable, () -> {
            try (Connection connection = connect()) {
                connection.setReadOnly(true);
                connection.setAutoCommit(false);
                return commitOrRollBack(connection, transaction -> {
                    setLocally(transaction, plans.settings());
                    return work.run(transaction);
                });
            }
        });
    }

    private static <T> T commitOrRollBack(Connection connection, SqlWork<T> work) throws SQLException {
        try {
            T result = work.run(connection);
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            rollBack(connection, e);
            throw e;
        }
    }

    /**
     * A connection that failed (a database gone silent, a socket timeout) cannot roll back either: its failure is
     * kept beside the first, which says what happened (a 503), instead of replacing it (a 500).
     */
    private static void rollBack(Connection connection, Exception failure) {
        try {
            connection.rollback();
        } catch (SQLException rollbackFailed) {
            failure.addSuppressed(rollbackFailed);
        }
    }

    /** One try of some work on a connection of its own. */
    private interface Attempt<T> {
        T run() throws SQLException;
    }

    private <T> T retrying(BooleanSupplier repeatable, Attempt<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return work.run();
            } catch (SQLException e) {
                if (!isRetryable(e) || attempt == MAX_ATTEMPTS || !repeatable.getAsBoolean()) {
                    throw translate(e);
                }
                backOff(attempt);
            }
        }
    }

    private Connection connect() throws SQLException {
        try {
            return pool.getConnection();
        } catch (SQLTransientConnectionException e) {
            throw new DatabaseUnavailableException(realm, e);
        }
    }

    private DatabaseException translate(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        boolean gone = state.startsWith(CONNECTION_EXCEPTION_CLASS) || DATABASE_GONE.contains(state);
        // a conflict still there after every retry is contention, not a fault: the caller may try again later
        if (gone || LOCK_NOT_AVAILABLE.equals(state) || isRetryable(e)) {
            return new DatabaseUnavailableException(realm, e);
        }
        return new DatabaseException("Database error in realm '" + realm + "' (SQLState " + e.getSQLState() + ")", e);
    }

    private static boolean isRetryable(SQLException e) {
        return SERIALIZATION_FAILURE.equals(e.getSQLState()) || DEADLOCK_DETECTED.equals(e.getSQLState());
    }

    private void backOff(int attempt) {
        log.debug("realm {}: transaction conflict, retry {}", realm, attempt);
        try {
            Thread.sleep((long) (Math.random() * 10 * (1L << attempt)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatabaseException("Interrupted while retrying a transaction", e);
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
