package org.syncserver.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The keys config.json may have. Anything else is most likely a typo ({@code rateLimits} for {@code rateLimit})
 * whose setting would silently not apply: each one is reported as a warning naming it.
 */
final class KnownKeys {

    /** A block's known keys; a key mapped to null takes any name (realm names, app names). */
    private record Block(Set<String> keys, Map<String, Block> children) {
        static Block of(String... keys) {
            return new Block(Set.of(keys), Map.of());
        }

        static final Block ANY = new Block(null, Map.of());
    }

    private static final Block POOL = Block.of("max");
    private static final Block REALM = new Block(Set.of("connectionString", "pool"), Map.of("pool", POOL));
    private static final Block ROOT = new Block(Set.of("server", "db", "email", "rateLimit", "timeouts", "conflicts",
            "notifications", "admin", "quotas", "tombstones", "sharing", "backup"), Map.ofEntries(
            Map.entry("backup", Block.of("dir", "every", "keep")),
            Map.entry("server", Block.of("authentication", "secret_key", "secret_key_refresh", "port", "host", "metricsToken",
                    "maxBodyBytes", "maxPendingChunkBytesPerUser", "maxPendingChunkBytesPerRealm", "logFormat", "logLevel")),
            Map.entry("db", new Block(Set.of("realms"), Map.of("realms", new Block(null, Map.of("*", REALM))))),
            Map.entry("email", new Block(Set.of("from", "fromEmail", "smtp", "port", "username", "password", "apps"),
                    Map.of("apps", Block.ANY))),
            Map.entry("rateLimit", Block.of("accounts", "password", "sync", "trustForwardedFor")),
            Map.entry("conflicts", Block.of("retentionDays")),
            Map.entry("quotas", new Block(null, Map.of("*", Block.of("rowsPerUser", "bytesPerUser", "devicesPerUser",
                    "rowBytes")))),
            Map.entry("tombstones", Block.of("purgeEveryMinutes")),
            Map.entry("sharing", new Block(null, Map.of("*", new Block(Set.of("tables"), Map.of("tables", Block.ANY))))),
            Map.entry("admin", new Block(Set.of("host", "port", "operators", "apiTokens", "sessionIdleMinutes",
                    "loginFailuresPerMinute"), Map.of("operators", Block.ANY))),
            Map.entry("notifications", Block.of("maxStreamsPerUser", "maxStreamsPerAddress", "maxStreams", "heartbeatMs", "safetyCheckMs")),
            Map.entry("timeouts", Block.of("poolWaitMs", "lockWaitMs", "statementMs", "smtpMs", "realmRetryMs", "bodyGraceMs"))));

    private KnownKeys() {
    }

    /** @return a warning for every key of the file that the server does not read */
    static List<String> unknown(JsonNode root) {
        List<String> warnings = new ArrayList<>();
        check(root, ROOT, "", warnings);
        return warnings;
    }

    private static void check(JsonNode node, Block block, String path, List<String> warnings) {
        if (!node.isObject()) {
            return;
        }
        node.properties().forEach(entry -> {
            String key = Placeholders.join(path, entry.getKey());
            if (block.keys() != null && !block.keys().contains(entry.getKey())) {
                warnings.add("config.json: unknown key " + key + " is ignored (misspelt?)");
                return;
            }
            Block child = block.children().getOrDefault(entry.getKey(), block.children().get("*"));
            if (child != null) {
                check(entry.getValue(), child, key, warnings);
            }
        });
    }
}
