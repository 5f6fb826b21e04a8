package org.syncserver.sync;

import java.util.UUID;

/**
 * A row's latest change on the server, as pull sends it.
 *
 * @param json the row's JSON text; null for a delete
 */
record ServerRow(UUID rowguid, String operation, String tablename, long clientdate, long serverdate,
                 UUID clientid, String json) {
}
