package org.syncserver.config;

/**
 * One realm's database. Several realms may point at the same database.
 *
 * @param name        lower-case realm name, as written in config.json
 * @param jdbcUrl     JDBC URL without credentials
 * @param maxPoolSize upper bound of the realm's connection pool
 */
public record RealmConfig(String name, String jdbcUrl, String user, String password, int maxPoolSize) {

    /** Default pool size: enough for a 2-core server; PostgreSQL gets no faster with more. */
    public static final int DEFAULT_POOL_SIZE = 10;
    private static final int POSTGRES_PORT = 5432;
    /** Shorter passwords are not masked in messages: masking "pw" would garble every word holding it. */
    private static final int MIN_MASKED_LENGTH = 4;

    /** Where the database is, as {@code host:port}, for messages: never the credentials. */
    public String address() {
        String afterScheme = jdbcUrl.substring(jdbcUrl.indexOf("//") + 2);
        int end = afterScheme.indexOf('/');
        String hostPort = end >= 0 ? afterScheme.substring(0, end) : afterScheme;
        return hostPort.contains(":") || hostPort.contains(",") ? hostPort : hostPort + ":" + POSTGRES_PORT;
    }

    /** Whether the URL names several hosts: a primary and its standbys, any of which may be the primary tomorrow. */
    public boolean replicated() {
        return address().contains(",");
    }

    /** The message with the password masked, should a driver or server ever quote it. */
    public String withoutPassword(String message) {
        return password == null || password.length() < MIN_MASKED_LENGTH || message == null ? message
                : message.replace(password, "****");
    }

    @Override
    public String toString() {
        return "RealmConfig[name=" + name + ", jdbcUrl=" + jdbcUrl + ", user=" + user
                + ", password=****, maxPoolSize=" + maxPoolSize + "]";
    }
}
