package org.syncserver.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * A request body that must keep arriving: after a grace period it must have averaged at least a minimum rate, and
 * it must be complete within a deadline. A body that trickles in (one byte a second) would otherwise hold a request
 * thread for as long as its sender likes. A body that stops altogether ends at Jetty's idle timeout.
 */
final class PacedInputStream extends FilterInputStream {

    /** Raised when the body is too slow: an IOException, so that parsers pass it through. */
    static final class TooSlow extends IOException {
        TooSlow(String message) {
            super(message);
        }
    }

    static final long MIN_BYTES_PER_SECOND = 4_096;
    static final Duration DEADLINE = Duration.ofMinutes(10);

    private final long started = System.nanoTime();
    private final Duration grace;
    private long bytes;

    PacedInputStream(InputStream in, Duration grace) {
        super(in);
        this.grace = grace;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        account(b < 0 ? 0 : 1);
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        account(Math.max(n, 0));
        return n;
    }

    private void account(int n) throws TooSlow {
        bytes += n;
        long elapsedNanos = System.nanoTime() - started;
        if (elapsedNanos > DEADLINE.toNanos()) {
            throw new TooSlow("The request body was not complete within " + DEADLINE.toMinutes() + " minutes");
        }
        if (elapsedNanos > grace.toNanos() && bytes * 1_000_000_000L / elapsedNanos < MIN_BYTES_PER_SECOND) {
            throw new TooSlow("The request body arrived slower than " + MIN_BYTES_PER_SECOND + " bytes a second");
        }
    }
}
