package org.syncserver.sync;

import java.util.UUID;

/**
 * A row's latest change on the server, as pull sends it.
 *
 * @param json the row's JSON text in UTF-8, as the database sent it (written to the answer as it is: decoding it
 *             into a String and encoding it back took 2-5 % of the server's CPU in a bootstrap); null for a delete
 */
record ServerRow(UUID rowguid, String operation, String tablename, long clientdate, long serverdate,
                 UUID clientid, byte[] json) {
}
