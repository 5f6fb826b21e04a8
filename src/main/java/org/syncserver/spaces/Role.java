package org.syncserver.spaces;

import org.syncserver.error.BadRequestException;

import java.util.Locale;

/** What a member may do in a space (PROTOCOL §12.2). */
public enum Role {
    /** Writes rows, invites, changes roles, renames and deletes the space. */
    OWNER,
    /** Writes rows. */
    EDITOR,
    /** Receives rows; its changes are skipped and journalled as refused. */
    READER;

    public boolean canWrite() {
        return this != READER;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Role fromWire(String role) {
        if (role != null) {
            for (Role candidate : values()) {
                if (candidate.wireName().equals(role)) {
                    return candidate;
                }
            }
        }
        throw new BadRequestException("'role' must be \"owner\", \"editor\" or \"reader\"");
    }
}
