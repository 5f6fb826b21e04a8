package org.syncserver.console;

import io.javalin.http.Context;
import org.syncserver.http.ClientAddress;

import java.util.Optional;

/**
 * Logging in and out of the console, for the API and the pages alike: the session cookie (HttpOnly,
 * SameSite=Strict, Secure when the console is reached over TLS) and an audit entry for every attempt, written before
 * the answer.
 */
public final class ConsoleLogin {

    public static final String COOKIE = "syncserver_console";

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
        Optional<Operator> verified = auth.verifyPassword(name, password, address);
        audit.record(name, address, "login", verified.isPresent() ? "succeeded" : "failed: wrong name or password");
        return verified.map(operator -> {
            ConsoleAuth.NewSession session = auth.startSession(operator);
            ctx.header("Set-Cookie", COOKIE + "=" + session.cookie() + "; Path=/; HttpOnly; SameSite=Strict"
                    + (overTls(ctx) ? "; Secure" : ""));
            return session.operator();
        });
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
