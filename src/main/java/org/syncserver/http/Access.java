package org.syncserver.http;

/** Who may call a route: declared with the route, checked before its handler runs. */
public enum Access {
    /** Anyone; a body may still carry a secret of its own (a refresh token, a PIN). */
    PUBLIC,
    /** {@code Authorization: Basic} with the user's e-mail and password. */
    BASIC,
    /** {@code Authorization: Bearer} with a device's access token. */
    BEARER,
    /** {@code Authorization: Bearer} with a token of the server's configuration (metrics), when one is set. */
    CONFIGURED_TOKEN,
    /**
     * An operator of the console: a session cookie (with its CSRF token on every change) or an API token from the
     * configuration. Only on the console's own port.
     */
    OPERATOR
}
