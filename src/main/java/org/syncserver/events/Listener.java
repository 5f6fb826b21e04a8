package org.syncserver.events;

import java.util.UUID;

/** One device waiting for other devices' changes: an open event stream, or a long poll. */
interface Listener {

    UUID userId();

    UUID clientId();

    /** The clock this device has been told about (or has pulled) so far. */
    long since();

    /** Another device's change up to this clock is committed; called only when {@code clock > since()}. */
    void changed(long clock);

    /** The stream's keep-alive; a long poll has none. */
    void ping();

    /** Ends the listener: its token ended, or the server stops. */
    void close();

    /** When the token that opened it expires, in epoch milliseconds. */
    long expiresAt();
}
