package org.syncserver.password;

import org.syncserver.error.Require;

/** Body of {@code POST /password/:realm/forgotten}. */
public record ForgottenRequest(String email) {

    public ForgottenRequest {
        email = Require.present(email, "email").trim();
    }
}
