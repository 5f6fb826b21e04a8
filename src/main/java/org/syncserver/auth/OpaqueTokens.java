package org.syncserver.auth;

import java.util.LinkedHashMap;
import java.util.Map;

/** Token mode "token" (the default): the tokens are random strings and their own ids. */
public final class OpaqueTokens implements TokenFormat {

    @Override
    public Map<String, Object> body(Subject subject, Ids ids, long nowMillis) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token_type", "Bearer");
        body.put("access_token", ids.accessId());
        body.put("refresh_token", ids.refreshId());
        body.put("expires_in", ACCESS_TOKEN_TTL.toSeconds());
        body.put("expires_on", nowMillis + ACCESS_TOKEN_TTL.toMillis());
        return body;
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
