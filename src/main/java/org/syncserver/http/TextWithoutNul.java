package org.syncserver.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import java.io.IOException;

/**
 * Request strings as Jackson reads them, except that one holding a NUL character is refused: PostgreSQL cannot store
 * it in a text column, and the request would fail with a 500 at every retry.
 */
final class TextWithoutNul extends StdScalarDeserializer<String> {

    /** Carries the field's path, like Jackson's own mismatches. */
    static final class Refused extends MismatchedInputException {
        Refused(JsonParser parser) {
            super(parser, "text with a NUL character", String.class);
        }
    }

    TextWithoutNul() {
        super(String.class);
    }

    @Override
    public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
        String text = StringDeserializer.instance.deserialize(parser, context);
        if (text != null && text.indexOf('\0') >= 0) {
            throw new Refused(parser);
        }
        return text;
    }
}
