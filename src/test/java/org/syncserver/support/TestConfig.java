package org.syncserver.support;

import org.syncserver.config.BackupConfig;
import org.syncserver.config.Config;
import org.syncserver.config.LogSettings;
import org.syncserver.config.MailConfig;
import org.syncserver.config.RateLimits;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.Sharing;
import org.syncserver.config.Timeouts;
import org.syncserver.config.TokenMode;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A {@link Config} for tests: random port, rate limiting off, no mail, unless a test says otherwise. */
public final class TestConfig {

    /**
     * For tests of what happens when something hangs or is down: the same behaviour as in production, reached in a
     * fraction of the time (pool 300 ms, lock 5 s, statement 30 s, SMTP 1 s, realm retry 200 ms, body grace 2 s).
     */
    public static final Timeouts SHORT_TIMEOUTS = new Timeouts(Duration.ofMillis(300), Duration.ofSeconds(5),
            Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofSeconds(2));

    /** Change events with a short heartbeat (0.5 s) and safety check (0.7 s), so that the tests see them work. */
    public static final Config.Notifications FAST_NOTIFICATIONS = new Config.Notifications(3, 10_000,
            Duration.ofMillis(500), Duration.ofMillis(700), Config.Notifications.DEFAULT_MAX_STREAMS_PER_ADDRESS);

    private TokenMode mode = TokenMode.OPAQUE;
    private long maxBodyBytes = Config.ServerConfig.DEFAULT_MAX_BODY_BYTES;
    private Optional<MailConfig> mail = Optional.empty();
    private RateLimits rateLimits = new RateLimits(30, 10, 1_200, false, true);
    private Optional<String> metricsToken = Optional.empty();
    private Timeouts timeouts = Timeouts.DEFAULTS;
    private Config.Notifications notifications = Config.Notifications.DEFAULTS;
    private Optional<Config.Admin> admin = Optional.empty();
    private Config.Lifecycle lifecycle = Config.Lifecycle.DEFAULTS;
    private Optional<Config.PendingChunks> pendingChunks = Optional.empty();
    private Sharing sharing = Sharing.NONE;
    private final List<RealmConfig> realms;

    private TestConfig(List<RealmConfig> realms) {
        this.realms = realms;
    }

    public static TestConfig realms(RealmConfig... realms) {
        return new TestConfig(List.of(realms));
    }

    public TestConfig tokenMode(TokenMode tokenMode) {
        this.mode = tokenMode;
        return this;
    }

    public TestConfig maxBodyBytes(long bytes) {
        this.maxBodyBytes = bytes;
        return this;
    }

    public TestConfig pendingChunks(Config.PendingChunks caps) {
        this.pendingChunks = Optional.of(caps);
        return this;
    }

    public TestConfig mail(MailConfig mailConfig) {
        this.mail = Optional.of(mailConfig);
        return this;
    }

    public TestConfig rateLimits(RateLimits limits) {
        this.rateLimits = limits;
        return this;
    }

    /** Tests of what happens when something hangs wait out these instead of the production values. */
    public TestConfig timeouts(Timeouts shorter) {
        this.timeouts = shorter;
        return this;
    }

    public TestConfig notifications(Config.Notifications settings) {
        this.notifications = settings;
        return this;
    }

    /** The operator console on a random port of 127.0.0.1. */
    public TestConfig admin(Config.Admin console) {
        this.admin = Optional.of(console);
        return this;
    }

    /** Quotas of the realms and the tombstone purge's period. */
    public TestConfig lifecycle(Config.Lifecycle settings) {
        this.lifecycle = settings;
        return this;
    }

    /** The shared tables of a realm: table → the rowData field holding the space id. */
    public TestConfig sharing(String realm, java.util.Map<String, String> tables) {
        this.sharing = new Sharing(java.util.Map.of(realm, tables));
        return this;
    }

    public TestConfig metricsToken(String token) {
        this.metricsToken = Optional.of(token);
        return this;
    }

    public Config build() {
        Config.Tokens tokens = mode == TokenMode.JWT ? TestServer.JWT_SECRETS : new Config.Tokens.Opaque();
        return new Config(new Config.ServerConfig("127.0.0.1", 0, maxBodyBytes, metricsToken,
                pendingChunks.orElse(Config.ServerConfig.defaultPendingChunks(maxBodyBytes))), tokens, realms,
                Optional.empty(), mail, rateLimits, timeouts, LogSettings.DEFAULTS, Config.DEFAULT_CONFLICT_RETENTION,
                notifications, admin, lifecycle, sharing, Optional.empty(), List.of());
    }

    public TestServer start() {
        return TestServer.start(build());
    }

    /**
     * A server without config.json: the embedded PostgreSQL in {@code dataDir}, realm {@code default}, on a port the
     * system picks (a port chosen beforehand could be taken by a server of another test class meanwhile).
     */
    public static Config embedded(java.nio.file.Path dataDir) {
        return embedded(dataDir, Optional.empty());
    }

    /** The embedded database with its WAL archived and base backups taken as {@code backup} says. */
    public static Config embedded(java.nio.file.Path dataDir, Optional<BackupConfig> backup) {
        Config built = new TestConfig(List.of()).build();
        return new Config(built.server(), built.tokens(), List.of(), Optional.of(dataDir), built.mail(),
                built.rateLimits(), built.timeouts(), built.logging(), built.conflictRetention(), built.notifications(),
                built.admin(), built.lifecycle(), built.sharing(), backup, List.of());
    }
}
