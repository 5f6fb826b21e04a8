package org.syncserver.password;

/** Body of {@code POST /password/:realm/forgotten}. */
public record ForgottenRequest(String email) {
}
