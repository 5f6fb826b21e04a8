package org.syncserver.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.syncserver.config.RealmConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** One real PostgreSQL for the whole test run; every test gets databases of its own. */
public final class TestPostgres {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres postgres;

    private TestPostgres() {
    }

    private static synchronized EmbeddedPostgres instance() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return postgres;
    }

    /** A new, empty database, as a realm named {@code realm}. */
    public static RealmConfig newRealm(String realm) {
        String database = "test_" + DATABASES.incrementAndGet();
        execute(instance().getJdbcUrl("postgres", "postgres"), "CREATE DATABASE " + database);
        return new RealmConfig(realm, instance().getJdbcUrl("postgres", database), "postgres", null, 10);
    }

    /** The realm's database as config.json names it: {@code postgresql://user@host:port/database}. */
    public static String url(RealmConfig realm) {
        String hostAndDatabase = realm.jdbcUrl().substring("jdbc:postgresql://".length()).replaceFirst("\\?.*", "");
        return "postgresql://" + realm.user() + "@" + hostAndDatabase;
    }

    public static void execute(RealmConfig realm, String sql) {
        execute(realm.jdbcUrl(), sql);
    }

    /** The first column of the first row, or null. */
    public static Object queryValue(RealmConfig realm, String sql) {
        try (Connection connection = DriverManager.getConnection(realm.jdbcUrl(), "postgres", null);
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getObject(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether, within five seconds, a session of the realm's database waits for a lock on the table. */
    public static boolean aLockIsAwaitedOn(RealmConfig realm, String table) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            if (count(realm, "pg_locks WHERE NOT granted AND relation = CAST('" + table + "' AS regclass)") > 0) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    public static long count(RealmConfig realm, String table) {
        return ((Number) queryValue(realm, "SELECT count(*) FROM " + table)).longValue();
    }

    private static void execute(String jdbcUrl, String sql) {
        try (Connection connection = DriverManager.getConnection(jdbcUrl, "postgres", null);
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
