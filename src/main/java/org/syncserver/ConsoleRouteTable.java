package org.syncserver;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.Header;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpStatus;
import org.syncserver.auth.AuthorizationHeader;
import org.syncserver.console.ConsoleApi;
import org.syncserver.console.ConsoleAuth;
import org.syncserver.console.ConsoleLogin;
import org.syncserver.console.ConsolePages;
import org.syncserver.console.Operator;
import org.syncserver.error.AccessDeniedException;
import org.syncserver.error.UnauthorizedException;
import org.syncserver.http.Access;
import org.syncserver.http.ClientAddress;
import org.syncserver.http.ErrorMapper;
import org.syncserver.http.Route;
import org.syncserver.http.Route.Guarded;

import java.util.List;
import java.util.Optional;

import static org.syncserver.http.RateLimiter.Group.UNLIMITED;
import static org.syncserver.http.Route.delete;
import static org.syncserver.http.Route.get;
import static org.syncserver.http.Route.post;

/**
 * Every route of the console's port (PROTOCOL §11.4), one line each. None is served on the public port. Failed
 * logins and API tokens are throttled per address by {@link ConsoleAuth} (the routes' own group is UNLIMITED: an
 * operator at work is never slowed down, and the sync rate switch cannot turn the throttle off).
 * <ul>
 *   <li>{@code page}: a session cookie, else a redirect to the login form; a POST must carry the session's CSRF
 *   token as the form field {@code csrf}; errors are shown as a page.</li>
 *   <li>{@code operator}: a session cookie or an API token ({@code Authorization: Bearer}), else 401; a change made
 *   with a session must carry its CSRF token in the {@code X-CSRF-Token} header.</li>
 * </ul>
 */
final class ConsoleRouteTable {

    interface AsOperator {
        void handle(Context ctx, Operator operator) throws Exception;
    }

    private final ConsoleAuth auth;
    private final ConsoleLogin login;
    private final ClientAddress addresses;

    ConsoleRouteTable(ConsoleAuth auth, ConsoleLogin login, ClientAddress addresses) {
        this.auth = auth;
        this.login = login;
        this.addresses = addresses;
    }

    List<Route> routes(ConsoleApi api, ConsolePages pages) {
        return List.of(
                get("/console.css", UNLIMITED, open(pages::stylesheet)),
                get("/login", UNLIMITED, open(pages::loginForm)),
                post("/login", UNLIMITED, open(pages::login)),
                post("/logout", UNLIMITED, page(pages::logout)),
                get("/", UNLIMITED, open(ctx -> ctx.redirect("/realms", HttpStatus.SEE_OTHER))),
                get("/realms", UNLIMITED, page(pages::realms)),
                get("/realms/{realm}/users", UNLIMITED, page(pages::users)),
                get("/realms/{realm}/devices", UNLIMITED, page(pages::devices)),
                get("/realms/{realm}/spaces", UNLIMITED, page(pages::spaces)),
                get("/realms/{realm}/users/{userId}", UNLIMITED, page(pages::user)),
                get("/realms/{realm}/users/{userId}/export", UNLIMITED, page(api::export)),
                get("/realms/{realm}/users/{userId}/password-reset", UNLIMITED, page(pages::confirmUser)),
                post("/realms/{realm}/users/{userId}/password-reset", UNLIMITED, page(pages::passwordReset)),
                get("/realms/{realm}/users/{userId}/delete", UNLIMITED, page(pages::confirmUser)),
                post("/realms/{realm}/users/{userId}/delete", UNLIMITED, page(pages::deleteUser)),
                get("/realms/{realm}/devices/{clientId}/revoke", UNLIMITED, page(pages::confirmDevice)),
                post("/realms/{realm}/devices/{clientId}/revoke", UNLIMITED, page(pages::revoke)),
                get("/realms/{realm}/devices/{clientId}/release-lock", UNLIMITED, page(pages::confirmDevice)),
                post("/realms/{realm}/devices/{clientId}/release-lock", UNLIMITED, page(pages::releaseLock)),
                get("/audit", UNLIMITED, page(pages::audit)),

                post("/api/login", UNLIMITED, open(api::login)),
                post("/api/logout", UNLIMITED, operator(api::logout)),
                get("/api/realms", UNLIMITED, operator(api::realms)),
                get("/api/realms/{realm}/users", UNLIMITED, operator(api::users)),
                get("/api/realms/{realm}/users/{userId}", UNLIMITED, operator(api::user)),
                get("/api/realms/{realm}/users/{userId}/lifecycle", UNLIMITED, operator(api::userLifecycle)),
                get("/api/realms/{realm}/users/{userId}/spaces", UNLIMITED, operator(api::userSpaces)),
                get("/api/realms/{realm}/spaces", UNLIMITED, operator(api::spaces)),
                get("/api/realms/{realm}/devices/stuck", UNLIMITED, operator(api::stuckDevices)),
                get("/api/realms/{realm}/devices/unseen", UNLIMITED, operator(api::unseenDevices)),
                post("/api/realms/{realm}/tombstones/purge", UNLIMITED, operator(api::purgeTombstones)),
                delete("/api/realms/{realm}/users/{userId}", UNLIMITED, operator(api::deleteUser)),
                get("/api/realms/{realm}/users/{userId}/export", UNLIMITED, operator(api::export)),
                post("/api/realms/{realm}/users/{userId}/password-reset", UNLIMITED, operator(api::passwordReset)),
                post("/api/realms/{realm}/devices/{clientId}/revoke", UNLIMITED, operator(api::revoke)),
                post("/api/realms/{realm}/devices/{clientId}/release-lock", UNLIMITED, operator(api::releaseLock)),
                get("/api/audit", UNLIMITED, operator(api::audit)));
    }

