package org.syncserver.events;

import java.util.Optional;
import java.util.UUID;

/**
 * A push's commit, as PostgreSQL's NOTIFY carries it from any server instance: ids and numbers only, never data.
 * Payload {@code userId:clock:pusherClientId:pushedAtMillis}.
 */
record ChangeNotice(UUID userId, long clock, UUID pusher, long pushedAt) {

    static Optional<ChangeNotice> parse(String payload) {
        String[] parts = payload.split(":");
        if (parts.length != 4) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ChangeNotice(UUID.fromString(parts[0]), Long.parseLong(parts[1]),
                    UUID.fromString(parts[2]), Long.parseLong(parts[3])));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
