package org.syncserver.error;

/** HTTP 403: credentials, token, PIN or clientId are wrong. The client answers 403 by refreshing its token and logging in again (PROTOCOL §1), so nothing else may use it. */
public final class AccessDeniedException extends RuntimeException {
    public AccessDeniedException(String message) {
        super(message);
    }
}
