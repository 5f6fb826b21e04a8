package org.syncserver.support;

import org.syncserver.config.Config;
import org.syncserver.config.LogSettings;
import org.syncserver.config.MailConfig;
import org.syncserver.config.RateLimits;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.TokenMode;

import java.util.List;
import java.util.Optional;

/** A {@link Config} for tests: random port, rate limiting off, no mail, unless a test says otherwise. */
public final class TestConfig {

    private TokenMode mode = TokenMode.OPAQUE;
    private long maxBodyBytes = Config.DEFAULT_MAX_BODY_BYTES;
    private Optional<MailConfig> mail = Optional.empty();
    private RateLimits rateLimits = RateLimits.DEFAULTS;
    private boolean rateLimitDisabled = true;
    private Optional<String> metricsToken = Optional.empty();
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

    public TestConfig mail(MailConfig mailConfig) {
        this.mail = Optional.of(mailConfig);
        return this;
    }

    public TestConfig rateLimits(RateLimits limits) {
        this.rateLimits = limits;
        this.rateLimitDisabled = false;
        return this;
    }

    public TestConfig metricsToken(String token) {
        this.metricsToken = Optional.of(token);
        return this;
    }

    public Config build() {
        return new Config("127.0.0.1", 0, mode, mode == TokenMode.JWT ? Optional.of(TestServer.JWT_SECRETS) : Optional.empty(),
                realms, Optional.empty(), mail, maxBodyBytes, rateLimits, rateLimitDisabled,
                metricsToken, LogSettings.DEFAULTS, List.of());
    }

    public TestServer start() {
        return TestServer.start(build());
    }
}
