package org.syncserver.ops;

import io.javalin.http.Context;
import io.javalin.http.Header;
import org.syncserver.error.AccessDeniedException;
import org.syncserver.error.UnauthorizedException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/** {@code GET /metrics}; when {@code server.metricsToken} is set, only with {@code Authorization: Bearer <token>}. */
public final class MetricsRoutes {

    private final Metrics metrics;
    private final Optional<String> token;

    public MetricsRoutes(Metrics metrics, Optional<String> token) {
        this.metrics = metrics;
        this.token = token;
    }

    public void metrics(Context ctx) {
        token.ifPresent(expected -> requireToken(ctx.header(Header.AUTHORIZATION), expected));
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }

    private static void requireToken(String authorization, String expected) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            throw new UnauthorizedException("Missing bearer token");
        }
        byte[] presented = authorization.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(presented, expected.getBytes(StandardCharsets.UTF_8))) {
            throw new AccessDeniedException("Invalid metrics token");
        }
    }
}
