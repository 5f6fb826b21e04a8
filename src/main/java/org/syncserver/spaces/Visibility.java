package org.syncserver.spaces;

import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The answer to the one question sync asks: which spaces a user sees now, in which role, and each space's clock as
 * read (every row of the space stamped up to it is committed: pushes stamp a space under its row lock).
 */
public record Visibility(Map<UUID, Seen> spaces) {

    public static final Visibility NONE = new Visibility(Map.of());

    /** One space the user belongs to. */
    public record Seen(Role role, long clock) {
    }

    public Visibility {
        spaces = Map.copyOf(spaces);
    }

    public Set<UUID> ids() {
        return spaces.keySet();
    }

    public boolean sees(UUID spaceId) {
        return spaces.containsKey(spaceId);
    }

    /** Whether the user's changes to the space's rows are stored (a non-member's or a reader's are not). */
    public boolean canWrite(UUID spaceId) {
        Seen seen = spaces.get(spaceId);
        return seen != null && seen.role().canWrite();
    }
}
