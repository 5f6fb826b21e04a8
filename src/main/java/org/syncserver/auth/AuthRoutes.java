package org.syncserver.auth;

import io.javalin.http.Context;
import io.javalin.http.Header;
import org.syncserver.http.RequestBodies;
import org.syncserver.realm.Realms;

import java.util.UUID;

import static org.syncserver.http.Fields.required;

/** {@code POST /login/:realm} and {@code POST /login/:realm/refreshToken}. */
public final class AuthRoutes {

    record LoginRequest(UUID clientId) {
    }

    record RefreshRequest(String refreshToken) {
    }

    private final Realms realms;
    private final RequestBodies bodies;
    private final AuthService auth;

    public AuthRoutes(Realms realms, RequestBodies bodies, AuthService auth) {
        this.realms = realms;
        this.bodies = bodies;
        this.auth = auth;
    }

    public void login(Context ctx) {
        var realm = realms.require(ctx.pathParam("realm"));
        var credentials = AuthorizationHeader.basic(ctx.header(Header.AUTHORIZATION));
        LoginRequest request = bodies.read(ctx, LoginRequest.class);
        ctx.json(auth.login(realm, credentials, required(request.clientId(), "clientId")));
    }

    public void refreshToken(Context ctx) {
        var realm = realms.require(ctx.pathParam("realm"));
        RefreshRequest request = bodies.read(ctx, RefreshRequest.class);
        ctx.json(auth.refresh(realm, required(request.refreshToken(), "refreshToken")));
    }
}
