package org.syncserver.db;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Closes a database socket that waited on the database for longer than its bound: the bound on a silent database
 * ({@code timeouts.statement}, a pooled connection's validation time) without a socket timeout. A socket timeout
 * makes the JDK keep the socket non-blocking for good, so that every read of every round trip became a read that
 * found nothing, a {@code poll} and a read again: 5-7 % of the server's CPU (docs/performance.md). With this watchdog
 * the reads block in the kernel, and a database whose machine froze still cannot hold a request: its socket is
 * closed, the statement fails as a lost connection, and the request answers 503.
 *
 * <p>One per process, started with the first socket: pgjdbc creates its socket factory from a class name, so a
 * socket cannot be handed a watchdog of its pool's own.
 */
final class SilenceWatchdog {

    private static final Logger log = LoggerFactory.getLogger(SilenceWatchdog.class);

    /** How often waits are checked: a silent socket is closed at most this long after its bound. */
    static final Duration TICK = Duration.ofMillis(100);

    static final SilenceWatchdog INSTANCE = new SilenceWatchdog();

    private final Set<SilenceBoundSocket> sockets = ConcurrentHashMap.newKeySet();

    private SilenceWatchdog() {
        Thread thread = new Thread(this::run, "database-silence-watchdog");
        thread.setDaemon(true);
        thread.start();
    }

    void watch(SilenceBoundSocket socket) {
        sockets.add(socket);
    }

    void forget(SilenceBoundSocket socket) {
        sockets.remove(socket);
    }

    private void run() {
        while (true) {
            try {
                Thread.sleep(TICK);
                long now = System.nanoTime();
                for (SilenceBoundSocket socket : sockets) {
                    if (socket.silentTooLong(now)) {
                        log.warn("a database connection waited {} ms for its database; closing it",
                                socket.boundMillis());
                        socket.closeSilent();
                    }
                }
            } catch (InterruptedException e) {
                return; // the process is ending
            } catch (RuntimeException e) {
                log.error("database silence watchdog", e); // keep watching the other sockets
            }
        }
    }
}