    private static Guarded open(Handler handler) {
        return new Guarded(Access.PUBLIC, handler);
    }

    private Guarded operator(AsOperator handler) {
        return new Guarded(Access.OPERATOR, ctx -> {
            Operator operator = apiCaller(ctx).orElseThrow(() -> new UnauthorizedException(
                    "Log in first (POST /api/login), or send an API token as Authorization: Bearer"));
            if (isChange(ctx) && !ConsoleAuth.csrfMatches(operator, ctx.header("X-CSRF-Token"))) {
                throw new AccessDeniedException("A change needs the session's CSRF token in the X-CSRF-Token header");
            }
            handler.handle(ctx, operator);
        });
    }

    private Guarded page(AsOperator handler) {
        return new Guarded(Access.OPERATOR, ctx -> {
            Optional<Operator> operator = auth.fromSession(ctx.cookie(ConsoleLogin.COOKIE), addresses.of(ctx));
            if (operator.isEmpty()) {
                ctx.redirect("/login", HttpStatus.SEE_OTHER);
                return;
            }
            if (isChange(ctx) && !ConsoleAuth.csrfMatches(operator.get(), ctx.formParam("csrf"))) {
                ConsolePages.error(ctx, 403, "This form has expired or did not come from the console. Go back, "
                        + "reload the page and try again.");
                return;
            }
            try {
                handler.handle(ctx, operator.get());
            } catch (RuntimeException e) {
                int status = ErrorMapper.statusOf(e);
                if (status == 500) {
                    throw e;
                }
                ConsolePages.error(ctx, status, e.getMessage());
            }
        });
    }

    /** An API token when the request has one (a wrong one is refused, not ignored), else a session cookie. */
    private Optional<Operator> apiCaller(Context ctx) {
        String address = addresses.of(ctx);
        Optional<String> token = AuthorizationHeader.bearerIfPresent(ctx.header(Header.AUTHORIZATION));
        return token.isPresent() ? login.fromApiToken(token.get(), address)
                : auth.fromSession(ctx.cookie(ConsoleLogin.COOKIE), address);
    }

    private static boolean isChange(Context ctx) {
        return ctx.method() != HandlerType.GET && ctx.method() != HandlerType.HEAD;
    }
}
