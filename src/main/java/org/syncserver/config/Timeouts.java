package org.syncserver.config;

import java.time.Duration;

/**
 * How long the server waits before it gives up, so that nothing hangs ({@code timeouts} in config.json, in
 * milliseconds). The defaults are the production values; tests use short ones.
 *
 * @param poolWait    a request waits this long for a database connection, then gets 503
 * @param lockWait    a statement waits this long for a row lock (a user's pushes queue on the user's row)
 * @param statement   longest silence of the database within a statement (a network dropping packets)
 * @param smtp        each step of talking to the SMTP server
 * @param realmRetry  a realm whose database is unreachable is tried again this often
 * @param bodyGrace   a request body may arrive slowly at first; after this, it must keep a minimum rate
 */
public record Timeouts(Duration poolWait, Duration lockWait, Duration statement, Duration smtp, Duration realmRetry,
                       Duration bodyGrace) {

    public static final Timeouts DEFAULTS = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(10));

    @Override
    public String toString() {
        return "pool " + poolWait.toMillis() + "ms/lock " + lockWait.toMillis() + "ms/statement " + statement.toMillis()
                + "ms/smtp " + smtp.toMillis() + "ms/realm retry " + realmRetry.toMillis() + "ms/body grace "
                + bodyGrace.toMillis() + "ms";
    }
}
