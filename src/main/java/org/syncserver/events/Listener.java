package org.syncserver.events;

import java.util.UUID;

/** One device waiting for other devices' changes: an open event stream, or a long poll. */
interface Listener {

    UUID userId();

    UUID clientId();

    /** The client address it came from, for the per-address cap. */
    String address();

    /**
     * The login whose token opened it ({@code user_tokens.login_id}): a refresh keeps it; a new login, a password
     * change or an unregister ends it, and with it the listener.
     */
    UUID login();

    /** The clock this device has been told about (or has pulled) so far. */
    long since();

    /** Another device's change up to this clock is committed; called only when {@code clock > since()}. Never blocks. */
    void changed(long clock);

    /** The stream's keep-alive; a long poll has none. Never blocks. */
    void ping();

    /** Ends the listener: its login ended, another replaced it, or the server stops. Never blocks. */
    void close();

    /** When the token that opened it expires, in epoch milliseconds. */
    long expiresAt();
}
