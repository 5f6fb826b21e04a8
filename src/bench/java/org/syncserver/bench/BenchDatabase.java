package org.syncserver.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** The database behind the measured realm: for the reference figures, seeding large users and the report. */
record BenchDatabase(String jdbcUrl, String user, String password) {

    Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, user, password);
    }

    @Override
    public String toString() {
        return "BenchDatabase[" + jdbcUrl + ", user=" + user + "]";
    }
}
