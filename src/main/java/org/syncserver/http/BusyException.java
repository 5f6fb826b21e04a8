package org.syncserver.http;

/** The server cannot take this request now; the client should retry shortly (503 with Retry-After). */
public final class BusyException extends RuntimeException {
    public BusyException(String message) {
        super(message);
    }
}
