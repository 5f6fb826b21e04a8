package org.syncserver.sync;

import java.util.UUID;

/**
 * A change the client has not pushed yet, as pull sees it: which row, when the device changed it, and how.
 *
 * @param operation "I", "U" or "D" (one shared instance each: a pull may list 200,000), or null when not sent
 */
record PendingChange(UUID rowguid, long clientdate, String operation) {

    PendingChange {
        operation = operation == null ? null : switch (operation) {
            case "I" -> "I";
            case "U" -> "U";
            case "D" -> "D";
            default -> null;
        };
    }

    /** A client sends one change per row; should it send more, the latest decides. */
    static PendingChange later(PendingChange a, PendingChange b) {
        return b.clientdate >= a.clientdate ? b : a;
    }
}
