package org.syncserver.sync;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Writes a pull's answer while the rows arrive from the database, never holding them all:
 * {@code {"clientId","lastSync","data":[…],"outdatedRowsGuid":[…]}}. The output is opened only once the answer
 * is certain to be a 200, so an earlier error still gets a normal error body.
 */
public final class PullWriter {

    // A row's field names, encoded once: written character by character for every row, they took 4 % of the
    // server's CPU in a bootstrap of 1,000,000 rows.
    private static final SerializableString ROWGUID = new SerializedString("rowguid");
    private static final SerializableString OPERATION = new SerializedString("operation");
    private static final SerializableString TABLENAME = new SerializedString("tablename");
    private static final SerializableString CLIENTDATE = new SerializedString("clientdate");
    private static final SerializableString SERVERDATE = new SerializedString("serverdate");
    private static final SerializableString CLIENTID = new SerializedString("clientid");
    private static final SerializableString ROW_DATA = new SerializedString("rowData");

    private final Supplier<OutputStream> output;
    private final JsonFactory json;
    /** Distinct tables of the rows written, at most {@link #TABLES_NOTED}: the cause, should the import fail. */
    private final Set<String> tables = new LinkedHashSet<>();
    private final UUID clientId;
    private long lastSync;
    private JsonGenerator generator;
    private CountingOutputStream counted;
    private int rows;

    public PullWriter(UUID clientId, Supplier<OutputStream> output, JsonFactory json) {
        this.clientId = clientId;
        this.output = output;
        this.json = json;
    }

    /** @param lastSync the cursor: the user's clock, up to which the rows that follow reach */
    void lastSync(long lastSync) {
        this.lastSync = lastSync;
    }

    static final int TABLES_NOTED = 8;

    void row(ServerRow row) throws IOException {
        if (generator == null) {
            begin();
        }
        rows++;
        if (tables.size() < TABLES_NOTED) {
            tables.add(row.tablename());
        }
        generator.writeStartObject();
        generator.writeFieldName(ROWGUID);
        generator.writeString(row.rowguid().toString());
        generator.writeFieldName(OPERATION);
        generator.writeString(row.operation());
        generator.writeFieldName(TABLENAME);
        generator.writeString(row.tablename());
        generator.writeFieldName(CLIENTDATE);
        generator.writeNumber(row.clientdate());
        generator.writeFieldName(SERVERDATE);
        generator.writeNumber(row.serverdate());
        generator.writeFieldName(CLIENTID);
        generator.writeString(row.clientid().toString());
        if (row.json() != null) {
            generator.writeFieldName(ROW_DATA);
            generator.writeRawValue(row.json());
        }
        generator.writeEndObject();
    }

    long lastSync() {
        return lastSync;
    }

    /** Whether any of the answer may have left: until then, the pull can start over or fail with an error answer. */
    boolean started() {
        return generator != null;
    }

    int rows() {
        return rows;
    }

    /** The answer's bytes so far, uncompressed, for its span: all of them once it has ended. */
    long bytes() {
        return counted == null ? 0 : counted.count;
    }

    /** The tables of the rows written (the first few), comma-separated; null when no row was written. */
    String tables() {
        return tables.isEmpty() ? null : String.join(", ", tables);
    }

    void end() {
        try {
            if (generator == null) {
                begin();
            }
            generator.writeEndArray();
            // Always empty: a pending change older than a version the device had not seen is pushed all the same,
            // and the push journals it as skipped with its data (docs/protocol.md §11.3); listed here, the client
            // would drop it and its text would be lost without a trace.
            generator.writeArrayFieldStart("outdatedRowsGuid");
            generator.writeEndArray();
            generator.writeEndObject();
            generator.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void begin() throws IOException {
        counted = new CountingOutputStream(output.get());
        generator = json.createGenerator(counted);
        generator.writeStartObject();
        generator.writeStringField("clientId", clientId.toString());
        generator.writeNumberField("lastSync", lastSync);
        generator.writeArrayFieldStart("data");
    }

    /** Counts what passes; the generator writes in buffers of some KB, so this costs a call per buffer. */
    private static final class CountingOutputStream extends FilterOutputStream {
        private long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] buffer, int offset, int length) throws IOException {
            out.write(buffer, offset, length);
            count += length;
        }
    }
}
