package org.syncserver.sync;

import org.syncserver.error.BadRequestException;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * One chunk of a pull or push body too large for one request (PROTOCOL §11.1): bytes {@code start..end} of the
 * full JSON text of {@code totalSize} bytes, as a string.
 */
record Chunk(UUID syncId, int index, int chunks, long start, long end, long totalSize, String data) {

    /** No real request needs more: 10,000 chunks of 64 KB each are 640 MB. */
    static final int MAX_CHUNKS = 10_000;

    /** The chunk's fields as they are read, checked once the body is complete. */
    static final class Fields {
        Long multiple;
        UUID syncId;
        Long index;
        Long chunks;
        Long start;
        Long end;
        Long totalSize;
        String data;

        /** @return the chunk; null when the body is not one ({@code multiple} absent or not 1) */
        Chunk build() {
            if (multiple == null || multiple != 1) {
                return null;
            }
            if (syncId == null || index == null || chunks == null || start == null || end == null
                    || totalSize == null || data == null) {
                throw new BadRequestException("A chunk needs syncId, chunkIndex, chunks, start, end, totalSize and data");
            }
            if (chunks < 1 || chunks > MAX_CHUNKS || index < 0 || index >= chunks) {
                throw new BadRequestException("chunkIndex must be from 0 to chunks - 1, and chunks from 1 to " + MAX_CHUNKS);
            }
            long bytes = data.getBytes(StandardCharsets.UTF_8).length;
            if (start < 0 || end - start != bytes || end > totalSize) {
                throw new BadRequestException("start and end of chunk " + index + " must frame its data's "
                        + bytes + " UTF-8 bytes within totalSize");
            }
            return new Chunk(syncId, index.intValue(), chunks.intValue(), start, end, totalSize, data);
        }
    }
}
