package org.syncserver.password;

import io.javalin.http.Context;
import org.syncserver.http.RequestBodies;
import org.syncserver.http.StatusMessage;
import org.syncserver.realm.Realm;

/** {@code POST /password/:realm/forgotten} and {@code POST /password/:realm/change}. */
public final class PasswordRoutes {

    private final RequestBodies bodies;
    private final PasswordResetService reset;

    public PasswordRoutes(RequestBodies bodies, PasswordResetService reset) {
        this.bodies = bodies;
        this.reset = reset;
    }

    public void forgotten(Context ctx, Realm realm) {
        reset.forgotten(realm, bodies.read(ctx, ForgottenRequest.class));
        ctx.json(new StatusMessage(200, "If the email is registered, a PIN has been sent"));
    }

    public void change(Context ctx, Realm realm) {
        reset.change(realm, bodies.read(ctx, ChangeRequest.class));
        ctx.json(new StatusMessage(200, "Password changed successfully!"));
    }
}
