package org.syncserver.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.javalin.http.Context;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.IdleTimeout;
import org.syncserver.error.BadRequestException;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * Turns a request body into a typed record, or hands it to a streaming reader: inflates gzip/deflate (the client
 * compresses every POST), enforces the size limit after inflating, keeps slow senders from holding threads
 * ({@link BodyGate}, {@link PacedInputStream}), and maps every parse problem to a 400 that names the field or the
 * limit. Nothing here builds a JSON tree of unbounded size: small bodies are capped at {@link #SMALL_BODY_BYTES}, and
 * large (sync) bodies are read token by token.
 */
public final class RequestBodies {

    /** Register, login, refresh, password and cancelSync bodies: a few hundred bytes in real use. */
    public static final long SMALL_BODY_BYTES = 64 * 1024;
    /** JSON nested deeper than this is refused: no real row or device description comes close. */
    static final int MAX_NESTING = 200;

    /** Reads a streamed body. */
    public interface BodyReader<T> {
        T read(InputStream body) throws IOException;
    }

    private final ObjectMapper mapper;
    private final long maxBodyBytes;
    private final ClientAddress addresses;
    private final Duration slowBodyGrace;
    private final BodyGate gate = new BodyGate();

    /** @param slowBodyGrace how long a body may arrive slowly before it must keep the minimum rate */
    public RequestBodies(ObjectMapper mapper, long maxBodyBytes, ClientAddress addresses, Duration slowBodyGrace) {
        this.mapper = mapper;
        this.maxBodyBytes = maxBodyBytes;
        this.addresses = addresses;
        this.slowBodyGrace = slowBodyGrace;
    }

    /**
     * The mapper used for requests: unknown fields are ignored, no type is silently coerced into another, text with
     * a NUL character (which PostgreSQL cannot store) is refused, and nesting, numbers and names are bounded.
     */
    public static ObjectMapper strictMapper(long maxBodyBytes) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING)
                        .maxStringLength((int) Math.min(Integer.MAX_VALUE, maxBodyBytes))
                        .maxDocumentLength(maxBodyBytes)
                        .build())
                .build();
        ObjectMapper mapper = JsonMapper.builder(factory)
                .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE) // the body is drained and closed here
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .addModule(new SimpleModule().addDeserializer(String.class, new TextWithoutNul()))
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

    /**
     * Marks the request as made by an authenticated account: its body is read in the pool of authenticated sync
     * work, which bodies of unknown senders cannot fill (see {@link BodyGate}).
     */
    public static void authenticated(Context ctx, UUID account) {
        ctx.attribute(ACCOUNT_ATTRIBUTE, account);
    }

    private static java.util.Optional<UUID> accountOf(Context ctx) {
        return java.util.Optional.ofNullable(ctx.attribute(ACCOUNT_ATTRIBUTE));
    }

    private static final String ACCOUNT_ATTRIBUTE = "syncserver.account";

    /** A small body (at most {@link #SMALL_BODY_BYTES}) as a record. */
    public <T> T read(Context ctx, Class<T> type) {
        T value = parse(ctx, SMALL_BODY_BYTES, body -> mapper.readValue(body, type));
        if (value == null) {
            throw new BadRequestException("The request body must be a JSON object");
        }
        return value;
    }

    /** A body of up to the configured limit, read by a streaming reader (pull and push). */
    public <T> T stream(Context ctx, BodyReader<T> reader) {
        return parse(ctx, maxBodyBytes, reader);
    }

    private <T> T parse(Context ctx, long limit, BodyReader<T> reader) {
        try (BodyGate.Permit ignored = arrived(ctx) ? BodyGate.NOT_COUNTED
                : gate.enter(addresses.of(ctx), accountOf(ctx));
             InputStream body = open(ctx, limit)) {
            T value = reader.read(body);
            // Read to the end: the JSON parser stops at the closing brace, before gzip's trailer. Content left
            // unread makes Jetty close the connection after answering, which fails a client reusing it.
            body.transferTo(OutputStream.nullOutputStream());
            return value;
        } catch (ZipException | java.io.EOFException e) {
            throw new BadRequestException("The request body is not valid " + encoding(ctx) + " data");
        } catch (IOException e) {
            throw translate(e, limit);
        }
    }

    /**
     * Whether the whole body is in the server's buffers already: reading it cannot wait on its sender, so it takes
     * no place in the {@link BodyGate}. A small body usually comes with its headers; without this, a burst of token
     * refreshes from devices behind one address was refused (the benchmark's 50 devices on one host, under load).
     */
    private static boolean arrived(Context ctx) {
        long declaredLength = ctx.req().getContentLengthLong();
        try {
            return declaredLength >= 0 && ctx.req().getInputStream().available() >= declaredLength;
        } catch (IOException e) {
            return false;
        }
    }

    /** A body joined from chunks (PROTOCOL §11.1), read as if it had come in one request. */
    public <T> T parseJoined(InputStream body, BodyReader<T> reader) {
        try (InputStream in = body) {
            return reader.read(in);
        } catch (IOException e) {
            throw translate(e, maxBodyBytes);
        }
    }

    private static RuntimeException translate(IOException failure, long limit) {
        return switch (failure) {
            case LimitedInputStream.LimitExceeded ignored -> new PayloadTooLargeException(limit);
            case PacedInputStream.TooSlow slow -> new RequestTimeoutException(slow.getMessage());
            case StreamConstraintsException tooBig ->
                    new BadRequestException("The request body exceeds a limit: " + limitMessage(tooBig));
            // A request record that validates itself refused its values: its own message names the field.
            case ValueInstantiationException refused when refused.getCause() instanceof BadRequestException bad -> bad;
            case TextWithoutNul.Refused nul -> new BadRequestException("Invalid value for '" + fieldPath(nul)
                    + "': text must not contain the NUL character (\\u0000)");
            case MismatchedInputException mismatch -> new BadRequestException(describe(mismatch));
            case JsonProcessingException invalid ->
                    new BadRequestException("The request body is not valid JSON" + where(invalid));
            default -> new BadRequestException("The request body could not be read");
        };
    }

    /**
     * Reads what a route left of the request body before an error answer, so that a client still sending it sees
     * the answer rather than a broken pipe; but only what arrives quickly: an error answer never waits on a slow
     * body, and draining counts against the {@link BodyGate} (beyond it, nothing is read). When some is left, the
     * connection is closed after the answer.
     */
    void discardUnread(Context ctx) {
        BodyGate.Permit permit;
        try {
            permit = gate.enter(addresses.of(ctx), accountOf(ctx));
        } catch (BusyException e) {
            ctx.header("Connection", "close");
            return;
        }
        try (permit) {
            drain(ctx);
        }
    }

    private static void drain(Context ctx) {
        // A read that waits longer than DISCARD_TIME for bytes fails: the connection's idle timeout is shortened
        // for the drain, and the time between reads is checked. The idle timeout counts from the connection's last
        // I/O, and Jetty checks it at once when it is shortened: cut after a request had worked for longer than
        // DISCARD_TIME (a 503 after a wait on the database), it failed the request on the spot, whose answer became
        // a 500, or the next request on the connection was refused. So the idle time starts again here.
        EndPoint endPoint = endPoint(ctx);
        long idleTimeout = endPoint.getIdleTimeout();
        if (endPoint instanceof IdleTimeout idle) {
            idle.notIdle();
            endPoint.setIdleTimeout(DISCARD_TIME.toMillis());
        }
        try {
            var raw = ctx.req().getInputStream();
            byte[] buffer = new byte[8192];
            long deadline = System.nanoTime() + DISCARD_TIME.toNanos();
            long left = DISCARD_LIMIT;
            int n = 0;
            while (n >= 0 && left > 0 && System.nanoTime() < deadline) {
                n = raw.read(buffer, 0, (int) Math.min(buffer.length, left));
                left -= Math.max(n, 0);
            }
            if (n >= 0) {
                ctx.header("Connection", "close");
            }
        } catch (IOException | IllegalStateException e) {
            ctx.header("Connection", "close");
        } finally {
            endPoint.setIdleTimeout(idleTimeout);
        }
    }

    static EndPoint endPoint(Context ctx) {
        return ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData().getConnection()
                .getEndPoint();
    }

    /** Bodies of refused requests are read up to this size and time (a 1,000-change push is about 100 KB gzipped). */
    private static final long DISCARD_LIMIT = 1 << 20;
    private static final Duration DISCARD_TIME = Duration.ofMillis(500);

    private InputStream open(Context ctx, long limit) throws IOException {
        String encoding = encoding(ctx);
        long declaredLength = ctx.req().getContentLengthLong();
        if (declaredLength > limit) {
            throw new PayloadTooLargeException(limit);
        }
        // Closing the decoder frees its native memory but leaves the request's stream open, for discardUnread.
        InputStream raw = new PacedInputStream(new FilterInputStream(ctx.bodyInputStream()) {
            @Override
            public void close() {
            }
        }, slowBodyGrace);
        InputStream decoded = switch (encoding) {
            case "", "identity" -> raw;
            case "gzip", "x-gzip" -> new GZIPInputStream(raw, 8192);
            case "deflate" -> inflate(raw);
            default -> throw new UnsupportedEncodingException(encoding);
        };
        return new LimitedInputStream(decoded, limit);
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

    private static String where(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                + e.getLocation().getColumnNr() + ")";
    }

    /** Jackson's message without its pointer to its own settings. */
    private static String limitMessage(StreamConstraintsException e) {
        return e.getOriginalMessage().replaceAll(",? *(use|from) `[^`]*`\\)?", ")").replace("))", ")");
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
