package org.syncserver.sync;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Writes a pull's answer while the rows arrive from the database, never holding them all:
 * {@code {"clientId","lastSync","data":[…],"outdatedRowsGuid":[…]}}. The output is opened only once the answer
 * is certain to be a 200, so an earlier error still gets a normal error body.
 */
public final class PullWriter implements SyncRepository.PullSink {

    private final Supplier<OutputStream> output;
    private final JsonFactory json;
    private final List<UUID> outdated = new ArrayList<>();
    private final UUID clientId;
    private JsonGenerator generator;
    private int rows;

    public PullWriter(UUID clientId, Supplier<OutputStream> output, JsonFactory json) {
        this.clientId = clientId;
        this.output = output;
        this.json = json;
    }

    /** @param lastSync the cursor: the user's clock as the rows that follow saw it */
    @Override
    public void begin(long lastSync) throws IOException {
        if (generator != null) {
            throw new IllegalStateException("a pull answer was begun twice");
        }
        generator = json.createGenerator(output.get());
        generator.writeStartObject();
        generator.writeStringField("clientId", clientId.toString());
        generator.writeNumberField("lastSync", lastSync);
        generator.writeArrayFieldStart("data");
    }

    @Override
    public void row(ServerRow row) throws IOException {
        rows++;
        if (row.outdated()) {
            outdated.add(row.rowguid());
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

    int rows() {
        return rows;
    }

    int outdated() {
        return outdated.size();
    }

    void end() throws IOException {
        if (generator == null) {
            begin(0);
        }
        generator.writeEndArray();
        generator.writeArrayFieldStart("outdatedRowsGuid");
        for (UUID rowguid : outdated) {
            generator.writeString(rowguid.toString());
        }
        generator.writeEndArray();
        generator.writeEndObject();
        generator.close();
    }
}
