package org.syncserver.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.javalin.http.Handler;
import org.syncserver.config.RateLimits;
import org.syncserver.metrics.Metrics;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Per client address and route group, a token bucket (Bucket4j) that holds a minute's allowance and refills
 * continuously, so short bursts pass and a steady excess is refused with 429. The buckets live in a map bounded in
 * size (Caffeine): a flood of addresses evicts the least recently seen, it never makes every request sweep a huge
 * map. Limits are per server instance.
 */
public final class RateLimiter {

    /** The allowance a route draws from; UNLIMITED for health, version and metrics. */
    public enum Group { ACCOUNTS, PASSWORD, SYNC, UNLIMITED }

    /** Addresses tracked at most; an evicted address starts again with a full bucket. */
    static final int MAX_TRACKED = 100_000;

    private record Key(Group group, String address) {
    }

    private final Cache<Key, Bucket> buckets = Caffeine.newBuilder()
            .maximumSize(MAX_TRACKED)
            .expireAfterAccess(10, TimeUnit.MINUTES)
            .build();
    private final RateLimits limits;
    private final ClientAddress addresses;
    private final TimeMeter time;
    private final Metrics metrics;

    public RateLimiter(RateLimits limits, ClientAddress addresses, Clock clock, Metrics metrics) {
        this.limits = limits;
        this.addresses = addresses;
        this.metrics = metrics;
        this.time = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return TimeUnit.MILLISECONDS.toNanos(clock.millis());
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
    }

    /** The handler, preceded by the group's limit. */
    public Handler limit(Group group, Handler handler) {
        if (limits.disabled() || group == Group.UNLIMITED) {
            return handler;
        }
        return ctx -> {
            check(group, addresses.of(ctx));
            handler.handle(ctx);
        };
    }

    private void check(Group group, String address) {
        ConsumptionProbe probe = buckets.get(new Key(group, address), key -> newBucket(perMinute(group)))
                .tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            metrics.rateLimited(group.name().toLowerCase(Locale.ROOT));
            long seconds = TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L);
            throw new TooManyRequestsException(Math.max(1, seconds));
        }
    }

    private Bucket newBucket(int perMinute) {
        return Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)).build())
                .withCustomTimePrecision(time)
                .build();
    }

    private int perMinute(Group group) {
        return switch (group) {
            case ACCOUNTS -> limits.accountsPerMinute();
            case PASSWORD -> limits.passwordPerMinute();
            case SYNC -> limits.syncPerMinute();
            case UNLIMITED -> throw new IllegalArgumentException("UNLIMITED has no bucket");
        };
    }
}
