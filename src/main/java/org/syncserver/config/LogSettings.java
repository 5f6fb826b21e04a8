package org.syncserver.config;

import java.util.Locale;

/**
 * How the server logs: plain lines for people, or one JSON object a line for log collectors, with the access log's
 * fields (method, route, realm, status, ms) as structured key-value pairs; and the level of the server's own logger.
 */
public record LogSettings(Format format, Level level) {

    public static final LogSettings DEFAULTS = new LogSettings(Format.TEXT, Level.INFO);

    public enum Format { TEXT, JSON }

    public enum Level { TRACE, DEBUG, INFO, WARN, ERROR }

    static Format format(String value, String key) {
        return parse(Format.class, value, key, "\"text\" or \"json\"");
    }

    static Level level(String value, String key) {
        return parse(Level.class, value, key, "one of trace, debug, info, warn, error");
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String value, String key, String expected) {
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + " must be " + expected + ", not \"" + value + "\"");
        }
    }
}
