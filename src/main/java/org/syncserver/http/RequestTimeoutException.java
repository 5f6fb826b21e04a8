package org.syncserver.http;

/** The request body did not arrive in time (408); the connection is closed after the answer. */
public final class RequestTimeoutException extends RuntimeException {
    public RequestTimeoutException(String message) {
        super(message);
    }
}
