package org.syncserver.account;

import com.fasterxml.jackson.databind.JsonNode;
import org.syncserver.error.BadRequestException;
import org.syncserver.error.Require;

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

    private static final int MAX_NAME = 255;
    private static final int MAX_LANGUAGE = 10;

    public RegisterRequest {
        EmailAddress.normalised(email);
        Require.present(password, "password");
        Require.present(clientId, "clientId");
        limit(name, MAX_NAME, "name");
        limit(language, MAX_LANGUAGE, "language");
    }

    boolean isNewUser() {
        return Boolean.TRUE.equals(newRegistration);
    }

    private static void limit(String value, int max, String field) {
        if (value != null && value.length() > max) {
            throw new BadRequestException("'" + field + "' must be at most " + max + " characters");
        }
    }

    @Override
    public String toString() {
        return "RegisterRequest[clientId=" + clientId + "]";
    }
}
