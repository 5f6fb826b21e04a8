package org.syncserver.console;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import org.syncserver.config.Config;
import org.syncserver.http.TooManyRequestsException;
import org.syncserver.identity.PasswordHasher;
import org.syncserver.identity.Secrets;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Operators' credentials, sessions and API tokens. Passwords and tokens are checked against Argon2id hashes from the
 * configuration; an unknown name costs the same hash as a known one. Attempts are throttled per client address:
 * each is charged before its hash, and refunded when it succeeds. Sessions live in this instance's memory (the console is one instance's port), keyed by the digest of
 * their cookie, and end after the configured idle time.
 */
public final class ConsoleAuth {

    /** A login's outcome: the cookie value to set, and the operator it speaks for. */
    public record NewSession(String cookie, Operator operator) {
    }

    private record Session(String operator, String csrf, long lastSeen) {
    }

    /** Sessions kept at most; the oldest go first. Operators are few: this only bounds a misbehaving script. */
    static final int MAX_SESSIONS = 1_000;
    /** A verified API token is remembered (by its digest) this long, so scripts do not pay an Argon2id hash a call. */
    private static final Duration VERIFIED_TOKEN_MEMORY = Duration.ofMinutes(5);

    private final Map<String, String> operators;
    private final List<String> tokenHashes;
    private final Duration sessionIdle;
    private final int failuresPerMinute;
    private final PasswordHasher hasher;
    private final Clock clock;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Cache<String, String> verifiedTokens = Caffeine.newBuilder()
            .maximumSize(100).expireAfterWrite(VERIFIED_TOKEN_MEMORY).build();
    private final Cache<String, Bucket> failures = Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterAccess(10, TimeUnit.MINUTES).build();

    public ConsoleAuth(Config.Admin config, PasswordHasher hasher, Clock clock) {
        this.operators = config.operators();
        this.tokenHashes = config.apiTokenHashes();
        this.sessionIdle = config.sessionIdle();
        this.failuresPerMinute = config.loginFailures();
        this.hasher = hasher;
        this.clock = clock;
    }

    /**
     * @return the operator, when the name and password are right; empty otherwise (which one was wrong is not said)
     * @throws TooManyRequestsException after too many failures from the address
     */
    public Optional<Operator> verifyPassword(String name, String password, String address) {
        Bucket attempts = chargeAttempt(address);
        String hash = operators.get(name);
        boolean valid;
        if (hash == null) {
            hasher.verifyDecoy(password);
            valid = false;
        } else {
            valid = hasher.verify(password, hash, null);
        }
        if (!valid) {
            return Optional.empty();
        }
        attempts.addTokens(1);
        return Optional.of(new Operator(name, address, Optional.empty()));
    }

    /** Starts a session for a verified operator. */
    public NewSession startSession(Operator verified) {
        long now = clock.millis();
        sessions.values().removeIf(session -> expired(session, now));
        if (sessions.size() >= MAX_SESSIONS) {
            sessions.entrySet().stream().min(Map.Entry.comparingByValue(
                            java.util.Comparator.comparingLong(Session::lastSeen)))
                    .ifPresent(oldest -> sessions.remove(oldest.getKey()));
        }
        String cookie = Secrets.randomToken();
        String csrf = Secrets.randomToken();
        sessions.put(Secrets.digest(cookie), new Session(verified.name(), csrf, now));
        return new NewSession(cookie, new Operator(verified.name(), verified.address(), Optional.of(csrf)));
    }

    /** The operator of a live session cookie, which this request keeps alive. */
    public Optional<Operator> fromSession(String cookie, String address) {
        if (cookie == null || cookie.isEmpty()) {
            return Optional.empty();
        }
        long now = clock.millis();
        String key = Secrets.digest(cookie);
        Session session = sessions.computeIfPresent(key,
                (k, found) -> expired(found, now) ? null : new Session(found.operator(), found.csrf(), now));
        return Optional.ofNullable(session)
                .map(live -> new Operator(live.operator(), address, Optional.of(live.csrf())));
    }

    public void endSession(String cookie) {
        if (cookie != null) {
            sessions.remove(Secrets.digest(cookie));
        }
    }

    /**
     * @return the operator {@code api-token-N} for the N-th configured token; empty when it matches none
     * @throws TooManyRequestsException after too many failures from the address
     */
    public Optional<Operator> fromApiToken(String token, String address) {
        String digest = Secrets.digest(token);
        String known = verifiedTokens.getIfPresent(digest);
        if (known != null) {
            return Optional.of(new Operator(known, address, Optional.empty()));
        }
        Bucket attempts = chargeAttempt(address);
        for (int i = 0; i < tokenHashes.size(); i++) {
            if (hasher.verify(token, tokenHashes.get(i), null)) {
                String name = "api-token-" + (i + 1);
                verifiedTokens.put(digest, name);
                attempts.addTokens(1);
                return Optional.of(new Operator(name, address, Optional.empty()));
            }
        }
        if (tokenHashes.isEmpty()) {
            hasher.verifyDecoy(token);
        }
        return Optional.empty();
    }

    /** A change made with a session must carry the session's CSRF token (a header, or a form field). */
    public static boolean csrfMatches(Operator operator, String presented) {
        return operator.csrf().map(expected -> presented != null && MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8))).orElse(true);
    }

    private boolean expired(Session session, long now) {
        return now - session.lastSeen() >= sessionIdle.toMillis();
    }

    /**
     * Takes one attempt from the address's allowance before the hash is computed, and gives it back only once the
     * credentials proved right: checking first and charging after let 60 concurrent guesses all through while the
     * bucket still looked full.
     */
    private Bucket chargeAttempt(String address) {
        Bucket bucket = bucket(address);
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            long nanos = probe.getNanosToWaitForRefill();
            throw new TooManyRequestsException(Math.max(1, TimeUnit.NANOSECONDS.toSeconds(nanos + 999_999_999L)));
        }
        return bucket;
    }

    private Bucket bucket(String address) {
        return failures.get(address, key -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(failuresPerMinute)
                        .refillGreedy(failuresPerMinute, Duration.ofMinutes(1)).build())
                .build());
    }
}
