package org.syncserver.auth;

import org.syncserver.config.TokenMode;

/** Token mode "token" (the default): the tokens are random strings and their own ids. */
public final class OpaqueTokens implements TokenFormat {

    @Override
    public IssuedTokens issue(Subject subject, Ids ids, long nowMillis) {
        return new IssuedTokens(TokenMode.OPAQUE, ids.accessId(), ids.refreshId(),
                nowMillis + ACCESS_TOKEN_TTL.toMillis());
    }

    @Override
    public Presented readAccess(String token, long nowMillis) {
        return new Presented.Stored(token);
    }

    @Override
    public String readRefresh(String token, long nowMillis) {
        return token;
    }
}
