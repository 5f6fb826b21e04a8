package org.syncserver.db;

import org.syncserver.config.RealmConfig;
import org.syncserver.error.Failures;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

/**
 * Why a realm's database could not be used, for an operator: where it is ({@code host:port}) and what went wrong,
 * in words. The driver's root causes alone say too little ("nohost.invalid", "Connection refused").
 */
public final class ConnectionFailure {

    private ConnectionFailure() {
    }

    /** E.g. {@code database at db.example.com:5432: unknown host}; never holds the realm's password. */
    public static String describe(RealmConfig realm, Throwable failure) {
        return realm.withoutPassword("database at " + realm.address() + ": " + reason(rootOf(failure)));
    }

    private static String reason(Throwable root) {
        return switch (root) {
            case UnknownHostException e -> "unknown host (no address found for it)";
            case ConnectException e -> "connection refused (is PostgreSQL running there, on that port?)";
            case NoRouteToHostException e -> "no route to the host";
            case SocketTimeoutException e -> "no answer in time";
            default -> Failures.rootMessage(root);
        };
    }

    private static Throwable rootOf(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}
