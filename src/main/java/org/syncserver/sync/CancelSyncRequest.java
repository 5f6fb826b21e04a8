package org.syncserver.sync;

import java.util.UUID;

/** Body of {@code POST /cancelSync/:realm}. */
public record CancelSyncRequest(UUID clientId) {
}
