package org.syncserver.account;

import org.syncserver.error.Require;

import java.util.UUID;

/** Body of {@code POST /unregister/:realm}. */
public record UnregisterRequest(String email, String password, UUID clientId, Boolean deleteRemoteData) {

    public UnregisterRequest {
        email = EmailAddress.normalised(email);
        Require.present(password, "password");
        Require.present(clientId, "clientId");
    }

    @Override
    public String toString() {
        return "UnregisterRequest[clientId=" + clientId + "]";
    }
}
