package org.syncserver.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A libpq-style {@code postgresql://user:password@host:port/database?params} URL, as the Node server took it,
 * turned into a JDBC URL plus credentials. Written by hand because passwords in existing files are not always
 * percent-encoded, which {@link java.net.URI} would reject.
 */
record PostgresUrl(String jdbcUrl, String user, String password) {

    static PostgresUrl parse(String url, String key) {
        String rest = stripScheme(url.trim(), key);
        // The credentials end at the last '@': a password written without percent-encoding may hold '@', '?', '/'
        // or '#', and none of it may be taken for the host, the database or the query (nor be logged as them).
        int at = rest.lastIndexOf('@');
        String userInfo = at >= 0 ? rest.substring(0, at) : "";
        String hostAndPath = rest.substring(at + 1);
        String query = "";
        int questionMark = hostAndPath.indexOf('?');
        if (questionMark >= 0) {
            query = hostAndPath.substring(questionMark);
            hostAndPath = hostAndPath.substring(0, questionMark);
        }
        int slash = hostAndPath.indexOf('/');
        String hostPort = slash >= 0 ? hostAndPath.substring(0, slash) : hostAndPath;
        String database = slash >= 0 ? hostAndPath.substring(slash + 1) : "";
        if (hostPort.isBlank()) {
            throw new ConfigException(key + " has no host: expected postgresql://user:password@host:5432/database");
        }
        int colon = userInfo.indexOf(':');
        String user = decode(colon >= 0 ? userInfo.substring(0, colon) : userInfo);
        String password = colon >= 0 ? decode(userInfo.substring(colon + 1)) : null;
        if (database.isBlank()) {
            database = user.isBlank() ? "postgres" : user;
        }
        return new PostgresUrl("jdbc:postgresql://" + hostPort + "/" + database + query,
                user.isBlank() ? null : user, password);
    }

    RealmConfig toRealm(String name, int poolSize) {
        return new RealmConfig(name, jdbcUrl, user, password, poolSize);
    }

    private static String stripScheme(String url, String key) {
        for (String scheme : new String[]{"postgresql://", "postgres://"}) {
            if (url.regionMatches(true, 0, scheme, 0, scheme.length())) {
                return url.substring(scheme.length());
            }
        }
        throw new ConfigException(key + " must be a postgresql:// URL (postgresql://user:password@host:5432/database)");
    }

    private static String decode(String part) {
        try {
            return URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return part; // not percent-encoded after all: take it literally
        }
    }

    @Override
    public String toString() {
        return "PostgresUrl[" + jdbcUrl + ", user=" + user + "]";
    }
}
