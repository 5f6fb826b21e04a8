package org.syncserver.account;

import io.javalin.http.Context;
import io.javalin.http.Header;
import org.syncserver.auth.AuthService;
import org.syncserver.http.RequestBodies;
import org.syncserver.realm.Realm;
import org.syncserver.realm.Realms;

/** {@code POST /register/:realm} and {@code POST /unregister/:realm}. */
public final class AccountRoutes {

    private final Realms realms;
    private final RequestBodies bodies;
    private final AccountService accounts;
    private final AuthService auth;

    public AccountRoutes(Realms realms, RequestBodies bodies, AccountService accounts, AuthService auth) {
        this.realms = realms;
        this.bodies = bodies;
        this.accounts = accounts;
        this.auth = auth;
    }

    public void register(Context ctx) {
        Realm realm = realms.require(ctx.pathParam("realm"));
        ctx.json(accounts.register(realm, bodies.read(ctx, RegisterRequest.class)));
    }

    public void unregister(Context ctx) {
        Realm realm = realms.require(ctx.pathParam("realm"));
        var principal = auth.authenticate(realm, ctx.header(Header.AUTHORIZATION));
        ctx.json(accounts.unregister(realm, principal, bodies.read(ctx, UnregisterRequest.class)));
    }
}
