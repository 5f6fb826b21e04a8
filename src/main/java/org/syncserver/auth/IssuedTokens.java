package org.syncserver.auth;

import org.syncserver.config.TokenMode;

/**
 * A new pair of tokens for a device.
 *
 * @param mode      which of the protocol's two answer shapes carries them
 * @param expiresOn when the access token expires, in epoch milliseconds
 */
public record IssuedTokens(TokenMode mode, String accessToken, String refreshToken, long expiresOn) {

    @Override
    public String toString() {
        return "IssuedTokens[" + mode + ", ****]";
    }
}
