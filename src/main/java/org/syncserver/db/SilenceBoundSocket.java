package org.syncserver.db;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;

/**
 * A database socket whose reads and writes block in the kernel, bounded by {@link SilenceWatchdog} instead of a
 * socket timeout. pgjdbc and HikariCP still ask for timeouts (a validation's network timeout) through
 * {@link #setSoTimeout}: this socket keeps them as the bound on how long one read, write or connect may wait, and
 * the watchdog closes the socket of one that waited longer. "No timeout" means the pool's silence bound
 * ({@code timeouts.statement}, given as pgjdbc's {@code socketTimeout}): no statement waits on a silent database for
 * longer. Only a timeout too short for the watchdog's tick (pgjdbc's 1 ms check for pending notifications) is given
 * to the socket itself.
 */
final class SilenceBoundSocket extends Socket {

    /** Shorter waits than this are bounded by the socket itself: the watchdog looks only every tick. */
    private static final int SHORTEST_WATCHED_MILLIS = 1_000;
    private static final long NOT_WAITING = 0;

    private final SilenceWatchdog watchdog;
    private final int silenceBoundMillis;
    private int requestedMillis;
    private volatile int boundMillis;
    private volatile int connectBoundMillis;
    private volatile long readingSince = NOT_WAITING;
    private volatile long writingSince = NOT_WAITING;
    private volatile long connectingSince = NOT_WAITING;
    private volatile boolean silenced;
    private InputStream input;
    private OutputStream output;

    /** @param silenceBoundMillis how long a read or write may wait when no shorter timeout was asked for */
    SilenceBoundSocket(SilenceWatchdog watchdog, int silenceBoundMillis) {
        this.watchdog = watchdog;
        this.silenceBoundMillis = silenceBoundMillis;
        this.boundMillis = silenceBoundMillis;
    }

    /** Connects without a timeout of the socket's own (a timed connect, too, would make it non-blocking for good). */
    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
        connectBoundMillis = timeout;
        connectingSince = now();
        watchdog.watch(this);
        try {
            super.connect(endpoint, 0);
        } catch (IOException e) {
            watchdog.forget(this);
            throw silenced ? silence(connectBoundMillis, e) : e;
        } finally {
            connectingSince = NOT_WAITING;
        }
    }

    @Override
    public synchronized void setSoTimeout(int timeout) throws SocketException {
        boolean watched = timeout == 0 || timeout >= SHORTEST_WATCHED_MILLIS;
        int own = watched ? 0 : timeout;
        if (super.getSoTimeout() != own) {
            super.setSoTimeout(own);
        }
        requestedMillis = timeout;
        boundMillis = !watched ? 0 : timeout == 0 ? silenceBoundMillis : timeout;
    }

    @Override
    public synchronized int getSoTimeout() {
        return requestedMillis;
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
        if (input == null) {
            input = new WatchedInput(super.getInputStream());
        }
        return input;
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
        if (output == null) {
            output = new WatchedOutput(super.getOutputStream());
        }
        return output;
    }

    @Override
    public void close() throws IOException {
        watchdog.forget(this);
        super.close();
    }

    /** Whether a read, write or connect has been waiting longer than its bound, as of {@code now} (nanoTime). */
    boolean silentTooLong(long now) {
        int bound = boundMillis;
        return overdue(connectingSince, connectBoundMillis, now)
                || overdue(readingSince, bound, now) || overdue(writingSince, bound, now);
    }

    int boundMillis() {
        return connectingSince != NOT_WAITING ? connectBoundMillis : boundMillis;
    }

    /** Closes the socket: the waiting read or write fails, and says it timed out. */
    void closeSilent() {
        silenced = true;
        try {
            close();
        } catch (IOException e) {
            // closed anyway: the waiting call fails either way
        }
    }

    private static boolean overdue(long since, int boundMillis, long now) {
        return since != NOT_WAITING && boundMillis > 0 && now - since > boundMillis * 1_000_000L;
    }

    private static long now() {
        long now = System.nanoTime();
        return now == NOT_WAITING ? 1 : now;
    }

    private IOException failure(IOException e) {
        return silenced ? silence(boundMillis, e) : e;
    }

    private static SocketTimeoutException silence(int boundMillis, IOException cause) {
        SocketTimeoutException timeout = new SocketTimeoutException(
                "the database did not answer for " + boundMillis + " ms; its connection was closed");
        timeout.initCause(cause);
        return timeout;
    }

    private final class WatchedInput extends FilterInputStream {
        WatchedInput(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            readingSince = now();
            try {
                return in.read();
            } catch (IOException e) {
                throw failure(e);
            } finally {
                readingSince = NOT_WAITING;
            }
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            readingSince = now();
            try {
                return in.read(buffer, offset, length);
            } catch (IOException e) {
                throw failure(e);
            } finally {
                readingSince = NOT_WAITING;
            }
        }
    }

    private final class WatchedOutput extends FilterOutputStream {
        WatchedOutput(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            writingSince = now();
            try {
                out.write(b);
            } catch (IOException e) {
                throw failure(e);
            } finally {
                writingSince = NOT_WAITING;
            }
        }

        @Override
        public void write(byte[] buffer, int offset, int length) throws IOException {
            writingSince = now();
            try {
                out.write(buffer, offset, length);
            } catch (IOException e) {
                throw failure(e);
            } finally {
                writingSince = NOT_WAITING;
            }
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
