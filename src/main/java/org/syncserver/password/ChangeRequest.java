package org.syncserver.password;

/**
 * Body of {@code POST /password/:realm/change}.
 *
 * @param password    the new password
 * @param newPassword the same, under the name the Node server's first README used
 */
public record ChangeRequest(String email, String password, String newPassword, String pin) {

    public String chosenPassword() {
        return password != null ? password : newPassword;
    }

    @Override
    public String toString() {
        return "ChangeRequest[****]";
    }
}
