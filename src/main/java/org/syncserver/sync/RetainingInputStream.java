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

    /** Forgets the bytes before this stream offset. */
    void discardBefore(long offset) {
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
        if (keptLength + length > kept.length) {
            kept = Arrays.copyOf(kept, Math.max(kept.length * 2, keptLength + length));
        }
        System.arraycopy(buffer, offset, kept, keptLength, length);
        keptLength += length;
    }
}
