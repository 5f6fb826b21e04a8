package org.syncserver.db;

/** No connection could be had in time (database down or pool exhausted): answered with 503. */
public final class DatabaseUnavailableException extends DatabaseException {
    public DatabaseUnavailableException(String realm, Throwable cause) {
        super("The database of realm '" + realm + "' is not available right now, please retry later", cause);
    }
}
