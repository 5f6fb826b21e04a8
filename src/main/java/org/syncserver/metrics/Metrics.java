package org.syncserver.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.DiskSpaceMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.syncserver.version.BuildInfo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** What the server counts and times, exposed at {@code GET /metrics} in Prometheus' text format. */
public final class Metrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public Metrics(BuildInfo build) {
        // The Prometheus convention for "which version runs where": a constant 1 labelled with the build.
        Gauge.builder("build.info", () -> 1)
                .description("the running build: version, commit and embedded PostgreSQL version")
                .tags("version", build.version(), "commit", build.commit(), "postgres", build.postgres())
                .register(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmCompilationMetrics().bindTo(registry); // JIT time: a server still compiling is not yet at speed
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        eventsSent(); // at zero from the start, as the realms' counters
        eventLatencyTimer();
    }

    /**
     * Registers a realm's counters at zero, so that every series exists from the start: {@code rate()} and the
     * alert rules see 0 rather than no data until the first event (deploy/prometheus).
     */
    public void realm(String realm) {
        counter("sync.pulls", PULLS, "realm", realm);
        counter("sync.pushes", PUSHES, "realm", realm);
        counter("sync.rows.pushed", ROWS_PUSHED, "realm", realm);
        counter("sync.rows.pulled", ROWS_PULLED, "realm", realm);
        for (String kind : CONFLICT_KINDS) {
            conflictCounter(realm, kind);
        }
        counter("sync.lock.refusals", LOCK_REFUSALS, "realm", realm);
        counter("sync.quota.refusals", QUOTA_REFUSALS, "realm", realm);
        counter("sync.tombstones.purged", TOMBSTONES_PURGED, "realm", realm);
        counter("sync.database.failovers", FAILOVERS, "realm", realm);
    }

    private static final String PULLS = "pulls answered (a sync begins with one)";
    private static final String PUSHES = "pushes stored";
    private static final String ROWS_PUSHED = "rows received in pushes";
    private static final String ROWS_PULLED = "rows sent in pull answers";
    private static final List<String> CONFLICT_KINDS = List.of("skipped", "overwritten");
    private static final String LOCK_REFUSALS = "pulls refused because the device was already syncing";
    private static final String QUOTA_REFUSALS = "pushes refused because they would pass a quota";
    private static final String FAILOVERS = "times the realm's writes moved to another PostgreSQL server (a failover)";
    private static final String TOMBSTONES_PURGED = "tombstones removed once every device had acknowledged them";

    /**
     * Free and total space of the file system holding {@code path} ({@code disk_free_bytes}, {@code
     * disk_total_bytes}): the embedded database's data, and the temporary files of large pushes.
     */
    public void disk(Path path) {
        new DiskSpaceMetrics(path.toFile()).bindTo(registry);
    }

    /** For the connection pools, which report their own gauges. */
    public MeterRegistry registry() {
        return registry;
    }

    public String scrape() {
        return registry.scrape();
    }

    public void request(String method, String route, int status, Duration duration) {
        requestTimers.computeIfAbsent(new RequestKey(method, route, status), key -> Timer.builder("http.server.requests")
                .description("HTTP requests by route template and status")
                .tags("method", method, "route", route, "status", String.valueOf(status))
                .publishPercentileHistogram()
                .register(registry)).record(duration);
    }

    /** A request's timer is found here, not built and looked up in the registry again for every request. */
    private final Map<RequestKey, Timer> requestTimers = new ConcurrentHashMap<>();

    /** Route templates and statuses are few: so are these. */
    private record RequestKey(String method, String route, int status) {
    }

    /** A push stored (one of the requests of a push in several parts), and its rows. */
    public void rowsPushed(String realm, int rows) {
        counter("sync.pushes", PUSHES, "realm", realm).increment();
        counter("sync.rows.pushed", ROWS_PUSHED, "realm", realm).increment(rows);
    }

    /** A pull answered, and its rows: every sync begins with one, so pulls count syncs. */
    public void rowsPulled(String realm, int rows) {
        counter("sync.pulls", PULLS, "realm", realm).increment();
        counter("sync.rows.pulled", ROWS_PULLED, "realm", realm).increment(rows);
    }

    /**
     * Changes last-writer-wins threw away, by kind, as the conflict journal records them: {@code skipped} (a pushed
     * change older than a version the pusher had not seen), {@code overwritten} (a version the pusher had not seen,
     * replaced by a newer push).
     */
    public void conflicts(String realm, String kind, int rows) {
        if (rows > 0) {
            conflictCounter(realm, kind).increment(rows);
        }
    }

    private Counter conflictCounter(String realm, String kind) {
        return Counter.builder("sync.conflicts").description("changes that lost to a concurrent one, by kind")
                .tags("realm", realm, "kind", kind).register(registry);
    }

    /** A gauge read when scraped. */
    public void gauge(String name, String description, java.util.function.Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    public void eventSent() {
        eventsSent().increment();
    }

    private Counter eventsSent() {
        return Counter.builder("events.sent").description("change events written to event streams").register(registry);
    }

    /** From a push's commit to the notification's dispatch on this instance. */
    public void eventLatency(Duration latency) {
        eventLatencyTimer().record(latency);
    }

    private Timer eventLatencyTimer() {
        return Timer.builder("events.latency").description("push commit to change event, as notified")
                .publishPercentileHistogram().register(registry);
    }

    /** Pushes refused because they would pass a quota (PROTOCOL §13.1). */
    public void quotaRefused(String realm) {
        counter("sync.quota.refusals", QUOTA_REFUSALS, "realm", realm).increment();
    }

    public void tombstonesPurged(String realm, long rows) {
        counter("sync.tombstones.purged", TOMBSTONES_PURGED, "realm", realm).increment(rows);
    }

    /** A realm's gauge, read when scraped. */
    public void realmGauge(String name, String description, String realm, java.util.function.Supplier<Number> value) {
        Gauge.builder(name, value).description(description).tag("realm", realm).register(registry);
    }

    public void failover(String realm) {
        counter("sync.database.failovers", FAILOVERS, "realm", realm).increment();
    }

    public void lockRefused(String realm) {
        counter("sync.lock.refusals", LOCK_REFUSALS, "realm", realm).increment();
    }

    public void mail(boolean sent) {
        counter("mail.pin", "PIN e-mails by outcome", "outcome", sent ? "sent" : "failed").increment();
    }

    public void rateLimited(String group) {
        counter("http.rate.limit.refusals", "requests refused with 429", "group", group).increment();
    }

    private Counter counter(String name, String description, String tag, String value) {
        return Counter.builder(name).description(description).tag(tag, value).register(registry);
    }
}
