package org.syncserver.sync;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Body of {@code POST /push/:realm[/:clientId]}, read twice: once as it arrives, to validate every change (one bad
 * change rejects the push before anything is stored) while it is copied to a {@link Spool}; then, inside the push's
 * transaction, in batches taken from the spool, each row's data as the device sent it. Memory stays at about one
 * batch whatever the push's size, and the user's rows are locked only while the batches are stored, never while a
 * slow device uploads.
 *
 * @param partial true while more batches follow; the last batch (0, false or missing) releases the lock
 * @param changes how many changes the push holds
 * @param chunk   set when the body is one chunk of a larger push
 */
public record PushRequest(UUID clientId, Long lastSync, boolean partial, int changes, Chunk chunk, Spool spool,
                          JsonFactory json)
        implements AutoCloseable {

    /** A batch is stored when it holds this many changes or this much row data, whichever comes first. */
    static final int BATCH_CHANGES = 1_000;
    static final long BATCH_CHARS = 4L * 1024 * 1024;

    interface BatchSink {
        void store(List<PushedChange> batch) throws java.sql.SQLException;
    }

    public static PushRequest read(InputStream body, JsonFactory json) throws IOException {
        Spool spool = new Spool();
        try (JsonParser parser = json.createParser(new Tee(body, spool))) {
            int[] count = {0};
            SyncBodyParser.Header header = SyncBodyParser.parse(parser, (index, change) -> {
                ChangeValidator.pushed(index, change);
                count[0]++;
            });
            return new PushRequest(header.clientId(), header.lastSync(), header.partial(), count[0], header.chunk(),
                    spool, json);
        } catch (IOException | RuntimeException e) {
            spool.close();
            throw e;
        }
    }

    /**
     * Hands the changes to the sink in batches, in the order sent. Within a batch a row appears once, with its
     * latest change; a later batch's change to the same row overwrites the earlier one, as in the client's log.
     */
    void forEachBatch(BatchSink sink) throws java.sql.SQLException {
        Map<UUID, PushedChange> batch = new LinkedHashMap<>();
        long[] chars = {0};
        try (RetainingInputStream source = new RetainingInputStream(spool.open());
             JsonParser parser = json.createParser(source)) {
            SyncBodyParser.parseKeepingRows(parser, source, (index, sent) -> {
                PushedChange change = ChangeValidator.pushed(index, sent);
                batch.remove(change.rowguid());
                batch.put(change.rowguid(), change);
                chars[0] += change.json() == null ? 0 : change.json().length();
                if (batch.size() >= BATCH_CHANGES || chars[0] >= BATCH_CHARS) {
                    flush(batch, sink);
                    chars[0] = 0;
                }
            });
            if (!batch.isEmpty()) {
                flush(batch, sink);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (BatchFailed e) {
            throw e.sqlException();
        }
    }

    private static void flush(Map<UUID, PushedChange> batch, BatchSink sink) {
        try {
            sink.store(new ArrayList<>(batch.values()));
        } catch (java.sql.SQLException e) {
            throw new BatchFailed(e);
        }
        batch.clear();
    }

    /** Carries a database error out of the parser's callback. */
    private static final class BatchFailed extends RuntimeException {
        BatchFailed(java.sql.SQLException cause) {
            super(cause);
        }

        java.sql.SQLException sqlException() {
            return (java.sql.SQLException) getCause();
        }
    }

    @Override
    public void close() {
        spool.close();
    }

    /** Copies what the parser reads into the spool. */
    private static final class Tee extends FilterInputStream {
        private final Spool spool;

        Tee(InputStream in, Spool spool) {
            super(in);
            this.spool = spool;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                spool.write(b);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                spool.write(buffer, offset, n);
            }
            return n;
        }
    }
}
