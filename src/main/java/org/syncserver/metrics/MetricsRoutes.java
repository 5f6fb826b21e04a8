package org.syncserver.metrics;

import io.javalin.http.Context;

/** {@code GET /metrics} in Prometheus' text format; its token, when configured, is checked by the route table. */
public final class MetricsRoutes {

    private final Metrics metrics;

    public MetricsRoutes(Metrics metrics) {
        this.metrics = metrics;
    }

    public void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }
}
