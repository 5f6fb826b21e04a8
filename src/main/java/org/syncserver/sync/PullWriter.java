package org.syncserver.sync;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Writes a pull's answer while the rows arrive from the database, never holding them all:
 * {@code {"clientId","lastSync","data":[…],"outdatedRowsGuid":[…]}}. The output is opened only once the answer
 * is certain to be a 200, so an earlier error still gets a normal error body.
 */
public final class PullWriter {

    private final Supplier<OutputStream> output;
    private final JsonFactory json;
    private final List<UUID> outdated = new ArrayList<>();
    private final UUID clientId;
    private long lastSync;
    private JsonGenerator generator;
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

    /** @param outdated the client has a pending change to this row, which loses to this one */
    void row(ServerRow row, boolean outdated) throws IOException {
        if (generator == null) {
            begin();
        }
        rows++;
        if (outdated) {
            this.outdated.add(row.rowguid());
        }
        generator.writeStartObject();
        generator.writeStringField("rowguid", row.rowguid().toString());
        generator.writeStringField("operation", row.operation());
        generator.writeStringField("tablename", row.tablename());
        generator.writeNumberField("clientdate", row.clientdate());
        generator.writeNumberField("serverdate", row.serverdate());
        generator.writeStringField("clientid", row.clientid().toString());
        if (row.json() != null) {
            generator.writeFieldName("rowData");
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

    int outdated() {
        return outdated.size();
    }

    void end() {
        try {
            if (generator == null) {
                begin();
            }
            generator.writeEndArray();
            generator.writeArrayFieldStart("outdatedRowsGuid");
            for (UUID rowguid : outdated) {
                generator.writeString(rowguid.toString());
            }
            generator.writeEndArray();
            generator.writeEndObject();
            generator.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void begin() throws IOException {
        generator = json.createGenerator(output.get());
        generator.writeStartObject();
        generator.writeStringField("clientId", clientId.toString());
        generator.writeNumberField("lastSync", lastSync);
        generator.writeArrayFieldStart("data");
    }
}
