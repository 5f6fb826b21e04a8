package org.syncserver.db;

import java.sql.Connection;
import java.sql.SQLException;

/** A unit of database work run on one connection. */
@FunctionalInterface
public interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
}
