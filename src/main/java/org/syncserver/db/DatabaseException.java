package org.syncserver.db;

/** A database fault the client cannot fix: answered with a generic 500 and logged. */
public class DatabaseException extends RuntimeException {
    public DatabaseException(String message, Throwable cause) {
        super(message, cause);
    }
}
