package org.syncserver.auth;

import java.util.UUID;

/**
 * Who made an authenticated request.
 *
 * @param clientId the device the token was issued to; null for a Node-era JWT, which named only the user
 */
public record Principal(UUID userId, UUID clientId) {
}
