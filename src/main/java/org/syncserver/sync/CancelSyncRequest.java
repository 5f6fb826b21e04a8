package org.syncserver.sync;

import org.syncserver.error.Require;

import java.util.UUID;

/** Body of {@code POST /cancelSync/:realm}. */
public record CancelSyncRequest(UUID clientId) {

    public CancelSyncRequest {
        Require.present(clientId, "clientId");
    }
}
