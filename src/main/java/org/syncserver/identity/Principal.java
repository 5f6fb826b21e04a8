package org.syncserver.identity;

import org.syncserver.error.AccessDeniedException;
import org.syncserver.error.ClientMessages;

import java.util.UUID;

/**
 * Who made an authenticated request.
 *
 * @param clientId  the device the token was issued to; null for a Node-era JWT, which named only the user
 * @param expiresAt when the token expires, in epoch milliseconds (an event stream ends then)
 */
public record Principal(UUID userId, UUID clientId, long expiresAt) {

    /**
     * A token speaks for its own device only: a request naming another device, even one of the same user, is
     * refused (PROTOCOL §10). Its rows would otherwise be stamped as that device's, which would never receive them.
     */
    public void requireDevice(UUID claimed) {
        if (clientId != null && claimed != null && !clientId.equals(claimed)) {
            throw new AccessDeniedException(ClientMessages.CLIENT_NOT_OF_USER);
        }
    }
}
