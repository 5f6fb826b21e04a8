package org.syncserver.password;

import org.syncserver.error.Require;

/**
 * Body of {@code POST /password/:realm/change}.
 *
 * @param password    the new password
 * @param newPassword the same, under the name the Node server's first README used
 */
public record ChangeRequest(String email, String password, String newPassword, String pin) {

    public ChangeRequest {
        email = Require.present(email, "email").trim();
        Require.present(password != null ? password : newPassword, "password");
        pin = Require.present(pin, "pin").trim();
    }

    public String chosenPassword() {
        return password != null ? password : newPassword;
    }

    @Override
    public String toString() {
        return "ChangeRequest[****]";
    }
}
