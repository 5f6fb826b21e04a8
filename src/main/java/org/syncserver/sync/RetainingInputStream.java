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

    private static final int INITIAL = 16 * 1024;
    private static final int SHRINK_ABOVE = 1024 * 1024;

    private byte[] kept = new byte[INITIAL];
    /** Stream offset of {@code kept[0]}. */
    private long keptFrom;
    private int keptLength;

    RetainingInputStream(InputStream in) {
        super(in);
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

    /**
     * Forgets the bytes before this stream offset. A buffer grown for a large row is given back once the row is
     * taken: it must not stay beside the row's text while the row is stored.
     */
    void discardBefore(long offset) {
        int drop = (int) Math.min(keptLength, Math.max(0, offset - keptFrom));
        if (kept.length > SHRINK_ABOVE && keptLength - drop < kept.length / 4) {
            kept = Arrays.copyOfRange(kept, drop, drop + Math.max(INITIAL, 2 * (keptLength - drop)));
        } else {
            System.arraycopy(kept, drop, kept, 0, keptLength - drop);
        }
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
        if (isAscii(start, length)) {
            return new String(kept, start, length, StandardCharsets.ISO_8859_1); // one copy, one byte a character
        }
        // Strict decoding: bytes that are not UTF-8 are refused rather than silently replaced.
        return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(kept, start, length)).toString();
    }

    /** Most rows are ASCII (JSON escapes what is not): their text needs no decoding buffer of twice their size. */
    private boolean isAscii(int start, int length) {
        for (int i = start; i < start + length; i++) {
            if (kept[i] < 0) {
                return false;
            }
        }
        return true;
    }

    private void keep(byte[] buffer, int offset, int length) {
        if (keptLength + length > kept.length) {
            // By half again, not double: a 64 MB row must not need a 128 MB buffer beside the 64 MB one it outgrew.
            kept = Arrays.copyOf(kept, Math.max(kept.length + kept.length / 2, keptLength + length));
        }
        System.arraycopy(buffer, offset, kept, keptLength, length);
        keptLength += length;
    }
}
