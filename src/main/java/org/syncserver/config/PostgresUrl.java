package org.syncserver.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A libpq-style {@code postgresql://user:password@host:port/database?params} URL, as the Node server took it,
 * turned into a JDBC URL plus credentials. Written by hand because passwords in existing files are not always
 * percent-encoded, which {@link java.net.URI} would reject.
 * <p>
 * Several hosts ({@code h1:5432,h2:5432}, a primary and its standbys) mean failover: the server must write only to
 * whichever of them is the primary now, so pgjdbc is told {@code targetServerType=primary} (libpq's
 * {@code target_session_attrs=read-write}, which pgjdbc does not read, is translated). README "High availability".
 */
record PostgresUrl(String jdbcUrl, String user, String password) {

    /** libpq's way of asking for the primary, and pgjdbc's. */
    private static final String LIBPQ_TARGET = "target_session_attrs=";
    private static final String PGJDBC_TARGET = "targetServerType=";
    /**
     * How long pgjdbc remembers that a host failed or was a standby. Short, because after a failover the standby it
     * remembered is the new primary; long enough that a frozen host (which costs a connection attempt its full
     * timeout) is not tried again for every new connection.
     */
    private static final String HOST_RECHECK = "hostRecheckSeconds=5";

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
        if (hostPort.contains(",")) {
            query = primaryOnly(query);
        }
        return new PostgresUrl("jdbc:postgresql://" + hostPort + "/" + database + query,
                user.isBlank() ? null : user, password);
    }

    /** The query of a URL naming several hosts: connections go to the primary unless the URL says otherwise. */
    private static String primaryOnly(String query) {
        List<String> params = new ArrayList<>(query.isEmpty() ? List.of()
                : List.of(query.substring(1).split("&")));
        params.replaceAll(param -> param.startsWith(LIBPQ_TARGET)
                ? PGJDBC_TARGET + libpqTarget(param.substring(LIBPQ_TARGET.length())) : param);
        if (params.stream().noneMatch(param -> param.startsWith(PGJDBC_TARGET))) {
            params.add(PGJDBC_TARGET + "primary");
        }
        if (params.stream().noneMatch(param -> param.startsWith("hostRecheckSeconds="))) {
            params.add(HOST_RECHECK);
        }
        return "?" + String.join("&", params);
    }

    /** libpq's target_session_attrs values, as pgjdbc's targetServerType names them. */
    private static String libpqTarget(String value) {
        return switch (value) {
            case "read-write", "primary" -> "primary";
            case "read-only", "standby" -> "secondary";
            case "prefer-standby" -> "preferSecondary";
            default -> "any";
        };
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
