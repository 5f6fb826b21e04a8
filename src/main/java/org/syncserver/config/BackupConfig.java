package org.syncserver.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Backups of the embedded database ({@code "backup": {"dir", "every", "keep"}}; off unless set): PostgreSQL's WAL
 * archived continuously into {@code dir}, and a base backup every {@code every}, of which the newest {@code keep}
 * are kept with the WAL they need. README "Backups and restore".
 *
 * @param dir   where backups go: a folder of this machine, or a mounted volume of another
 * @param every how often a base backup is taken ({@code "6h"}, {@code "30m"}, {@code "1d"}; default a day)
 * @param keep  base backups kept (default 7): a restore can reach back to the oldest of them
 */
public record BackupConfig(Path dir, Duration every, int keep) {

    public static final Duration DEFAULT_EVERY = Duration.ofDays(1);
    public static final int DEFAULT_KEEP = 7;
    /** A base backup copies the whole database: more often than this would be a copy loop, not a schedule. */
    static final Duration MIN_EVERY = Duration.ofMinutes(1);
    private static final Pattern PERIOD = Pattern.compile("(\\d+)\\s*([mhd])");

    /** @param embedded whether the server runs the embedded database: backups are for that one only */
    static Optional<BackupConfig> fromJson(JsonNode backup, boolean embedded) {
        if (backup == null || backup.isNull()) {
            return Optional.empty();
        }
        if (!backup.isObject() || !backup.hasNonNull("dir") || backup.get("dir").asText().isBlank()) {
            throw new ConfigException("backup.dir is required: \"backup\": {\"dir\": \"/var/backups/sync-server\", "
                    + "\"every\": \"1d\", \"keep\": 7}");
        }
        if (!embedded) {
            throw new ConfigException("backup is for the embedded database only: with db.realms, back up your "
                    + "PostgreSQL with its own tools (README \"Backups and restore\")");
        }
        String dir = backup.get("dir").asText();
        if (dir.contains("'")) {
            // the folder is written into PostgreSQL's archive_command, a shell command line
            throw new ConfigException("backup.dir must not contain a quote (')");
        }
        Duration every = backup.has("every") ? period(backup.get("every").asText()) : DEFAULT_EVERY;
        int keep = backup.has("keep") ? backup.get("keep").asInt(0) : DEFAULT_KEEP;
        if (keep < 1) {
            throw new ConfigException("backup.keep must be a whole number of at least 1, not " + backup.get("keep"));
        }
        return Optional.of(new BackupConfig(Path.of(dir).toAbsolutePath(), every, keep));
    }

    private static Duration period(String text) {
        Matcher matcher = PERIOD.matcher(text.trim());
        if (!matcher.matches()) {
            throw new ConfigException("backup.every must be minutes, hours or days such as \"30m\", \"6h\" or \"1d\", "
                    + "not \"" + text + "\"");
        }
        long amount = Long.parseLong(matcher.group(1));
        Duration every = switch (matcher.group(2)) {
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
        if (every.compareTo(MIN_EVERY) < 0) {
            throw new ConfigException("backup.every must be at least 1m, not \"" + text + "\"");
        }
        return every;
    }

    public String describe() {
        return dir + " (base backup every " + every.toMinutes() + " min, " + keep + " kept, WAL archived continuously)";
    }
}
