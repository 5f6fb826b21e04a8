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
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.syncserver.version.BuildInfo;

import java.time.Duration;

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
    }

    /** For the connection pools, which report their own gauges. */
    public MeterRegistry registry() {
        return registry;
    }

    public String scrape() {
        return registry.scrape();
    }

    public void request(String method, String route, int status, Duration duration) {
        Timer.builder("http.server.requests")
                .description("HTTP requests by route template and status")
                .tags("method", method, "route", route, "status", String.valueOf(status))
                .publishPercentileHistogram()
                .register(registry)
                .record(duration);
    }

    public void rowsPushed(String realm, int rows) {
        counter("sync.rows.pushed", "rows received in pushes", "realm", realm).increment(rows);
    }

    public void rowsPulled(String realm, int rows) {
        counter("sync.rows.pulled", "rows sent in pull answers", "realm", realm).increment(rows);
    }

    /**
     * Changes last-writer-wins threw away, by kind, as the conflict journal records them: {@code skipped} (a pushed
     * change older than a version the pusher had not seen), {@code overwritten} (a version the pusher had not seen,
     * replaced by a newer push).
     */
    public void conflicts(String realm, String kind, int rows) {
        if (rows > 0) {
            Counter.builder("sync.conflicts").description("changes that lost to a concurrent one, by kind")
                    .tags("realm", realm, "kind", kind).register(registry).increment(rows);
        }
    }

    /** A gauge read when scraped. */
    public void gauge(String name, String description, java.util.function.Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    public void eventSent() {
        Counter.builder("events.sent").description("change events written to event streams").register(registry)
                .increment();
    }

    /** From a push's commit to the notification's dispatch on this instance. */
    public void eventLatency(Duration latency) {
        Timer.builder("events.latency").description("push commit to change event, as notified")
                .publishPercentileHistogram().register(registry).record(latency);
    }

    /** Pushes refused because they would pass a quota (PROTOCOL §13.1). */
    public void quotaRefused(String realm) {
        counter("sync.quota.refusals", "pushes refused because they would pass a quota", "realm", realm).increment();
    }

    public void tombstonesPurged(String realm, long rows) {
        counter("sync.tombstones.purged", "tombstones removed once every device had acknowledged them", "realm", realm)
                .increment(rows);
    }

    /** A realm's gauge, read when scraped. */
    public void realmGauge(String name, String description, String realm, java.util.function.Supplier<Number> value) {
        Gauge.builder(name, value).description(description).tag("realm", realm).register(registry);
    }

    public void lockRefused(String realm) {
        counter("sync.lock.refusals", "pulls refused because the device was already syncing", "realm", realm).increment();
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
