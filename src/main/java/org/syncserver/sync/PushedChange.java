package org.syncserver.sync;

import java.util.UUID;

/**
 * A validated change of a push.
 *
 * @param json the row as JSON text; null for a delete
 */
record PushedChange(UUID rowguid, String tablename, String operation, long clientdate, String json) {
}
