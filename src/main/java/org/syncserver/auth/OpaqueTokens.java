package org.syncserver.auth;

import java.util.LinkedHashMap;
import java.util.Map;

/** Token mode "token" (the default): the tokens are random strings and their own ids. */
public final class OpaqueTokens implements TokenFormat {

    @Override
    public Issued issue(Subject subject, long nowMillis) {
        String access = Secrets.randomToken();
        String refresh = Secrets.randomToken();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token_type", "Bearer");
        body.put("access_token", access);
        body.put("refresh_token", refresh);
        body.put("expires_in", ACCESS_TOKEN_TTL.toSeconds());
        body.put("expires_on", nowMillis + ACCESS_TOKEN_TTL.toMillis());
        return new Issued(access, refresh, body);
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
