package org.syncserver.health;

import io.javalin.http.Context;
import org.syncserver.metrics.Metrics;
import org.syncserver.realm.Realm;
import org.syncserver.realm.Realms;
import org.syncserver.version.BuildInfo;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /healthz} (the process answers), {@code GET /readyz} (every realm's database answers) and
 * {@code GET /version} (what runs).
 */
public final class HealthRoutes {

    /** A load balancer's probe must get an answer quickly, even when a database hangs. */
    static final Duration READINESS_TIMEOUT = Duration.ofSeconds(2);

    private final Realms realms;
    private final BuildInfo build;
    /**
     * Not closed: a hung check must not hold up the answer (the pool's silence bound ends it). Platform threads, not
     * virtual: a pooled connection that a virtual thread once read from stays non-blocking for good, and every later
     * read of every request on it paid a poll (the probes and each metrics scrape made one such connection a time).
     */
    private final ExecutorService checks = Executors.newCachedThreadPool(
            Thread.ofPlatform().name("readiness-check-", 0).daemon().factory());

    public HealthRoutes(Realms realms, BuildInfo build, Metrics metrics) {
        this.realms = realms;
        this.build = build;
        for (Realm realm : realms.all()) {
            ReadinessGauge gauge = new ReadinessGauge(() -> check(realm));
            metrics.realmGauge("sync.realm.ready", "1 while the realm's database is migrated and answers, as /readyz "
                    + "judges it; checked when scraped, at most every " + ReadinessGauge.CHECK_EVERY.toSeconds()
                    + " s", realm.name(), gauge::value);
        }
    }

    public void version(Context ctx) {
        ctx.json(build);
    }

    public void healthz(Context ctx) {
        ctx.json(Map.of("status", "ok"));
    }

    public void readyz(Context ctx) {
        Map<String, CompletableFuture<Boolean>> checking = new LinkedHashMap<>();
        realms.all().forEach(realm -> checking.put(realm.name(), check(realm)));
        Map<String, String> states = new LinkedHashMap<>();
        checking.forEach((name, up) -> states.put(name, up.join() ? "up" : "down"));
        List<String> down = states.entrySet().stream().filter(e -> e.getValue().equals("down")).map(Map.Entry::getKey)
                .toList();
        if (down.isEmpty()) {
            ctx.json(Map.of("status", "ready", "realms", states));
        } else {
            ctx.status(503).json(new NotReady(503, "Realm databases not available: " + String.join(", ", down),
                    "not ready", states));
        }
    }

    /** A 503 in the error format (code, message first) with the state of every realm. */
    private record NotReady(int code, String message, String status, Map<String, String> realms) {
    }

    private CompletableFuture<Boolean> check(Realm realm) {
        if (!realm.isReady()) {
            return CompletableFuture.completedFuture(false);
        }
        return CompletableFuture.supplyAsync(() -> realm.database().withConnection(
                        connection -> connection.isValid((int) READINESS_TIMEOUT.toSeconds())), checks)
                .completeOnTimeout(false, READINESS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(failure -> false);
    }
}
