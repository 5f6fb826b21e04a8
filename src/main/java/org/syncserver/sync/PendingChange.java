package org.syncserver.sync;

import java.util.UUID;

/** A change the client has not pushed yet, as pull sees it: which row, and when the device changed it. */
record PendingChange(UUID rowguid, long clientdate) {
}
