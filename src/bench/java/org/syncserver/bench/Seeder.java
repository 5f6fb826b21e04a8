package org.syncserver.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;

/** Gives a user many rows straight through SQL, where pushing them over HTTP would only lengthen the run. */
final class Seeder {

    private final BenchDatabase database;

    Seeder(BenchDatabase database) {
        this.database = database;
    }

    /**
     * Gives the user owning the device {@code rows} tombstones the device wrote (deletes of rows it had): with no
     * other device of the user, nothing holds them back from the purge.
     */
    void seedTombstones(UUID clientId, int rows) throws SQLException {
        try (Connection connection = database.connect();
             PreparedStatement insert = connection.prepareStatement("""
                     INSERT INTO sync_rows (userid, rowguid, tablename, operation, clientid, clientdate, serverdate)
                     SELECT c.userid, gen_random_uuid(), 'todos', 'D', c.clientid, 1700000000000 + n, n
                       FROM user_clients c, generate_series(1, ?) AS n
                      WHERE c.clientid = ?""")) {
            insert.setInt(1, rows);
            insert.setObject(2, clientId);
            insert.executeUpdate();
        }
    }

    /** Adds {@code rows} rows, written by the device {@code clientId}, to the user owning that device. */
    void seed(UUID clientId, int rows) throws SQLException {
        try (Connection connection = database.connect()) {
            try (PreparedStatement insert = connection.prepareStatement("""
                    INSERT INTO sync_rows (userid, rowguid, tablename, operation, clientid, clientdate, serverdate, json)
                    SELECT c.userid, gen_random_uuid(), 'todos', 'I', c.clientid, 1700000000000 + n,
                           u.sync_clock + n,
                           jsonb_build_object('title', 'Seeded task ' || n, 'description',
                               'Something that has to be done, written by the benchmark', 'done', n % 2,
                               'priority', n % 5, 'due', 1700000000000 + n)
                      FROM user_clients c JOIN users u ON u.id = c.userid, generate_series(1, ?) AS n
                     WHERE c.clientid = ?""")) {
                insert.setInt(1, rows);
                insert.setObject(2, clientId);
                insert.executeUpdate();
            }
            try (PreparedStatement clock = connection.prepareStatement("""
                    UPDATE users SET sync_clock = sync_clock + ?
                     WHERE id = (SELECT userid FROM user_clients WHERE clientid = ?)""")) {
                clock.setInt(1, rows);
                clock.setObject(2, clientId);
                clock.executeUpdate();
            }
            try (PreparedStatement analyze = connection.prepareStatement("ANALYZE sync_rows")) {
                analyze.execute();
            }
        }
    }
}
