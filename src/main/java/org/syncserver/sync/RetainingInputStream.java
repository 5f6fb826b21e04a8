package org.syncserver.sync;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Keeps the bytes a JSON parser has read, from a point the caller moves forward, so that a value can be taken out
 * exactly as it was sent: {@code rowData} reaches other devices byte for byte (its escapes, its numbers), instead of
 * as a parser and a generator would rewrite it. Only the current change and the parser's read-ahead are kept.
 */
final class RetainingInputStream extends FilterInputStream {

    private byte[] kept = new byte[16 * 1024];
    /** Stream offset of {@code kept[0]}. */
    private long keptFrom;
    private int keptLength;
    private final long limit;
    private boolean overLimit;

    RetainingInputStream(InputStream in) {
        this(in, Long.MAX_VALUE);
    }

    /** Keeps at most {@code limit} bytes: past that it keeps nothing more, for good (see {@link #overLimit}). */
    RetainingInputStream(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    /** Whether the bytes to keep once passed the limit: then no text can be taken out any more. */
    boolean overLimit() {
        return overLimit;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            keep(new byte[]{(byte) b}, 0, 1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
            keep(buffer, offset, n);
        }
        return n;
    }

    /** Forgets the bytes before this stream offset. */
    void discardBefore(long offset) {
        if (overLimit) {
            return;
        }
        int drop = (int) Math.min(keptLength, Math.max(0, offset - keptFrom));
        System.arraycopy(kept, drop, kept, 0, keptLength - drop);
        keptLength -= drop;
        keptFrom += drop;
    }

    /** The UTF-8 text between two stream offsets, which must still be kept. */
    String text(long from, long to) throws CharacterCodingException {
        int start = (int) (from - keptFrom);
        int length = (int) (to - from);
        if (start < 0 || start + length > keptLength) {
            throw new IllegalStateException("bytes " + from + ".." + to + " are no longer kept");
        }
        // Strict decoding: bytes that are not UTF-8 are refused rather than silently replaced.
        return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(kept, start, length)).toString();
    }

    private void keep(byte[] buffer, int offset, int length) {
        if (overLimit || keptLength + length > limit) {
            overLimit = true;
            kept = new byte[0];
            keptLength = 0;
            return;
        }
        if (keptLength + length > kept.length) {
            kept = Arrays.copyOf(kept, Math.max(kept.length * 2, keptLength + length));
        }
        System.arraycopy(buffer, offset, kept, keptLength, length);
        keptLength += length;
    }
}
