package org.syncserver.account;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.UUID;

/**
 * Body of {@code POST /register/:realm}.
 *
 * @param clientDescription a string holding JSON (as sync_client sends it) or a JSON object
 * @param newRegistration   true: new user and client; false or missing (as the Node server read it): a new
 *                          client of an existing user
 */
public record RegisterRequest(String name, String email, String password, UUID clientId,
                              JsonNode clientDescription, Boolean newRegistration, Boolean deleteRemoteData,
                              String language) {

    @Override
    public String toString() {
        return "RegisterRequest[clientId=" + clientId + "]";
    }
}
