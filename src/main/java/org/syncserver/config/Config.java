package org.syncserver.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Everything the server needs to start, built and validated once by {@link ConfigLoader}.
 *
 * @param realms          the configured realms; empty when {@code embeddedDataDir} is set
 * @param embeddedDataDir where the embedded PostgreSQL keeps its data when there is no config.json
 * @param maxBodyBytes    largest request body accepted, counted after inflating gzip/deflate
 * @param metricsToken    when set, GET /metrics requires it as a bearer token
 * @param host            the address the public port is bound to ({@code 0.0.0.0}: every interface)
 * @param warnings        what is suspicious but not fatal (unknown keys, weak secrets): logged at start,
 *                        printed by check-config
 */
public record Config(String host,
                     int port,
                     TokenMode tokenMode,
                     Optional<JwtSecrets> jwtSecrets,
                     List<RealmConfig> realms,
                     Optional<Path> embeddedDataDir,
                     Optional<MailConfig> mail,
                     long maxBodyBytes,
                     RateLimits rateLimits,
                     boolean rateLimitDisabled,
                     Optional<String> metricsToken,
                     LogSettings logging,
                     List<String> warnings) {

    public static final int DEFAULT_PORT = 3000;
    public static final String DEFAULT_HOST = "0.0.0.0";
    /**
     * 128 MiB for a pull or push body, inflated: an honest device must never be stranded by it, and sync_client
     * cannot split a request. A pull listing 200,000 pending changes is about 26 MB, a push of 100 photos of 1 MB
     * about 101 MB. Bodies are streamed (a push beyond 1 MiB is spooled to a temporary file), never held whole.
     */
    public static final long DEFAULT_MAX_BODY_BYTES = 128L * 1024 * 1024;

    public Config {
        realms = List.copyOf(realms);
        warnings = List.copyOf(warnings);
    }

    /** HS256 keys: access tokens are signed with one, refresh tokens with the other. */
    public record JwtSecrets(String accessKey, String refreshKey) {
        @Override
        public String toString() {
            return "JwtSecrets[****]";
        }
    }

    /** The same configuration with different realms (used once the embedded database is up). */
    public Config withRealms(List<RealmConfig> newRealms) {
        return new Config(host, port, tokenMode, jwtSecrets, newRealms, embeddedDataDir, mail, maxBodyBytes,
                rateLimits, rateLimitDisabled, metricsToken, logging, warnings);
    }

    /** A one-line description with every secret masked, for the start-up banner. */
    public String describe() {
        return "listening on " + host + ":" + port + ", tokens=" + tokenMode.name().toLowerCase()
                + ", realms=" + realms.stream().map(RealmConfig::name).toList()
                + embeddedDataDir.map(dir -> ", embedded PostgreSQL data in " + dir.toAbsolutePath()).orElse("")
                + ", mail=" + mail.map(m -> m.host() + ":" + m.port()).orElse("not configured")
                + ", maxBodyBytes=" + maxBodyBytes
                + ", log=" + logging.format().name().toLowerCase() + "/" + logging.level().name().toLowerCase()
                + ", metrics=" + (metricsToken.isPresent() ? "token required" : "open")
                + ", rateLimit=" + (rateLimitDisabled ? "off" : rateLimits.accountsPerMinute() + "/"
                + rateLimits.passwordPerMinute() + "/" + rateLimits.syncPerMinute() + " per minute (accounts/password/sync)");
    }
}
