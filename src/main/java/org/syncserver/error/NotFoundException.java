package org.syncserver.error;

/** HTTP 404: unknown realm or route. */
public final class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message);
    }
}
