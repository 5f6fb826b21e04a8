package org.syncserver.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.javalin.http.Context;
import org.syncserver.error.Require;
import org.syncserver.http.RequestBodies;
import org.syncserver.realm.Realm;

import java.util.UUID;

/** {@code POST /login/:realm} and {@code POST /login/:realm/refreshToken}, and the two shapes of their answer. */
public final class AuthRoutes {

    record LoginRequest(UUID clientId) {
        LoginRequest {
            Require.present(clientId, "clientId");
        }
    }

    record RefreshRequest(String refreshToken) {
        RefreshRequest {
            Require.present(refreshToken, "refreshToken");
        }

        @Override
        public String toString() {
            return "RefreshRequest[****]";
        }
    }

    /** Token mode "token" (PROTOCOL §5). */
    record OpaqueAnswer(@JsonProperty("token_type") String tokenType, @JsonProperty("access_token") String accessToken,
                        @JsonProperty("refresh_token") String refreshToken, @JsonProperty("expires_in") long expiresIn,
                        @JsonProperty("expires_on") long expiresOn) {
    }

    /** Token mode "jwt" (PROTOCOL §5). */
    record JwtAnswer(String accessToken, String refreshToken) {
    }

    private final RequestBodies bodies;
    private final AuthService auth;

    public AuthRoutes(RequestBodies bodies, AuthService auth) {
        this.bodies = bodies;
        this.auth = auth;
    }

    public void login(Context ctx, Realm realm, AuthorizationHeader.Credentials credentials) {
        LoginRequest request = bodies.read(ctx, LoginRequest.class);
        ctx.json(answer(auth.login(realm, credentials, request.clientId())));
    }

    public void refreshToken(Context ctx, Realm realm) {
        RefreshRequest request = bodies.read(ctx, RefreshRequest.class);
        ctx.json(answer(auth.refresh(realm, request.refreshToken())));
    }

    private static Object answer(IssuedTokens tokens) {
        return switch (tokens.mode()) {
            case OPAQUE -> new OpaqueAnswer("Bearer", tokens.accessToken(), tokens.refreshToken(),
                    TokenFormat.ACCESS_TOKEN_TTL.toSeconds(), tokens.expiresOn());
            case JWT -> new JwtAnswer(tokens.accessToken(), tokens.refreshToken());
        };
    }
}
