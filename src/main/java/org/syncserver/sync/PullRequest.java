package org.syncserver.sync;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Body of {@code POST /pull/:realm[/:clientId]}: the client's cursor and its pending changes, without row data.
 * Read as it streams in: a device with 200,000 pending changes costs a map of that many entries, nothing more.
 *
 * @param pending the device's pending changes: the latest of each row
 * @param chunk   set when the body is one chunk of a larger pull
 */
public record PullRequest(UUID clientId, Long lastSync, Map<UUID, PendingChange> pending, Chunk chunk) {

    public static PullRequest read(InputStream body, JsonFactory json) throws IOException {
        Map<UUID, PendingChange> pending = new HashMap<>();
        try (JsonParser parser = json.createParser(body)) {
            SyncBodyParser.Header header = SyncBodyParser.parse(parser, (index, change) -> {
                PendingChange row = ChangeValidator.pending(index, change);
                pending.merge(row.rowguid(), row, PendingChange::later);
            });
            return new PullRequest(header.clientId(), header.lastSync(), pending, header.chunk());
        }
    }
}
