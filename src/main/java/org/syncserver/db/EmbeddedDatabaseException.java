package org.syncserver.db;

/** The embedded database cannot start; the message says why and what the operator can do. */
public final class EmbeddedDatabaseException extends RuntimeException {
    public EmbeddedDatabaseException(String message) {
        super(message);
    }
}
