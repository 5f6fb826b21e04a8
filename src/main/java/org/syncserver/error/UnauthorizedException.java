package org.syncserver.error;

/** HTTP 401: no usable Authorization header, or a wrong password where 403 would make the client retry a login. */
public final class UnauthorizedException extends RuntimeException {
    public UnauthorizedException(String message) {
        super(message);
    }
}
