package org.syncserver.spaces;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What a user's deletion does to its spaces, in the deleting transaction (PROTOCOL §12.4): run by every deletion of
 * a user — operator, unregister with deleteRemoteData, the erasures a restore applies again.
 */
public final class SpaceDeparture {

    private static final Logger log = LoggerFactory.getLogger(SpaceDeparture.class);

    private final SpaceRepository spaces = new SpaceRepository();
    private final Clock clock;

    public SpaceDeparture(Clock clock) {
        this.clock = clock;
    }

    /**
     * A user is being deleted (operator, or unregister with deleteRemoteData), in the deleting transaction: in each
     * space it solely owns the longest-standing editor (else reader) becomes owner; its memberships and the
     * invitations it sent go; its devices' rowData is scrubbed from the spaces' journals; a space left with no
     * member ends, and its rows go with it (no device of a member is left to need its deletes).
     */
    public void userLeaving(Connection connection, UUID userId) throws SQLException {
        long now = clock.millis();
        List<UUID> spaceIds = spaces.lockSpacesOf(connection, userId);
        spaces.scrubJournals(connection, userId, spaceIds);
        spaces.deleteInvitationsBy(connection, userId);
        for (UUID spaceId : spaceIds) {
            if (spaces.roleOf(connection, spaceId, userId).orElse(null) == Role.OWNER
                    && lastOwner(connection, spaceId)) {
                Optional<UUID> successor = spaces.successor(connection, spaceId, userId);
                if (successor.isPresent()) {
                    spaces.setRole(connection, spaceId, successor.get(), Role.OWNER);
                    log.info("Space {}: its last owner was deleted; member {} is its owner now", spaceId,
                            successor.get());
                }
            }
            spaces.remove(connection, spaceId, userId);
            if (spaces.count(connection, spaceId, Optional.empty()) == 0) {
                spaces.end(connection, spaceId, now);
                spaces.deleteRows(connection, spaceId);
            }
        }
    }

    private boolean lastOwner(Connection connection, UUID spaceId) throws SQLException {
        return spaces.count(connection, spaceId, Optional.of(Role.OWNER)) <= 1;
    }
}
