package org.syncserver.error;

/** HTTP 400 Bad Request: the body or a parameter is malformed or invalid. */
public final class BadRequestException extends RuntimeException {
    public BadRequestException(String message) {
        super(message);
    }
}
