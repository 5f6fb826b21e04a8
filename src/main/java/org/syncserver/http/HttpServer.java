package org.syncserver.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.compression.Gzip;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import io.javalin.router.Endpoint;
import io.opentelemetry.api.trace.Span;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.metrics.Metrics;

import java.time.Duration;
import java.util.List;

/** The HTTP face of the server: what every route shares. The routes themselves are listed in RouteTable. */
public final class HttpServer {

    private static final Logger accessLog = LoggerFactory.getLogger("access");
    /** How long a stopping server waits for requests in flight (a large push takes a second or two). */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(20);
    private static final int GZIP_LEVEL = 1;

    private HttpServer() {
    }

    /** Which face a port shows: the public API, or the operator console with its HTML pages. */
    public enum Surface {
        /** Browsers run the client too (Flutter web): any origin may call; nothing is rendered. */
        PUBLIC(true, "default-src 'none'; frame-ancestors 'none'"),
        /** Same-origin only; pages may load the console's own stylesheet and post forms to it, nothing else. */
        CONSOLE(false, "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                + "frame-ancestors 'none'; base-uri 'none'");

        private final boolean anyOrigin;
        private final String contentSecurityPolicy;

        Surface(boolean anyOrigin, String contentSecurityPolicy) {
            this.anyOrigin = anyOrigin;
            this.contentSecurityPolicy = contentSecurityPolicy;
        }
    }

    /** Serves the routes of the table; each is wrapped in its rate limit. */
    public static Javalin start(Surface surface, String host, int port, ObjectMapper json, RequestBodies bodies,
                                List<Route> routes, RateLimiter limiter, Metrics metrics) {
        return Javalin.create(config -> {
            configure(config, surface, json, new ErrorMapper(bodies), metrics);
            for (Route route : routes) {
                config.routes.addHttpHandler(route.method(), route.path(),
                        limiter.limit(route.group(), route.guarded().handler()));
            }
        }).start(host, port);
    }

    private static void configure(JavalinConfig config, Surface surface, ObjectMapper json, ErrorMapper errors,
                                  Metrics metrics) {
        config.startup.showJavalinBanner = false;
        // On stop, refuse new requests and let those in flight finish, for up to SHUTDOWN_GRACE.
        config.jetty.modifyServer(server -> {
            server.setStopTimeout(SHUTDOWN_GRACE.toMillis());
            server.insertHandler(new GracefulHandler());
            server.setErrorHandler(new JsonErrorHandler());
        });
        // Platform threads: a request's database round trips then block in plain socket reads. On virtual threads
        // each read also went through the JDK's poller (epoll registration, a wake-up, a hand-off back to a carrier):
        // 22-40 % more server CPU a sync, measured (docs/adr/0004-request-threads.md). Requests wait on at most one
        // pooled connection, with bounded waits, so a few hundred threads suffice.
        config.concurrency.useVirtualThreads = false;
        config.jsonMapper(new JavalinJackson(json, true));
        // Level 1: JSON still shrinks about 8 times, for a fraction of the CPU of the default level 6 (a large pull
        // spent 40 % of its time compressing at level 6; see docs/performance.md).
        config.http.compressionStrategy = new CompressionStrategy(null, new Gzip(GZIP_LEVEL));
        if (surface.anyOrigin) {
            config.bundledPlugins.enableCors(cors -> cors.addRule(rule -> rule.anyHost()));
        }
        config.routes.before(ctx -> securityHeaders(ctx, surface.contentSecurityPolicy));
        config.routes.beforeMatched(HttpServer::nameTracedRequest);
        config.routes.exception(Exception.class, errors::handle);
        config.routes.error(404, errors::unknownRoute);
        config.requestLogger.http((ctx, millis) -> {
            logAccess(ctx, millis);
            metrics.request(ctx.method().name(), routeOf(ctx), ctx.statusCode(), Duration.ofNanos((long) (millis * 1e6)));
        });
    }

    /**
     * With the javaagent (README "Tracing"): its span of the request is named by the route template, as the access
     * log and the metrics name it; the agent does not know Javalin 7's routes and names every request "POST *" (its
     * {@code http.route} stays "*": the agent sets it at the end from its own bookkeeping). Without the agent the
     * current span is a no-op that records nothing.
     */
    private static void nameTracedRequest(Context ctx) {
        Span request = Span.current();
        if (request.isRecording()) {
            request.updateName(ctx.method().name() + " " + routeOf(ctx));
        }
    }

    private static void securityHeaders(Context ctx, String contentSecurityPolicy) {
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-store");
        ctx.header("Content-Security-Policy", contentSecurityPolicy);
    }

    /**
     * Method, route template (never the raw path: it holds ids), realm, status and time; never a header or body.
     * The fields also go as key-value pairs, which the JSON log format writes as structured fields. The realm comes
     * from the request: its control characters are escaped, so that it cannot forge a log line.
     */
    private static void logAccess(Context ctx, Float millis) {
        String method = ctx.method().name();
        String route = routeOf(ctx);
        String realm = LogText.printable(ctx.pathParamMap().getOrDefault("realm", "-"));
        long ms = Math.round(millis);
        accessLog.atInfo()
                .addKeyValue("method", method).addKeyValue("route", route).addKeyValue("realm", realm)
                .addKeyValue("status", ctx.statusCode()).addKeyValue("ms", ms)
                .log("{} {} realm={} {} {}ms", method, route, realm, ctx.statusCode(), ms);
    }

    /** A request that stays open on purpose (a long poll) must outlive the connection's idle timeout. */
    public static void keepIdle(Context ctx, Duration atLeast) {
        var endPoint = RequestBodies.endPoint(ctx);
        endPoint.setIdleTimeout(Math.max(endPoint.getIdleTimeout(), atLeast.toMillis()));
    }

    static String routeOf(Context ctx) {
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        return endpoint == null ? "(no route)" : endpoint.path;
    }
}
