package org.syncserver.error;

/** HTTP 409: the request clashes with the server's state (e-mail taken, already syncing, push before pull). Never 403/404, which the client would not show to the user. */
public final class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message);
    }
}
