package org.syncserver.events;

import java.util.UUID;

/** What every listener knows of its device: whose it is, and until when its token lets it listen. */
abstract class DeviceListener implements Listener {

    private final UUID userId;
    private final UUID clientId;
    private final long expiresAt;

    DeviceListener(UUID userId, UUID clientId, long expiresAt) {
        this.userId = userId;
        this.clientId = clientId;
        this.expiresAt = expiresAt;
    }

    @Override
    public UUID userId() {
        return userId;
    }

    @Override
    public UUID clientId() {
        return clientId;
    }

    @Override
    public long expiresAt() {
        return expiresAt;
    }
}
