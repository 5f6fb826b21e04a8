package org.syncserver.events;

import java.util.UUID;

/** What every listener knows of its device: whose it is, from where, and until when its login lets it listen. */
abstract class DeviceListener implements Listener {

    /** Who is listening, from where, and on which login. */
    record Device(UUID userId, UUID clientId, String address, UUID login, long expiresAt) {
    }

    private final Device device;

    DeviceListener(Device device) {
        this.device = device;
    }

    @Override
    public UUID userId() {
        return device.userId();
    }

    @Override
    public UUID clientId() {
        return device.clientId();
    }

    @Override
    public String address() {
        return device.address();
    }

    @Override
    public UUID login() {
        return device.login();
    }

    @Override
    public long expiresAt() {
        return device.expiresAt();
    }
}
