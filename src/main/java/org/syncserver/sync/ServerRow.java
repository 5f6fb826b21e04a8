package org.syncserver.sync;

import java.util.UUID;

/**
 * A row's latest change on the server, as pull sends it.
 *
 * @param json     the row's JSON text; null for a delete
 * @param outdated the client has a pending change to this row that loses to this one
 */
record ServerRow(UUID rowguid, String operation, String tablename, long clientdate, long serverdate,
                 UUID clientid, String json, boolean outdated) {
}
