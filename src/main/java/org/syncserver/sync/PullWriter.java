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
    private final List<Outdated> outdated = new ArrayList<>();
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

    /** A row the client changed too, whose change loses to the server's: reported, and journaled. */
    record Outdated(ServerRow winner, PendingChange loser) {
    }

    /** @param pending the client's own pending change to this row, which loses to this one; or null */
    void row(ServerRow row, PendingChange pending) throws IOException {
        if (generator == null) {
            begin();
        }
        rows++;
        if (pending != null) {
            outdated.add(new Outdated(row.withoutData(), pending));
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

    List<Outdated> outdated() {
        return outdated;
    }

    void end() {
        try {
            if (generator == null) {
                begin();
            }
            generator.writeEndArray();
            generator.writeArrayFieldStart("outdatedRowsGuid");
            for (Outdated row : outdated) {
                generator.writeString(row.winner().rowguid().toString());
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
