package org.syncserver.identity;

import java.util.UUID;

/** A row of {@code users}. The hash is never logged or sent. */
public record User(UUID id, String name, String email, String passwordHash, String salt, String language,
                   long tokensValidAfter) {

    @Override
    public String toString() {
        return "User[id=" + id + "]";
    }
}
