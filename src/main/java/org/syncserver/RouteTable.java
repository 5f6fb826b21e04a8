package org.syncserver;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.Header;
import org.syncserver.account.AccountRoutes;
import org.syncserver.auth.AuthRoutes;
import org.syncserver.auth.AuthService;
import org.syncserver.auth.AuthorizationHeader;
import org.syncserver.error.AccessDeniedException;
import org.syncserver.events.EventRoutes;
import org.syncserver.health.HealthRoutes;
import org.syncserver.http.Access;
import org.syncserver.http.Route.Guarded;
import org.syncserver.http.Route;
import org.syncserver.http.RequestBodies;
import org.syncserver.identity.Principal;
import org.syncserver.metrics.MetricsRoutes;
import org.syncserver.password.PasswordRoutes;
import org.syncserver.realm.Realm;
import org.syncserver.realm.Realms;
import org.syncserver.spaces.SpaceRoutes;
import org.syncserver.sync.ConflictRoutes;
import org.syncserver.sync.SyncRoutes;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

import static org.syncserver.http.RateLimiter.Group.ACCOUNTS;
import static org.syncserver.http.RateLimiter.Group.PASSWORD;
import static org.syncserver.http.RateLimiter.Group.SYNC;
import static org.syncserver.http.RateLimiter.Group.UNLIMITED;
import static org.syncserver.http.Route.delete;
import static org.syncserver.http.Route.get;
import static org.syncserver.http.Route.patch;
import static org.syncserver.http.Route.post;

/**
 * Every route of the public port, one line each: path, rate-limit group, and the handler behind its access level.
 * The access level resolves what the handler receives before it runs: the realm of the path, and the device of a
 * bearer token or the credentials of a Basic header. A handler cannot be listed without one.
 */
final class RouteTable {

    /** The route handlers of every feature. */
    record Handlers(HealthRoutes health, MetricsRoutes metrics, AccountRoutes accounts, AuthRoutes auth,
                    PasswordRoutes password, SyncRoutes sync, ConflictRoutes conflicts, EventRoutes events,
                    SpaceRoutes spaces) {
    }

    interface InRealm {
        void handle(Context ctx, Realm realm) throws Exception;
    }

    interface AsDevice {
        void handle(Context ctx, Realm realm, Principal device) throws Exception;
    }

    interface WithCredentials {
        void handle(Context ctx, Realm realm, AuthorizationHeader.Credentials credentials) throws Exception;
    }

    private final Realms realms;
    private final AuthService auth;
    private final Optional<String> metricsToken;

    RouteTable(Realms realms, AuthService auth, Optional<String> metricsToken) {
        this.realms = realms;
        this.auth = auth;
        this.metricsToken = metricsToken;
    }

    List<Route> routes(Handlers h) {
        return List.of(
                get("/", UNLIMITED, open(ctx -> ctx.result("Hello from Sync Server!"))),
                get("/healthz", UNLIMITED, open(h.health()::healthz)),
                get("/readyz", UNLIMITED, open(h.health()::readyz)),
                get("/version", UNLIMITED, open(h.health()::version)),
                get("/metrics", UNLIMITED, configuredToken(h.metrics()::metrics)),

                post("/register/{realm}", ACCOUNTS, inRealm(h.accounts()::register)),
                post("/unregister/{realm}", ACCOUNTS, bearer(h.accounts()::unregister)),
                post("/login/{realm}", ACCOUNTS, basic(h.auth()::login)),
                // The client refreshes before every call, so refreshes count as sync traffic; the body holds the token.
                post("/login/{realm}/refreshToken", SYNC, inRealm(h.auth()::refreshToken)),
                post("/password/{realm}/forgotten", PASSWORD, inRealm(h.password()::forgotten)),
                post("/password/{realm}/change", PASSWORD, inRealm(h.password()::change)), // the body holds the PIN

                // 2024 clients call /pull/:realm; 2025+ clients /pull/:realm/:clientId, which must be the token's.
                post("/pull/{realm}", SYNC, bearer(h.sync()::pull)),
                post("/pull/{realm}/{clientId}", SYNC, bearer(h.sync()::pull)),
                post("/push/{realm}", SYNC, bearer(h.sync()::push)),
                post("/push/{realm}/{clientId}", SYNC, bearer(h.sync()::push)),
                post("/cancelSync/{realm}", SYNC, bearer(h.sync()::cancelSync)),
                get("/conflicts/{realm}/{clientId}", SYNC, bearer(h.conflicts()::list)),
                // A stream counts against the sync allowance once, when it opens.
                get("/events/{realm}/{clientId}", SYNC, bearer(h.events()::events)),

                // Shared spaces (PROTOCOL §12.2): any device's token of the user. Invitations send e-mail.
                get("/spaces/{realm}", SYNC, bearer(h.spaces()::list)),
                patch("/spaces/{realm}/{spaceId}", SYNC, bearer(h.spaces()::rename)),
                delete("/spaces/{realm}/{spaceId}", SYNC, bearer(h.spaces()::delete)),
                post("/spaces/{realm}/{spaceId}/invitations", ACCOUNTS, bearer(h.spaces()::invite)),
                patch("/spaces/{realm}/{spaceId}/members/{userId}", SYNC, bearer(h.spaces()::changeRole)),
                delete("/spaces/{realm}/{spaceId}/members/{userId}", SYNC, bearer(h.spaces()::removeMember)),
                get("/spaces/{realm}/invitations", SYNC, bearer(h.spaces()::invitations)),
                post("/spaces/{realm}/invitations/{invitationId}/accept", ACCOUNTS, bearer(h.spaces()::accept)),
                post("/spaces/{realm}/invitations/{invitationId}/decline", ACCOUNTS, bearer(h.spaces()::decline)));
    }

    private static Guarded open(Handler handler) {
        return new Guarded(Access.PUBLIC, handler);
    }

    private Guarded inRealm(InRealm handler) {
        return new Guarded(Access.PUBLIC, ctx -> handler.handle(ctx, realm(ctx)));
    }

    private Guarded basic(WithCredentials handler) {
        return new Guarded(Access.BASIC, ctx -> {
            Realm realm = realm(ctx);
            handler.handle(ctx, realm, AuthorizationHeader.basic(ctx.header(Header.AUTHORIZATION)));
        });
    }

    private Guarded bearer(AsDevice handler) {
        return new Guarded(Access.BEARER, ctx -> {
            Realm realm = realm(ctx);
            Principal device = auth.authenticate(realm, ctx.header(Header.AUTHORIZATION));
            RequestBodies.authenticated(ctx, device.userId());
            handler.handle(ctx, realm, device);
        });
    }

    /** {@code server.metricsToken}, when set, as a bearer token, compared in constant time. */
    private Guarded configuredToken(Handler handler) {
        return new Guarded(Access.CONFIGURED_TOKEN, ctx -> {
            if (metricsToken.isPresent()) {
                byte[] presented = AuthorizationHeader.bearer(ctx.header(Header.AUTHORIZATION))
                        .getBytes(StandardCharsets.UTF_8);
                if (!MessageDigest.isEqual(presented, metricsToken.get().getBytes(StandardCharsets.UTF_8))) {
                    throw new AccessDeniedException("Invalid metrics token");
                }
            }
            handler.handle(ctx);
        });
    }

    private Realm realm(Context ctx) {
        return realms.require(ctx.pathParam("realm"));
    }
}
