package org.syncserver.console;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.javalin.http.Context;
import org.syncserver.http.ClientAddress;
import org.syncserver.http.TooManyRequestsException;

import java.time.Duration;
import java.util.Optional;

/**
 * Logging in and out of the console, for the API and the pages alike: the session cookie (HttpOnly,
 * SameSite=Strict, Secure when the console is reached over TLS) and an audit entry for every attempt, written before
 * the answer: a success, a failure, and (once a minute per address) a refusal by the throttle. API tokens are
 * checked here too, so a wrong one is audited like a wrong password.
 */
public final class ConsoleLogin {

    public static final String COOKIE = "syncserver_console";

    /** Who an unknown API token is audited as (the token itself is never written anywhere). */
    private static final String API_TOKEN_CALLER = "(API token)";

    private final Cache<String, Boolean> throttledRecorded = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(1)).build();
    private final ConsoleAuth auth;
    private final AuditLog audit;
    private final ClientAddress addresses;

    public ConsoleLogin(ConsoleAuth auth, AuditLog audit, ClientAddress addresses) {
        this.auth = auth;
        this.audit = audit;
        this.addresses = addresses;
    }

    /** @return the operator, with a new session set as the cookie; empty when the credentials are wrong */
    public Optional<Operator> logIn(Context ctx, String name, String password) {
        String address = addresses.of(ctx);
        Optional<Operator> verified;
        try {
            verified = auth.verifyPassword(name, password, address);
        } catch (TooManyRequestsException e) {
            recordThrottled(name, address, "login");
            throw e;
        }
        audit.record(name, address, "login", verified.isPresent() ? "succeeded" : "failed: wrong name or password");
        return verified.map(operator -> {
            ConsoleAuth.NewSession session = auth.startSession(operator);
            ctx.header("Set-Cookie", COOKIE + "=" + session.cookie() + "; Path=/; HttpOnly; SameSite=Strict"
                    + (overTls(ctx) ? "; Secure" : ""));
            return session.operator();
        });
    }

    /** The operator of an API token; a wrong token and a throttled attempt are audited like a failed login. */
    public Optional<Operator> fromApiToken(String token, String address) {
        Optional<Operator> verified;
        try {
            verified = auth.fromApiToken(token, address);
        } catch (TooManyRequestsException e) {
            recordThrottled(API_TOKEN_CALLER, address, "api-token");
            throw e;
        }
        if (verified.isEmpty()) {
            audit.record(API_TOKEN_CALLER, address, "api-token", "failed: unknown API token");
        }
        return verified;
    }

    /**
     * Audits a refusal for too many failed attempts once a minute per address and kind: the throttle answers a flood
     * without work, and the audit log must not become the flood's target instead.
     */
    private void recordThrottled(String name, String address, String action) {
        if (throttledRecorded.asMap().putIfAbsent(action + " " + address, Boolean.TRUE) == null) {
            audit.record(name, address, action, "refused: too many failed attempts from this address "
                    + "(further refusals within a minute are not recorded)");
        }
    }

    public void logOut(Context ctx, Operator operator) {
        auth.endSession(ctx.cookie(COOKIE));
        ctx.header("Set-Cookie", COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
                + (overTls(ctx) ? "; Secure" : ""));
        audit.record(operator.name(), operator.address(), "logout", "succeeded");
    }

    /** Directly, or behind a reverse proxy that terminates TLS and says so. */
    private static boolean overTls(Context ctx) {
        return "https".equalsIgnoreCase(ctx.scheme()) || "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto"));
    }
}
