package org.syncserver.sync;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * What a device has imported, per owner: the user's clock for its private rows and each seen space's clock
 * (docs/adr/0005-shared-spaces.md). In a realm that shares tables the {@code lastSync} handed to a device names
 * one of these, stored server-side.
 *
 * @param clocks owner id → the clock up to which the device has that owner's rows; an owner not named is unseen
 */
record CursorVector(Map<UUID, Long> clocks) {

    /** A device that has imported nothing. */
    static final CursorVector NOTHING = new CursorVector(Map.of());

    CursorVector {
        clocks = Map.copyOf(clocks);
    }

    Optional<Long> clock(UUID owner) {
        return Optional.ofNullable(clocks.get(owner));
    }

    /** The user's clock alone: the meaning of a {@code lastSync} from before spaces. */
    static CursorVector ofUser(UUID userId, long clock) {
        return new CursorVector(Map.of(userId, clock));
    }

    /**
     * What the device has imported, from the {@code lastSync} it sent: the vector that value names; for a device
     * that was never handed a name (a release before spaces, or a realm that just began to share), the user's clock
     * it always was; else (a value the server never handed out, or one forgotten) nothing, and the device gets
     * everything again.
     *
     * @param justNamed a name handed out in this very sync, which does not make the device a named one
     */
    static CursorVector sent(Map<Long, CursorVector> named, long lastSync, UUID userId, OptionalLong justNamed) {
        if (lastSync <= 0) {
            return NOTHING;
        }
        CursorVector vector = named.get(lastSync);
        if (vector != null) {
            return vector;
        }
        boolean neverNamed = named.keySet().stream()
                .allMatch(name -> justNamed.isPresent() && name == justNamed.getAsLong());
        if (!neverNamed) {
            return NOTHING;
        }
        long userClock = justNamed.isPresent() && named.containsKey(justNamed.getAsLong())
                ? Math.min(lastSync, named.get(justNamed.getAsLong()).clock(userId).orElse(lastSync)) : lastSync;
        return ofUser(userId, userClock);
    }

    /** The vector a pull reads: the user's clock and the clock of every space the user sees. */
    static CursorVector read(UUID userId, long userClock, Map<UUID, Long> spaceClocks) {
        Map<UUID, Long> clocks = new LinkedHashMap<>(spaceClocks);
        clocks.put(userId, userClock);
        return new CursorVector(clocks);
    }
}
