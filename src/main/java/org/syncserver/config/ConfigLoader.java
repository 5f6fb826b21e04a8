package org.syncserver.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Builds the {@link Config} from config.json (in the Node server's format, PROTOCOL §2) and the environment.
 * Every error names the key at fault, so an operator can fix the file without reading code.
 */
public final class ConfigLoader {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The one realm of the embedded database. */
    public static final String EMBEDDED_REALM = "default";

    private final Map<String, String> env;

    public ConfigLoader(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /**
     * @param explicitFile    the file named by {@code --config}: it must exist
     * @param defaultFile     ./config.json: when it is missing the server runs on an embedded database
     * @param embeddedDataDir where the embedded database lives
     */
    public Config load(Optional<Path> explicitFile, Path defaultFile, Path embeddedDataDir) {
        Path file = explicitFile.orElse(defaultFile);
        if (explicitFile.isEmpty() && !Files.exists(defaultFile)) {
            return embedded(embeddedDataDir);
        }
        return fromJson(readTree(file), file, embeddedDataDir);
    }

    /** No config.json: one realm, {@code default}, on an embedded PostgreSQL, opaque tokens. */
    public Config embedded(Path dataDir) {
        JsonNode none = JSON.missingNode();
        return new Config(server(none), new Config.Tokens.Opaque(), List.of(), Optional.of(dataDir), Optional.empty(),
                rateLimits(none), timeouts(none), logging(none), Config.DEFAULT_CONFLICT_RETENTION, notifications(none),
                Optional.empty(), Config.Lifecycle.DEFAULTS, Sharing.NONE, Optional.empty(), List.of());
    }

    public Config fromJson(JsonNode file, Path source) {
        return fromJson(file, source, Path.of("data"));
    }

    /**
     * @param embeddedDataDir where the embedded database lives when the file has no {@code db} block (a file may
     *                        configure only the console, say)
     */
    public Config fromJson(JsonNode file, Path source, Path embeddedDataDir) {
        if (!file.isObject()) {
            throw new ConfigException(source + " must contain a JSON object");
        }
        JsonNode root = new Placeholders(env).resolve(file, "");
        List<String> warnings = new ArrayList<>(KnownKeys.unknown(root));
        JsonNode server = root.path("server");
        Config.Tokens tokens = tokens(server);
        if (tokens instanceof Config.Tokens.Jwt keys) {
            warnings.addAll(SecretCheck.weaknesses(keys));
        }
        Config.ServerConfig serverConfig = server(server);
        Optional<Config.Admin> admin = admin(root.get("admin"), serverConfig);
        admin.filter(console -> !isLoopback(console.host())).ifPresent(console -> warnings.add("admin.host "
                + console.host() + " exposes the operator console beyond this machine: put a reverse proxy with TLS "
                + "in front, or reach 127.0.0.1 through an SSH tunnel"));
        boolean embedded = !root.has("db");
        List<RealmConfig> realms = embedded ? List.of() : realms(root.path("db"));
        List<String> realmNames = embedded ? List.of(EMBEDDED_REALM) : realms.stream().map(RealmConfig::name).toList();
        return new Config(serverConfig, tokens, realms,
                embedded ? Optional.of(embeddedDataDir) : Optional.empty(), mail(root.get("email")),
                rateLimits(root.path("rateLimit")), timeouts(root.path("timeouts")), logging(server),
                conflictRetention(root.path("conflicts")), notifications(root.path("notifications")),
                admin, lifecycle(root.path("quotas"), root.path("tombstones"), realmNames),
                sharing(root.path("sharing"), realmNames),
                BackupConfig.fromJson(root.get("backup"), embedded), warnings);
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }

    /** The console: off without an {@code admin} block; with one, at least one operator or API token. */
    private static Optional<Config.Admin> admin(JsonNode admin, Config.ServerConfig server) {
        if (admin == null || admin.isNull()) {
            return Optional.empty();
        }
        if (!admin.isObject()) {
            throw new ConfigException("admin must be an object: {\"port\": 3001, \"operators\": {\"alice\": \"<hash>\"}}");
        }
        int port = admin.has("port") ? portValue(admin.get("port"), "admin.port") : Config.Admin.DEFAULT_PORT;
        if (port == server.port()) {
            throw new ConfigException("admin.port must differ from the public port " + server.port()
                    + ": the console is never served on the public port");
        }
        String host = admin.path("host").asText(Config.Admin.DEFAULT_HOST).trim();
        if (host.isEmpty() || host.chars().anyMatch(Character::isWhitespace)) {
            throw new ConfigException("admin.host must be an address to listen on, e.g. 127.0.0.1");
        }
        Map<String, String> operators = new HashMap<>();
        admin.path("operators").properties().forEach(entry -> operators.put(entry.getKey(),
                argon2Hash(entry.getValue(), "admin.operators." + entry.getKey())));
        List<String> tokens = new ArrayList<>();
        JsonNode tokenHashes = admin.path("apiTokens");
        for (int i = 0; i < tokenHashes.size(); i++) {
            tokens.add(argon2Hash(tokenHashes.get(i), "admin.apiTokens[" + i + "]"));
        }
        if (operators.isEmpty() && tokens.isEmpty()) {
            throw new ConfigException("admin needs at least one operator (admin.operators) or API token "
                    + "(admin.apiTokens); make a hash with: java -jar sync-server.jar admin-hash");
        }
        Duration idle = admin.has("sessionIdleMinutes")
                ? Duration.ofMinutes(positiveLong(admin.get("sessionIdleMinutes"), "admin.sessionIdleMinutes"))
                : Config.Admin.DEFAULT_SESSION_IDLE;
        int failures = admin.has("loginFailuresPerMinute")
                ? (int) positiveLong(admin.get("loginFailuresPerMinute"), "admin.loginFailuresPerMinute")
                : Config.Admin.DEFAULT_LOGIN_FAILURES;
        return Optional.of(new Config.Admin(host, port, operators, tokens, idle, failures));
    }

    /** Operator passwords and API tokens are configured as hashes only: a clear-text secret is refused. */
    private static String argon2Hash(JsonNode value, String key) {
        if (value == null || !value.isTextual() || !value.asText().startsWith("$argon2id$")) {
            throw new ConfigException(key + " must be an Argon2id hash ($argon2id$...), never the secret itself; "
                    + "make one with: java -jar sync-server.jar admin-hash");
        }
        return value.asText();
    }

    private static Config.Notifications notifications(JsonNode node) {
        Config.Notifications defaults = Config.Notifications.DEFAULTS;
        int perUser = node.has("maxStreamsPerUser") ? (int) positiveLong(node.get("maxStreamsPerUser"),
                "notifications.maxStreamsPerUser") : defaults.maxStreamsPerUser();
        int perAddress = node.has("maxStreamsPerAddress") ? (int) positiveLong(node.get("maxStreamsPerAddress"),
                "notifications.maxStreamsPerAddress") : Math.max(defaults.maxStreamsPerAddress(), perUser);
        if (perAddress < perUser) {
            throw new ConfigException("notifications.maxStreamsPerAddress must be at least "
                    + "notifications.maxStreamsPerUser (" + perUser + "): many phones share an address behind NAT");
        }
        return new Config.Notifications(perUser,
                node.has("maxStreams") ? (int) positiveLong(node.get("maxStreams"), "notifications.maxStreams")
                        : defaults.maxStreams(),
                millis(node, "heartbeatMs", defaults.heartbeat(), "notifications."),
                millis(node, "safetyCheckMs", defaults.safetyCheck(), "notifications."), perAddress);
    }

    private static Config.Lifecycle lifecycle(JsonNode quotas, JsonNode tombstones, List<String> realmNames) {
        Map<String, Quotas> byRealm = new LinkedHashMap<>();
        if (!quotas.isMissingNode() && !quotas.isObject()) {
            throw new ConfigException("quotas must be an object: {\"<realm>\": {\"rowsPerUser\": 100000}}");
        }
        quotas.properties().forEach(entry -> {
            String realm = entry.getKey().toLowerCase(Locale.ROOT);
            String key = "quotas." + entry.getKey();
            if (!realmNames.contains(realm)) {
                throw new ConfigException(key + " names no configured realm (realms: " + realmNames + ")");
            }
            JsonNode limits = entry.getValue();
            if (!limits.isObject()) {
                throw new ConfigException(key + " must be an object with rowsPerUser, bytesPerUser, devicesPerUser "
                        + "or rowBytes");
            }
            byRealm.put(realm, new Quotas(limit(limits, "rowsPerUser", key), limit(limits, "bytesPerUser", key),
                    limit(limits, "devicesPerUser", key), limit(limits, "rowBytes", key)));
        });
        Duration purgeEvery = tombstones.has("purgeEveryMinutes")
                ? Duration.ofMinutes(positiveLong(tombstones.get("purgeEveryMinutes"), "tombstones.purgeEveryMinutes"))
                : Config.Lifecycle.DEFAULT_PURGE_EVERY;
        return new Config.Lifecycle(byRealm, purgeEvery);
    }

    /** {@code "sharing": {"<realm>": {"tables": {"<table>": "<space id field>"}}}}; each name is checked. */
    private static Sharing sharing(JsonNode sharing, List<String> realmNames) {
        if (!sharing.isMissingNode() && !sharing.isObject()) {
            throw new ConfigException("sharing must be an object: {\"<realm>\": {\"tables\": {\"lists\": \"space_id\"}}}");
        }
        Map<String, Map<String, String>> byRealm = new LinkedHashMap<>();
        sharing.properties().forEach(entry -> {
            String realm = entry.getKey().toLowerCase(Locale.ROOT);
            String key = "sharing." + entry.getKey() + ".tables";
            if (!realmNames.contains(realm)) {
                throw new ConfigException("sharing." + entry.getKey() + " names no configured realm (realms: "
                        + realmNames + ")");
            }
            JsonNode tables = entry.getValue().path("tables");
            if (!tables.isObject() || tables.isEmpty()) {
                throw new ConfigException(key + " must name the shared tables and the rowData field holding the "
                        + "space id: {\"lists\": \"space_id\"}");
            }
            Map<String, String> fields = new LinkedHashMap<>();
            tables.properties().forEach(table -> {
                String field = table.getValue().isTextual() ? table.getValue().asText().trim() : "";
                if (table.getKey().isBlank() || field.isEmpty()) {
                    throw new ConfigException(key + "." + table.getKey() + " must be the name of the rowData field "
                            + "that holds the space id, e.g. \"space_id\"");
                }
                fields.put(table.getKey(), field);
            });
            byRealm.put(realm, Map.copyOf(fields));
        });
        return new Sharing(byRealm);
    }

    private static OptionalLong limit(JsonNode limits, String field, String block) {
        return limits.has(field) ? OptionalLong.of(positiveLong(limits.get(field), block + "." + field))
                : OptionalLong.empty();
    }

    private static Duration conflictRetention(JsonNode conflicts) {
        return conflicts.has("retentionDays")
                ? Duration.ofDays(positiveLong(conflicts.get("retentionDays"), "conflicts.retentionDays"))
                : Config.DEFAULT_CONFLICT_RETENTION;
    }

    private Config.ServerConfig server(JsonNode server) {
        Optional<Integer> filePort = server.has("port") ? Optional.of(portValue(server.get("port"), "server.port"))
                : Optional.empty();
        long maxBody = server.has("maxBodyBytes")
                ? positiveLong(server.get("maxBodyBytes"), "server.maxBodyBytes")
                : Config.ServerConfig.DEFAULT_MAX_BODY_BYTES;
        return new Config.ServerConfig(host(server), port(filePort), maxBody,
                Optional.ofNullable(optionalText(server, "metricsToken")).filter(token -> !token.isBlank()),
                pendingChunks(server, maxBody));
    }

    private static Config.PendingChunks pendingChunks(JsonNode server, long maxBody) {
        Config.PendingChunks defaults = Config.ServerConfig.defaultPendingChunks(maxBody);
        long perUser = server.has("maxPendingChunkBytesPerUser")
                ? positiveLong(server.get("maxPendingChunkBytesPerUser"), "server.maxPendingChunkBytesPerUser")
                : defaults.perUser();
        long perRealm = server.has("maxPendingChunkBytesPerRealm")
                ? positiveLong(server.get("maxPendingChunkBytesPerRealm"), "server.maxPendingChunkBytesPerRealm")
                : Math.max(defaults.perRealm(), perUser);
        if (perUser < maxBody) {
            throw new ConfigException("server.maxPendingChunkBytesPerUser must be at least server.maxBodyBytes ("
                    + maxBody + "): else a device could not send its largest request in chunks");
        }
        if (perRealm < perUser) {
            throw new ConfigException("server.maxPendingChunkBytesPerRealm must be at least "
                    + "server.maxPendingChunkBytesPerUser (" + perUser + ")");
        }
        return new Config.PendingChunks(perUser, perRealm);
    }

    /** {@code "authentication": "jwt"} selects JWTs; anything else, or no server block, opaque tokens. */
    private static Config.Tokens tokens(JsonNode server) {
        if (!"jwt".equals(server.path("authentication").asText())) {
            return new Config.Tokens.Opaque();
        }
        return new Config.Tokens.Jwt(
                requiredText(server, "secret_key", "server.secret_key is required when server.authentication is \"jwt\""),
                requiredText(server, "secret_key_refresh",
                        "server.secret_key_refresh is required when server.authentication is \"jwt\""));
    }

    /** Milliseconds in config.json; today's production values by default. */
    private static Timeouts timeouts(JsonNode node) {
        Timeouts defaults = Timeouts.DEFAULTS;
        return new Timeouts(millis(node, "poolWaitMs", defaults.poolWait()), millis(node, "lockWaitMs", defaults.lockWait()),
                millis(node, "statementMs", defaults.statement()), millis(node, "smtpMs", defaults.smtp()),
                millis(node, "realmRetryMs", defaults.realmRetry()), millis(node, "bodyGraceMs", defaults.bodyGrace()));
    }

    private static Duration millis(JsonNode node, String key, Duration fallback) {
        return millis(node, key, fallback, "timeouts.");
    }

    private static Duration millis(JsonNode node, String key, Duration fallback, String block) {
        return node.has(key) ? Duration.ofMillis(positiveLong(node.get(key), block + key)) : fallback;
    }

    /** {@code HOST} in the environment wins over {@code server.host}, as {@code PORT} over {@code server.port}. */
    private String host(JsonNode server) {
        String host = env.getOrDefault("HOST", server.path("host").asText(Config.ServerConfig.DEFAULT_HOST)).trim();
        if (host.isEmpty() || host.chars().anyMatch(Character::isWhitespace)) {
            throw new ConfigException("server.host must be an address to listen on, e.g. 0.0.0.0 or 127.0.0.1");
        }
        return host;
    }

    /** {@code LOG_FORMAT} and {@code LOG_LEVEL} in the environment win over {@code server.logFormat/logLevel}. */
    private LogSettings logging(JsonNode server) {
        return new LogSettings(
                LogSettings.format(setting("LOG_FORMAT", server, "logFormat", "text"), "server.logFormat"),
                LogSettings.level(setting("LOG_LEVEL", server, "logLevel", "info"), "server.logLevel"));
    }

    private String setting(String variable, JsonNode server, String key, String fallback) {
        String fromEnv = env.get(variable);
        return fromEnv != null && !fromEnv.isBlank() ? fromEnv : server.path(key).asText(fallback);
    }

    private JsonNode readTree(Path file) {
        try {
            return JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException("Configuration file " + file + " does not exist");
        } catch (JsonProcessingException e) {
            throw new ConfigException(file + " is not valid JSON (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + "): " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException("Cannot read configuration file " + file + ": " + e.getMessage());
        }
    }

    private int port(Optional<Integer> fromFile) {
        String fromEnv = env.get("PORT");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return portValue(JSON.getNodeFactory().textNode(fromEnv.trim()), "PORT (environment)");
        }
        return fromFile.orElse(Config.ServerConfig.DEFAULT_PORT);
    }

    private boolean rateLimitDisabled() {
        String value = env.getOrDefault("RATE_LIMIT_DISABLE", "");
        return value.equals("1") || value.equalsIgnoreCase("true");
    }

    private RateLimits rateLimits(JsonNode node) {
        RateLimits defaults = RateLimits.DEFAULTS;
        return new RateLimits(
                node.has("accounts") ? (int) positiveLong(node.get("accounts"), "rateLimit.accounts") : defaults.accountsPerMinute(),
                node.has("password") ? (int) positiveLong(node.get("password"), "rateLimit.password") : defaults.passwordPerMinute(),
                node.has("sync") ? (int) positiveLong(node.get("sync"), "rateLimit.sync") : defaults.syncPerMinute(),
                node.path("trustForwardedFor").asBoolean(false), rateLimitDisabled());
    }

    private static List<RealmConfig> realms(JsonNode db) {
        JsonNode realms = db.path("realms");
        if (!realms.isObject() || realms.isEmpty()) {
            throw new ConfigException("db.realms is required: an object mapping each realm name to a postgresql:// URL");
        }
        Map<String, RealmConfig> byName = new HashMap<>();
        List<RealmConfig> result = new ArrayList<>();
        realms.properties().forEach(entry -> {
            RealmConfig realm = realm(entry.getKey(), entry.getValue());
            if (byName.putIfAbsent(realm.name(), realm) != null) {
                throw new ConfigException("db.realms." + entry.getKey() + " is defined twice (realm names ignore case)");
            }
            result.add(realm);
        });
        return result;
    }

    private static RealmConfig realm(String rawName, JsonNode value) {
        String key = "db.realms." + rawName;
        String name = rawName.toLowerCase(Locale.ROOT);
        if (name.isBlank()) {
            throw new ConfigException("db.realms has an empty realm name");
        }
        if (value.isTextual()) {
            return PostgresUrl.parse(value.asText(), key).toRealm(name, RealmConfig.DEFAULT_POOL_SIZE);
        }
        if (value.isObject()) {
            JsonNode url = value.get("connectionString");
            if (url == null || !url.isTextual()) {
                throw new ConfigException(key + ".connectionString is required: a postgresql:// URL");
            }
            int poolSize = RealmConfig.DEFAULT_POOL_SIZE;
            JsonNode max = value.path("pool").get("max");
            if (max != null) {
                poolSize = (int) positiveLong(max, key + ".pool.max");
            }
            return PostgresUrl.parse(url.asText(), key + ".connectionString").toRealm(name, poolSize);
        }
        throw new ConfigException(key + " must be a postgresql:// URL or an object with connectionString");
    }

    private static Optional<MailConfig> mail(JsonNode email) {
        if (email == null || email.isNull()) {
            return Optional.empty();
        }
        if (!email.isObject()) {
            throw new ConfigException("email must be an object");
        }
        String host = requiredText(email, "smtp", "email.smtp is required: the SMTP server's host name");
        String fromAddress = requiredText(email, "fromEmail", "email.fromEmail is required: the sender address");
        int port = email.has("port") ? portValue(email.get("port"), "email.port") : 587;
        Map<String, String> apps = new HashMap<>();
        email.path("apps").properties().forEach(e -> apps.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().asText()));
        return Optional.of(new MailConfig(email.path("from").asText("Sync Server"), fromAddress, host, port,
                optionalText(email, "username"), optionalText(email, "password"), apps));
    }

    private static String requiredText(JsonNode node, String field, String message) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new ConfigException(message);
        }
        return value.asText();
    }

    private static String optionalText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    /** Ports are strings in existing files ({@code "port": "587"}), numbers in others: accept both. */
    private static int portValue(JsonNode node, String key) {
        long port = positiveLong(node, key);
        if (port > 65_535) {
            throw new ConfigException(key + " must be a port number between 1 and 65535, not " + node.asText());
        }
        return (int) port;
    }

    private static long positiveLong(JsonNode node, String key) {
        try {
            long value = node.isNumber() ? node.longValue() : Long.parseLong(node.asText().trim());
            if (value > 0 && (!node.isNumber() || node.canConvertToExactIntegral())) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the key's name
        }
        throw new ConfigException(key + " must be a positive whole number, not " + node);
    }
}
