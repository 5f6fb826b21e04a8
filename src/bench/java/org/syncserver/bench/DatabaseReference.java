package org.syncserver.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * What PostgreSQL itself does with the same rows, without HTTP or a server: batched JDBC inserts in transactions
 * of 100 and of 1,000, and a streamed read. The limit a perfect server could reach on this machine.
 */
final class DatabaseReference {

    record Figures(double insertsPerSecondIn100s, double insertsPerSecondIn1000s, double readsPerSecond) {
    }

    private static final String JSON = "{\"rowguid\":\"%s\",\"title\":\"Task number %d\",\"description\":"
            + "\"Something that has to be done, written by the benchmark\",\"done\":%d,\"priority\":%d,\"due\":%d}";

    /** One run is a fraction of a second and swings by tens of percent: the median of several is the yardstick. */
    private static final int INSERT_RUNS = 3;
    private static final int READ_RUNS = 5;

    private interface Run {
        double rowsPerSecond() throws SQLException;
    }

    private final BenchDatabase database;

    DatabaseReference(BenchDatabase database) {
        this.database = database;
    }

    Figures measure(int rows) throws SQLException {
        try (Connection connection = database.connect()) {
            execute(connection, """
                    CREATE TABLE IF NOT EXISTS bench_reference (
                        userid UUID NOT NULL, rowguid UUID NOT NULL, tablename VARCHAR(255) NOT NULL,
                        operation CHAR(1) NOT NULL, clientid UUID NOT NULL, clientdate INT8 NOT NULL,
                        serverdate INT8 NOT NULL, json JSONB, PRIMARY KEY (userid, rowguid))""");
            execute(connection, "CREATE INDEX IF NOT EXISTS bench_reference_cursor ON bench_reference (userid, serverdate)");
            try {
                insert(connection, UUID.randomUUID(), rows, 100); // warm-up
                double in100 = median(() -> insert(connection, UUID.randomUUID(), rows, 100), INSERT_RUNS);
                UUID reader = UUID.randomUUID();
                double in1000 = median(() -> insert(connection, reader, rows, 1000), INSERT_RUNS);
                read(connection, reader); // warm-up
                return new Figures(in100, in1000, median(() -> read(connection, reader), READ_RUNS));
            } finally {
                execute(connection, "DROP TABLE bench_reference");
            }
        }
    }

    /** @return rows per second */
    private static double insert(Connection connection, UUID userId, int rows, int perTransaction) throws SQLException {
        UUID clientId = UUID.randomUUID();
        connection.setAutoCommit(false);
        long start = System.nanoTime();
        try (PreparedStatement statement = connection.prepareStatement("""
                INSERT INTO bench_reference (userid, rowguid, tablename, operation, clientid, clientdate, serverdate, json)
                VALUES (?, ?, 'todos', 'I', ?, ?, ?, CAST(? AS JSONB))""")) {
            for (int i = 0; i < rows; i++) {
                UUID rowguid = UUID.randomUUID();
                statement.setObject(1, userId);
                statement.setObject(2, rowguid);
                statement.setObject(3, clientId);
                statement.setLong(4, System.currentTimeMillis());
                statement.setLong(5, i);
                statement.setString(6, JSON.formatted(rowguid, i, i % 2, i % 5, 1_700_000_000_000L + i));
                statement.addBatch();
                if ((i + 1) % perTransaction == 0 || i == rows - 1) {
                    statement.executeBatch();
                    connection.commit();
                }
            }
        } finally {
            connection.setAutoCommit(true);
        }
        return rows / seconds(start);
    }

    private static double read(Connection connection, UUID userId) throws SQLException {
        connection.setAutoCommit(false);
        long start = System.nanoTime();
        int count = 0;
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT rowguid, operation, tablename, clientdate, serverdate, clientid, CAST(json AS TEXT)
                  FROM bench_reference WHERE userid = ? AND serverdate > ?""")) {
            statement.setFetchSize(1000);
            statement.setObject(1, userId);
            statement.setLong(2, -1);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    rows.getObject(1, UUID.class);
                    rows.getString(2);
                    rows.getString(3);
                    rows.getLong(4);
                    rows.getLong(5);
                    rows.getObject(6, UUID.class);
                    rows.getString(7);
                    count++;
                }
            }
            connection.commit();
        } finally {
            connection.setAutoCommit(true);
        }
        return count / seconds(start);
    }

    private static double median(Run run, int times) throws SQLException {
        double[] results = new double[times];
        for (int i = 0; i < times; i++) {
            results[i] = run.rowsPerSecond();
        }
        java.util.Arrays.sort(results);
        return results[times / 2];
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
