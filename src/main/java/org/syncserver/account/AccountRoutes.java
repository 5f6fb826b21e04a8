package org.syncserver.account;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import org.syncserver.http.RequestBodies;
import org.syncserver.http.StatusMessage;
import org.syncserver.identity.Principal;
import org.syncserver.realm.Realm;

import java.util.UUID;

/** {@code POST /register/:realm} and {@code POST /unregister/:realm}, and their answers' wire shapes. */
public final class AccountRoutes {

    /** The Node server's answer: the request's fields except the password, with the user's stored name. */
    record Registered(String message, RegisteredUser user) {
    }

    record RegisteredUser(String name, String email, UUID clientId, JsonNode clientDescription,
                          boolean newRegistration, boolean deleteRemoteData, String language) {
    }

    private final RequestBodies bodies;
    private final AccountService accounts;

    public AccountRoutes(RequestBodies bodies, AccountService accounts) {
        this.bodies = bodies;
        this.accounts = accounts;
    }

    public void register(Context ctx, Realm realm) {
        RegisterRequest request = bodies.read(ctx, RegisterRequest.class);
        String name = accounts.register(realm, request);
        ctx.json(new Registered("User and Client registered successfully!", new RegisteredUser(name, request.email(),
                request.clientId(), request.clientDescription(), request.isNewUser(),
                Boolean.TRUE.equals(request.deleteRemoteData()), request.language())));
    }

    public void unregister(Context ctx, Realm realm, Principal device) {
        accounts.unregister(realm, device, bodies.read(ctx, UnregisterRequest.class));
        ctx.json(new StatusMessage(200, "User and Client unregistered successfully!"));
    }
}
