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

    @Override
    public String toString() {
        return "RealmConfig[name=" + name + ", jdbcUrl=" + jdbcUrl + ", user=" + user
                + ", password=****, maxPoolSize=" + maxPoolSize + "]";
    }
}
