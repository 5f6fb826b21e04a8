package org.syncserver.sync;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import io.javalin.http.Header;
import org.syncserver.auth.AuthService;
import org.syncserver.auth.Principal;
import org.syncserver.error.BadRequestException;
import org.syncserver.http.AnswerAbandonedException;
import org.syncserver.http.RequestBodies;
import org.syncserver.realm.Realm;
import org.syncserver.realm.Realms;

import java.util.Map;
import java.util.UUID;

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
        principal.requireDevice(pathClientId(ctx));
        PullRequest request = bodies.stream(ctx, body -> PullRequest.read(body, json.getFactory()));
        ctx.contentType(ContentType.APPLICATION_JSON);
        PullWriter writer = new PullWriter(request.clientId(), ctx::outputStream, json.getFactory());
        try {
            sync.pull(realm, principal, request, writer);
        } catch (RuntimeException e) {
            throw writer.started() ? new AnswerAbandonedException(e) : e;
        }
    }

    public void push(Context ctx) {
        Realm realm = realms.require(ctx.pathParam("realm"));
        Principal principal = auth.authenticate(realm, ctx.header(Header.AUTHORIZATION));
        principal.requireDevice(pathClientId(ctx));
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

    /** 2025+ clients name their device in the path too; it must be the token's. */
    private static UUID pathClientId(Context ctx) {
        String clientId = ctx.pathParamMap().get("clientId");
        if (clientId == null) {
            return null;
        }
        try {
            return UUID.fromString(clientId);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("The clientId in the path must be a UUID");
        }
    }
}
