package org.syncserver.sync;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import io.javalin.http.Header;
import org.syncserver.auth.AuthService;
import org.syncserver.auth.Principal;
import org.syncserver.http.RequestBodies;
import org.syncserver.realm.Realm;
import org.syncserver.realm.Realms;

import java.util.Map;

/**
 * {@code POST /pull/:realm[/:clientId]}, {@code POST /push/:realm[/:clientId]}, {@code POST /cancelSync/:realm}.
 * The clientId of the body is authoritative; the one in the path (2025+ clients) is informative only.
 */
public final class SyncRoutes {

    private final Realms realms;
    private final RequestBodies bodies;
    private final AuthService auth;
    private final SyncService sync;
    private final ObjectMapper json;

    public SyncRoutes(Realms realms, RequestBodies bodies, AuthService auth, SyncService sync, ObjectMapper json) {
        this.realms = realms;
        this.bodies = bodies;
        this.auth = auth;
        this.sync = sync;
        this.json = json;
    }

    public void pull(Context ctx) {
        Realm realm = realms.require(ctx.pathParam("realm"));
        Principal principal = auth.authenticate(realm, ctx.header(Header.AUTHORIZATION));
        PullRequest request = bodies.stream(ctx, body -> PullRequest.read(body, json.getFactory()));
        ctx.contentType(ContentType.APPLICATION_JSON);
        sync.pull(realm, principal, request, new PullWriter(request.clientId(), ctx::outputStream, json.getFactory()));
    }

    public void push(Context ctx) {
        Realm realm = realms.require(ctx.pathParam("realm"));
        Principal principal = auth.authenticate(realm, ctx.header(Header.AUTHORIZATION));
        try (PushRequest request = bodies.stream(ctx, body -> PushRequest.read(body, json.getFactory()))) {
            ctx.json(Map.of("lastSync", sync.push(realm, principal, request)));
        }
    }

    public void cancelSync(Context ctx) {
        Realm realm = realms.require(ctx.pathParam("realm"));
        Principal principal = auth.authenticate(realm, ctx.header(Header.AUTHORIZATION));
        sync.cancelSync(realm, principal, bodies.read(ctx, CancelSyncRequest.class));
        ctx.json(true);
    }
}
