package org.syncserver.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Stops reading once more than a limit has come through, so a small gzip bomb is cut off early. */
final class LimitedInputStream extends FilterInputStream {

    /** An IOException so that JSON parsers pass it through unchanged. */
    static final class LimitExceeded extends IOException {
        LimitExceeded() {
            super("body limit exceeded");
        }
    }

    private final long limit;
    private long count;

    LimitedInputStream(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            count(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
            count(n);
        }
        return n;
    }

    private void count(int n) throws LimitExceeded {
        count += n;
        if (count > limit) {
            throw new LimitExceeded();
        }
    }
}
