package org.syncserver.sync;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.UUID;

/**
 * Body of {@code POST /push/:realm[/:clientId]}.
 *
 * @param isPartial 1 (or true) while more batches follow; the last batch (0, false or missing) releases the lock
 */
public record PushRequest(UUID clientId, Long lastSync, JsonNode isPartial, List<Change> changes) {

    public boolean partial() {
        return isPartial != null && (isPartial.asInt() == 1 || isPartial.asBoolean());
    }
}
