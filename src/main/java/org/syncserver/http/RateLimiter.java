package org.syncserver.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import org.syncserver.config.RateLimits;
import org.syncserver.metrics.Metrics;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per client address and route group, a token bucket that holds a minute's allowance and refills continuously,
 * so short bursts pass and a steady excess is refused with 429. Limits are per server instance.
 */
public final class RateLimiter {

    /** The allowance a route draws from; UNLIMITED for health, version and metrics. */
    public enum Group { ACCOUNTS, PASSWORD, SYNC, UNLIMITED }

    /** Above this many tracked addresses, buckets that have refilled completely are dropped. */
    private static final int SWEEP_THRESHOLD = 10_000;
    private static final long MINUTE_MS = 60_000;

    private record Key(Group group, String address) {
    }

    private static final class Bucket {
        private double tokens;
        private long updatedAt;

        Bucket(double capacity, long now) {
            tokens = capacity;
            updatedAt = now;
        }

        /** @return 0 when a token was taken, else the milliseconds until one is available */
        synchronized long take(double capacity, long now) {
            refill(capacity, now);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) * MINUTE_MS / capacity);
        }

        synchronized boolean isFull(double capacity, long now) {
            refill(capacity, now);
            return tokens >= capacity;
        }

        private void refill(double capacity, long now) {
            tokens = Math.min(capacity, tokens + (now - updatedAt) * capacity / MINUTE_MS);
            updatedAt = now;
        }
    }

    private final Map<Key, Bucket> buckets = new ConcurrentHashMap<>();
    private final RateLimits limits;
    private final boolean disabled;
    private final ClientAddress addresses;
    private final Clock clock;
    private final Metrics metrics;

    public RateLimiter(RateLimits limits, boolean disabled, ClientAddress addresses, Clock clock, Metrics metrics) {
        this.limits = limits;
        this.addresses = addresses;
        this.disabled = disabled;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** The handler, preceded by the group's limit. */
    public Handler limit(Group group, Handler handler) {
        if (disabled || group == Group.UNLIMITED) {
            return handler;
        }
        return ctx -> {
            check(group, addresses.of(ctx));
            handler.handle(ctx);
        };
    }

    private void check(Group group, String address) {
        double capacity = perMinute(group);
        long now = clock.millis();
        if (buckets.size() > SWEEP_THRESHOLD) {
            buckets.entrySet().removeIf(entry -> entry.getValue().isFull(perMinute(entry.getKey().group()), now));
        }
        long waitMs = buckets.computeIfAbsent(new Key(group, address), key -> new Bucket(capacity, now)).take(capacity, now);
        if (waitMs > 0) {
            metrics.rateLimited(group.name().toLowerCase(java.util.Locale.ROOT));
            throw new TooManyRequestsException(Math.max(1, (waitMs + 999) / 1000));
        }
    }

    private double perMinute(Group group) {
        return switch (group) {
            case ACCOUNTS -> limits.accountsPerMinute();
            case PASSWORD -> limits.passwordPerMinute();
            case SYNC -> limits.syncPerMinute();
            case UNLIMITED -> Double.MAX_VALUE;
        };
    }

}
