package org.syncserver.health;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A realm's readiness as a gauge ({@code sync_realm_ready}): the answer of the last check, and a new check started
 * in the background when that one is older than {@link #CHECK_EVERY}. A scrape never waits for a database, and a
 * Prometheus scraping every few seconds costs the database one {@code isValid} now and then. The value lags one
 * scrape behind: alerts wait minutes anyway.
 */
final class ReadinessGauge {

    static final Duration CHECK_EVERY = Duration.ofSeconds(10);

    private final Supplier<CompletableFuture<Boolean>> check;
    private volatile boolean ready;
    private long checkedAt;
    private CompletableFuture<Boolean> running;

    ReadinessGauge(Supplier<CompletableFuture<Boolean>> check) {
        this.check = check;
        this.ready = check.get().join(); // the first scrape after start tells the truth
        this.checkedAt = System.nanoTime();
    }

    int value() {
        checkAgainIfOld();
        return ready ? 1 : 0;
    }

    private synchronized void checkAgainIfOld() {
        boolean checking = running != null && !running.isDone();
        if (checking || System.nanoTime() - checkedAt < CHECK_EVERY.toNanos()) {
            return;
        }
        checkedAt = System.nanoTime();
        running = check.get().thenApply(up -> ready = up);
    }
}
