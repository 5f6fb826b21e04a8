package org.syncserver.sync;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import org.syncserver.error.BadRequestException;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.util.UUID;

/**
 * Reads a pull or push body token by token, {@code {"clientId","lastSync","isPartial","changes":[…]}}, handing each
 * change to a sink as it is read: a body of 200,000 changes or of 100 MB of row data never becomes a tree in
 * memory. Unknown fields are skipped without being built. Type errors name the field as the rest of the server does
 * ({@code Invalid value for 'changes[3].rowguid': expected a UUID}).
 */
final class SyncBodyParser {

    /**
     * What a body says besides its changes.
     *
     * @param chunk set when the body is one chunk of a larger request ({@code "multiple": 1}, PROTOCOL §11.1)
     */
    record Header(UUID clientId, Long lastSync, boolean partial, Chunk chunk) {
    }

    /** What a change's {@code rowData} was. */
    enum Shape { ABSENT, NULL, OBJECT, OTHER }

    /**
     * A change as sent, before validation.
     *
     * @param rowData the row's JSON text exactly as sent, when the parser was asked to keep it; else null
     */
    record SentChange(String operation, UUID rowguid, String tablename, Long clientdate, Shape shape, String rowData) {
    }

    interface ChangeSink {
        void accept(int index, SentChange change) throws IOException;
    }

    private final JsonParser parser;
    /** When set, rowData objects are taken from it as sent. */
    private final RetainingInputStream source;

    private SyncBodyParser(JsonParser parser, RetainingInputStream source) {
        this.parser = parser;
        this.source = source;
    }

    /** Reads the whole body, changes without their row data. */
    static Header parse(JsonParser parser, ChangeSink sink) throws IOException {
        return new SyncBodyParser(parser, null).body(sink);
    }

    /** Reads the whole body, each change with its rowData text as sent, taken from {@code source}. */
    static Header parseKeepingRows(JsonParser parser, RetainingInputStream source, ChangeSink sink) throws IOException {
        return new SyncBodyParser(parser, source).body(sink);
    }

    private Header body(ChangeSink sink) throws IOException {
        JsonToken first = parser.nextToken();
        if (first == null) {
            throw new BadRequestException("The request body is empty: a JSON object is expected");
        }
        if (first != JsonToken.START_OBJECT) {
            throw new BadRequestException("The request body must be a JSON object");
        }
        UUID clientId = null;
        Long lastSync = null;
        boolean partial = false;
        Chunk.Fields chunk = new Chunk.Fields();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            parser.nextToken();
            switch (field) {
                case "clientId" -> clientId = uuid("clientId");
                case "lastSync" -> lastSync = wholeNumber("lastSync");
                case "isPartial" -> partial = partial();
                case "changes" -> changes(sink);
                case "multiple" -> chunk.multiple = wholeNumber("multiple");
                case "syncId" -> chunk.syncId = uuid("syncId");
                case "chunkIndex" -> chunk.index = wholeNumber("chunkIndex");
                case "chunks" -> chunk.chunks = wholeNumber("chunks");
                case "start" -> chunk.start = wholeNumber("start");
                case "end" -> chunk.end = wholeNumber("end");
                case "totalSize" -> chunk.totalSize = wholeNumber("totalSize");
                case "data" -> chunk.data = text("data");
                default -> parser.skipChildren();
            }
        }
        return new Header(clientId, lastSync, partial, chunk.build());
    }

    private void changes(ChangeSink sink) throws IOException {
        if (parser.currentToken() == JsonToken.VALUE_NULL) {
            return;
        }
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw invalid("changes", "a list");
        }
        int index = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (parser.currentToken() == JsonToken.VALUE_NULL) {
                throw new BadRequestException("changes[" + index + "] must be a change object");
            }
            if (parser.currentToken() != JsonToken.START_OBJECT) {
                throw invalid("changes[" + index + "]", "a JSON object");
            }
            sink.accept(index, change("changes[" + index + "]."));
            if (source != null) {
                source.discardBefore(parser.currentLocation().getByteOffset());
            }
            index++;
        }
    }

    private SentChange change(String path) throws IOException {
        String operation = null;
        UUID rowguid = null;
        String tablename = null;
        Long clientdate = null;
        Shape shape = Shape.ABSENT;
        String rowData = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            parser.nextToken();
            switch (field) {
                case "operation" -> operation = text(path + "operation");
                case "rowguid" -> rowguid = uuid(path + "rowguid");
                case "tablename" -> tablename = text(path + "tablename");
                case "clientdate" -> clientdate = wholeNumber(path + "clientdate");
                case "rowData" -> {
                    shape = shape();
                    rowData = shape == Shape.OBJECT ? rowData() : skip();
                }
                default -> parser.skipChildren();
            }
        }
        return new SentChange(operation, rowguid, tablename, clientdate, shape, rowData);
    }

    private Shape shape() {
        return switch (parser.currentToken()) {
            case VALUE_NULL -> Shape.NULL;
            case START_OBJECT -> Shape.OBJECT;
            default -> Shape.OTHER;
        };
    }

    /** The object's JSON text from its opening to its closing brace, as the device sent it. */
    private String rowData() throws IOException {
        if (source == null) {
            return skip();
        }
        long from = parser.currentTokenLocation().getByteOffset();
        parser.skipChildren();
        long to = parser.currentLocation().getByteOffset();
        try {
            String text = source.text(from, to);
            source.discardBefore(to); // taken: the bytes are not needed while the row waits to be stored
            return text;
        } catch (CharacterCodingException e) {
            throw new BadRequestException("rowData is not valid UTF-8");
        }
    }

    private String skip() throws IOException {
        parser.skipChildren();
        return null;
    }

    private String text(String field) throws IOException {
        return switch (parser.currentToken()) {
            case VALUE_NULL -> null;
            case VALUE_STRING -> parser.getText();
            default -> throw invalid(field, "a string");
        };
    }

    private UUID uuid(String field) throws IOException {
        if (parser.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        if (parser.currentToken() == JsonToken.VALUE_STRING) {
            try {
                return UUID.fromString(parser.getText());
            } catch (IllegalArgumentException e) {
                // reported below
            }
        }
        throw invalid(field, "a UUID");
    }

    private Long wholeNumber(String field) throws IOException {
        if (parser.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        if (parser.currentToken() == JsonToken.VALUE_NUMBER_INT) {
            try {
                return parser.getLongValue();
            } catch (InputCoercionException e) {
                // out of range, reported below
            }
        }
        throw invalid(field, "a whole number");
    }

    /** 1 or true while more batches follow; 0, false or null for the last one. */
    private boolean partial() throws IOException {
        return switch (parser.currentToken()) {
            case VALUE_NULL, VALUE_FALSE -> false;
            case VALUE_TRUE -> true;
            case VALUE_NUMBER_INT -> parser.getIntValue() == 1;
            default -> throw invalid("isPartial", "0, 1, true or false");
        };
    }

    private BadRequestException invalid(String field, String expected) throws IOException {
        parser.skipChildren();
        return new BadRequestException("Invalid value for '" + field + "': expected " + expected);
    }
}
