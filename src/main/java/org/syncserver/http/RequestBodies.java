package org.syncserver.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.javalin.http.Context;
import org.syncserver.error.BadRequestException;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.util.Collection;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * Turns a request body into a typed record: inflates gzip/deflate (the client compresses every POST), enforces
 * the size limit after inflating, and maps every parse problem to a 400 that names the field.
 */
public final class RequestBodies {

    private final ObjectMapper mapper;
    private final long maxBodyBytes;

    public RequestBodies(ObjectMapper mapper, long maxBodyBytes) {
        this.mapper = mapper;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** The mapper used for requests: unknown fields are ignored, but no type is silently coerced into another. */
    public static ObjectMapper strictMapper() {
        ObjectMapper mapper = JsonMapper.builder()
                .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE) // read() drains and closes the body itself
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Integer)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        return mapper;
    }

    public <T> T read(Context ctx, Class<T> type) {
        try (InputStream body = open(ctx)) {
            T value = mapper.readValue(body, type);
            // Read to the end: the JSON parser stops at the closing brace, before gzip's trailer. Content left
            // unread makes Jetty close the connection after answering, which fails a client reusing it.
            body.transferTo(OutputStream.nullOutputStream());
            if (value == null) {
                throw new BadRequestException("The request body must be a JSON object");
            }
            return value;
        } catch (LimitedInputStream.LimitExceeded e) {
            throw new PayloadTooLargeException(maxBodyBytes);
        } catch (MismatchedInputException e) {
            throw new BadRequestException(describe(e));
        } catch (JsonProcessingException e) {
            throw new BadRequestException("The request body is not valid JSON (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (ZipException | java.io.EOFException e) {
            throw new BadRequestException("The request body is not valid " + encoding(ctx) + " data");
        } catch (IOException e) {
            throw new BadRequestException("The request body could not be read");
        }
    }

    /**
     * Reads what a route left of the request body, up to {@code limit} bytes, before an error answer: a client still
     * sending it would otherwise find the connection closed by Jetty and see a broken pipe instead of the answer.
     */
    static void discardUnread(Context ctx, long limit) {
        try {
            InputStream raw = ctx.req().getInputStream();
            byte[] buffer = new byte[8192];
            long left = limit;
            for (int n = 0; n >= 0 && left > 0; n = raw.read(buffer, 0, (int) Math.min(buffer.length, left))) {
                left -= n;
            }
        } catch (IOException | IllegalStateException e) {
            // The client is gone, or the body cannot be read any more: Jetty closes the connection, nothing to save.
        }
    }

    private InputStream open(Context ctx) throws IOException {
        String encoding = encoding(ctx);
        long declaredLength = ctx.req().getContentLengthLong();
        if (declaredLength > maxBodyBytes) {
            throw new PayloadTooLargeException(maxBodyBytes);
        }
        // Closing the decoder frees its native memory but leaves the request's stream open, for discardUnread.
        InputStream raw = new FilterInputStream(ctx.bodyInputStream()) {
            @Override
            public void close() {
            }
        };
        InputStream decoded = switch (encoding) {
            case "", "identity" -> raw;
            case "gzip", "x-gzip" -> new GZIPInputStream(raw);
            case "deflate" -> inflate(raw);
            default -> throw new UnsupportedEncodingException(encoding);
        };
        return new LimitedInputStream(decoded, maxBodyBytes);
    }

    /** "deflate" should be zlib-wrapped, but some clients send raw deflate: tell them apart by the zlib header. */
    private static InputStream inflate(InputStream raw) throws IOException {
        PushbackInputStream in = new PushbackInputStream(raw, 2);
        byte[] head = in.readNBytes(2);
        in.unread(head);
        boolean zlib = head.length == 2 && (head[0] & 0x0F) == 8 && ((head[0] & 0xFF) << 8 | (head[1] & 0xFF)) % 31 == 0;
        return new InflaterInputStream(in, new Inflater(!zlib));
    }

    private static String encoding(Context ctx) {
        String header = ctx.header("Content-Encoding");
        return header == null ? "" : header.trim().toLowerCase(Locale.ROOT);
    }

    private static String describe(MismatchedInputException e) {
        if (e.getPath().isEmpty()) {
            return e.getOriginalMessage().startsWith("No content")
                    ? "The request body is empty: a JSON object is expected"
                    : "The request body must be a JSON object";
        }
        return "Invalid value for '" + fieldPath(e) + "': expected " + expected(e.getTargetType());
    }

    private static String fieldPath(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining())
                .substring(1);
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "a different type";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == UUID.class) {
            return "a UUID";
        }
        if (type == Long.class || type == long.class || type == Integer.class || type == int.class) {
            return "a whole number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "a list";
        }
        return "a JSON object";
    }
}
