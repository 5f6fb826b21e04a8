package org.syncserver.account;

import java.util.UUID;

/** Body of {@code POST /unregister/:realm}. */
public record UnregisterRequest(String email, String password, UUID clientId, Boolean deleteRemoteData) {

    @Override
    public String toString() {
        return "UnregisterRequest[clientId=" + clientId + "]";
    }
}
