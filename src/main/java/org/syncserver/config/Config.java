package org.syncserver.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the server needs to start, built and validated once by {@link ConfigLoader}: one immutable tree.
 *
 * @param realms          the configured realms; empty when {@code embeddedDataDir} is set
 * @param embeddedDataDir where the embedded PostgreSQL keeps its data when there is no config.json
 * @param conflictRetention how long the conflict journal keeps an entry ({@code conflicts.retentionDays}, 30)
 * @param admin           the operator console and API ({@code admin}); off when absent
 * @param lifecycle       quotas and the tombstone purge (PROTOCOL §13)
 * @param sharing         the shared tables of each realm (PROTOCOL §12)
 * @param backup          WAL archiving and base backups of the embedded database ({@code backup}); off when absent
 * @param warnings        what is suspicious but not fatal (unknown keys, weak secrets): logged at start,
 *                        printed by check-config
 */
public record Config(ServerConfig server,
                     Tokens tokens,
                     List<RealmConfig> realms,
                     Optional<Path> embeddedDataDir,
                     Optional<MailConfig> mail,
                     RateLimits rateLimits,
                     Timeouts timeouts,
                     LogSettings logging,
                     Duration conflictRetention,
                     Notifications notifications,
                     Optional<Admin> admin,
                     Lifecycle lifecycle,
                     Sharing sharing,
                     Optional<BackupConfig> backup,
                     List<String> warnings) {

    public static final Duration DEFAULT_CONFLICT_RETENTION = Duration.ofDays(30);

    public Config {
        realms = List.copyOf(realms);
        warnings = List.copyOf(warnings);
    }

    /**
     * The public port.
     *
     * @param host         the address it is bound to ({@code 0.0.0.0}: every interface)
     * @param maxBodyBytes largest pull or push body accepted, counted after inflating gzip/deflate
     * @param metricsToken when set, GET /metrics requires it as a bearer token
     * @param pendingChunks what unfinished chunked uploads may hold on disk
     */
    public record ServerConfig(String host, int port, long maxBodyBytes, Optional<String> metricsToken,
                               PendingChunks pendingChunks) {

        public static final int DEFAULT_PORT = 3000;
        public static final String DEFAULT_HOST = "0.0.0.0";
        /**
         * 128 MiB for a pull or push body, inflated: an honest device must never be stranded by it, and sync_client
         * cannot split a request. A pull listing 200,000 pending changes is about 26 MB, a push of 100 photos of
         * 1 MB about 101 MB. Bodies are streamed (a push beyond 1 MiB is spooled to a temporary file), never held whole.
         */
        public static final long DEFAULT_MAX_BODY_BYTES = 128L * 1024 * 1024;

        /** The defaults for a body limit: an upload a device abandoned, and the one it sends now, fit. */
        public static PendingChunks defaultPendingChunks(long maxBodyBytes) {
            return new PendingChunks(2 * maxBodyBytes, PendingChunks.REALM_PER_USER_CAP * maxBodyBytes);
        }
    }

    /**
     * Caps on the bytes that unfinished chunked uploads (PROTOCOL §11.1) hold in a realm's database, counted by the
     * totalSize each upload announced when its first chunk came ({@code server.maxPendingChunkBytesPerUser},
     * {@code server.maxPendingChunkBytesPerRealm}). Without them one device filled 3 GB in 30 s with uploads it never
     * meant to finish. An upload refused at its first chunk can still be sent in one piece; an upload once begun is
     * never refused halfway.
     *
     * @param perUser  of one user, at least {@code maxBodyBytes}: a device can always send its largest request
     * @param perRealm of every user of a realm together
     */
    public record PendingChunks(long perUser, long perRealm) {
        /** The realm's default cap: as many largest uploads as this at once. */
        static final int REALM_PER_USER_CAP = 32;
    }

    /**
     * Change events (PROTOCOL §11.2; {@code notifications} in config.json).
     *
     * @param maxStreamsPerUser open streams and long polls of one user (beyond: 429)
     * @param maxStreams        of this instance (beyond: 503)
     * @param heartbeat         a comment on every stream this often, so proxies keep idle streams open
     * @param safetyCheck       how often every listener is compared with the database, for what a notification
     *                          missed, and for logins that ended
     * @param maxStreamsPerAddress open streams and long polls from one client address (beyond: 429): far above the
     *                          per-user cap, since many phones share an address behind a carrier's NAT, but one
     *                          address must not hold every stream of the instance
     */
    public record Notifications(int maxStreamsPerUser, int maxStreams, Duration heartbeat, Duration safetyCheck,
                                int maxStreamsPerAddress) {
        public static final int DEFAULT_MAX_STREAMS_PER_ADDRESS = 1_000;
        public static final Notifications DEFAULTS = new Notifications(10, 10_000, Duration.ofSeconds(15),
                Duration.ofSeconds(10), DEFAULT_MAX_STREAMS_PER_ADDRESS);
    }

    /**
     * The operator console and API (PROTOCOL §11.4): its own port, never the public one.
     *
     * @param host            the address it is bound to: 127.0.0.1 unless configured (reach it by SSH tunnel or a
     *                        reverse proxy with TLS)
     * @param operators       operator name → Argon2id hash of the password ({@code admin-hash} prints one)
     * @param apiTokenHashes  Argon2id hashes of the tokens scripts send as {@code Authorization: Bearer}
     * @param sessionIdle     a console session ends after this long without a request
     * @param loginFailures   failed logins (or API tokens) allowed per client address a minute; beyond: 429
     */
    public record Admin(String host, int port, Map<String, String> operators, List<String> apiTokenHashes,
                        Duration sessionIdle, int loginFailures) {

        public static final String DEFAULT_HOST = "127.0.0.1";
        public static final int DEFAULT_PORT = 3001;
        public static final Duration DEFAULT_SESSION_IDLE = Duration.ofMinutes(30);
        public static final int DEFAULT_LOGIN_FAILURES = 5;

        public Admin {
            operators = Map.copyOf(operators);
            apiTokenHashes = List.copyOf(apiTokenHashes);
        }

        @Override
        public String toString() {
            return "Admin[" + host + ":" + port + ", operators=" + operators.keySet() + ", apiTokens="
                    + apiTokenHashes.size() + "]";
        }
    }

    /**
     * Quotas and the tombstone purge (PROTOCOL §13).
     *
     * @param quotas      realm name → its limits ({@code quotas}); a realm not named has none
     * @param purgeEvery  how often tombstones every device has acknowledged are removed
     *                    ({@code tombstones.purgeEveryMinutes}, 10)
     */
    public record Lifecycle(Map<String, Quotas> quotas, Duration purgeEvery) {
        public static final Duration DEFAULT_PURGE_EVERY = Duration.ofMinutes(10);
        public static final Lifecycle DEFAULTS = new Lifecycle(Map.of(), DEFAULT_PURGE_EVERY);

        public Lifecycle {
            quotas = Map.copyOf(quotas);
        }

        public Quotas quotas(String realm) {
            return quotas.getOrDefault(realm, Quotas.NONE);
        }
    }

    /** How tokens are made (PROTOCOL §5): the mode and its secrets cannot disagree. */
    public sealed interface Tokens {

        TokenMode mode();

        /** Random strings, the 2024 default. */
        record Opaque() implements Tokens {
            @Override
            public TokenMode mode() {
                return TokenMode.OPAQUE;
            }
        }

        /** HS256 JWTs: access tokens signed with one key, refresh tokens with the other. */
        record Jwt(String accessKey, String refreshKey) implements Tokens {
            @Override
            public TokenMode mode() {
                return TokenMode.JWT;
            }

            @Override
            public String toString() {
                return "Jwt[****]";
            }
        }
    }

    /** The same configuration with different realms (used once the embedded database is up). */
    public Config withRealms(List<RealmConfig> newRealms) {
        return new Config(server, tokens, newRealms, embeddedDataDir, mail, rateLimits, timeouts, logging,
                conflictRetention, notifications, admin, lifecycle, sharing, backup, warnings);
    }

    /** A one-line description with every secret masked, for the start-up banner. */
    public String describe() {
        return "listening on " + server.host() + ":" + server.port()
                + ", tokens=" + (tokens instanceof Tokens.Jwt ? "jwt" : "opaque")
                + ", realms=" + realms.stream().map(RealmConfig::name).toList()
                + embeddedDataDir.map(dir -> ", embedded PostgreSQL data in " + dir.toAbsolutePath()).orElse("")
                + ", mail=" + mail.map(m -> m.host() + ":" + m.port()).orElse("not configured")
                + ", maxBodyBytes=" + server.maxBodyBytes()
                + ", pendingChunkBytes=" + server.pendingChunks().perUser() + "/user " + server.pendingChunks().perRealm()
                + "/realm"
                + ", metrics=" + (server.metricsToken().isPresent() ? "token required" : "open")
                + ", log=" + logging.format().name().toLowerCase() + "/" + logging.level().name().toLowerCase()
                + ", rateLimit=" + rateLimits.describe()
                + ", timeouts=" + timeouts
                + (embeddedDataDir.isPresent() ? ", backup=" + backup.map(BackupConfig::describe).orElse("off") : "")
                + (lifecycle.quotas().isEmpty() ? "" : ", quotas=" + lifecycle.quotas())
                + (sharing.tablesByRealm().isEmpty() ? "" : ", sharing=" + sharing)
                + ", console=" + admin.map(a -> a.host() + ":" + a.port() + " (" + counted(a.operators().size(),
                        "operator") + ", " + counted(a.apiTokenHashes().size(), "API token") + ")").orElse("off");
    }

    private static String counted(int count, String noun) {
        return count + " " + noun + (count == 1 ? "" : "s");
    }
}
