package org.syncserver.sync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import org.syncserver.error.BadRequestException;
import org.syncserver.http.AnswerAbandonedException;
import org.syncserver.http.ErrorMapper;
import org.syncserver.http.Params;
import org.syncserver.http.RequestBodies;
import org.syncserver.identity.Principal;
import org.syncserver.realm.Realm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.function.Consumer;
import java.util.UUID;

/**
 * {@code POST /pull/:realm[/:clientId]}, {@code POST /push/:realm[/:clientId]}, {@code POST /cancelSync/:realm}.
 * The clientId of the body is authoritative; the one in the path (2025+ clients) is informative only.
 */
public final class SyncRoutes {

    private final RequestBodies bodies;
    private final SyncService sync;
    private final ChunkedUploads uploads;
    private final ObjectMapper json;

    public SyncRoutes(RequestBodies bodies, SyncService sync, ChunkedUploads uploads, ObjectMapper json) {
        this.bodies = bodies;
        this.sync = sync;
        this.uploads = uploads;
        this.json = json;
    }

    /** The answer to a chunk of an upload that is not complete yet (PROTOCOL §11.1). */
    private record Progress(String message, String progress, int percentage) {
    }

    public void pull(Context ctx, Realm realm, Principal principal) {
        principal.requireDevice(pathClientId(ctx));
        PullRequest request = bodies.stream(ctx, body -> PullRequest.read(body, json.getFactory()));
        if (request.chunk() == null) {
            answerPull(ctx, request, writer -> sync.pull(realm, principal, request, writer));
            return;
        }
        UUID syncId = request.chunk().syncId();
        try (ChunkedUploads.Room ignored = uploads.roomFor(request.chunk())) {
            pullChunk(ctx, realm, principal, request, syncId);
        }
    }

    private void pullChunk(Context ctx, Realm realm, Principal principal, PullRequest request, UUID syncId) {
        switch (uploads.accept(realm, principal, "pull", request.chunk())) {
            case ChunkedUploads.Step.Incomplete step -> progress(ctx, step);
            case ChunkedUploads.Step.Complete step -> recordingOutcome(realm, step.key(), () -> {
                PullRequest whole = wholePull(step.body());
                long cursor = answerPull(ctx, whole, writer -> sync.pull(realm, principal, whole, writer));
                return new ChunkRepository.Outcome(200, null, cursor);
            });
            case ChunkedUploads.Step.Done step -> {
                long cursor = failedOrOk(step.outcome()).cursor();
                PullRequest whole = wholePull(uploads.body(realm, step.key(), syncId));
                answerPull(ctx, whole, writer -> sync.pullAgain(realm, principal, whole, cursor, writer));
            }
        }
    }

    public void push(Context ctx, Realm realm, Principal principal) {
        principal.requireDevice(pathClientId(ctx));
        try {
            pushOrChunk(ctx, realm, principal);
        } catch (RuntimeException e) {
            int status = ErrorMapper.statusOf(e);
            if (REFUSALS.contains(status)) {
                sync.noteRefusal(realm, principal, status, e);
            }
            throw e;
        }
    }

    /**
     * Refusals a device meets again on every sync, until it changes or the operator does: the cause shown when it is
     * stuck. Not 401/403 (the client logs in again), 429 or 503 (passing).
     */
    private static final Set<Integer> REFUSALS = Set.of(400, 409, 413, 415);

    private void pushOrChunk(Context ctx, Realm realm, Principal principal) {
        try (PushRequest request = bodies.stream(ctx, body -> PushRequest.read(body, json.getFactory()))) {
            if (request.chunk() == null) {
                ctx.json(new PushAnswer(sync.push(realm, principal, request)));
                return;
            }
            try (ChunkedUploads.Room ignored = uploads.roomFor(request.chunk())) {
                pushChunk(ctx, realm, principal, request);
            }
        }
    }

    private void pushChunk(Context ctx, Realm realm, Principal principal, PushRequest request) {
        switch (uploads.accept(realm, principal, "push", request.chunk())) {
            case ChunkedUploads.Step.Incomplete step -> progress(ctx, step);
            case ChunkedUploads.Step.Complete step -> recordingOutcome(realm, step.key(), () -> {
                try (Spool joined = step.body(); PushRequest whole = bodies.parseJoined(joined.open(),
                        body -> PushRequest.read(body, json.getFactory()))) {
                    long cursor = sync.push(realm, principal, whole, (connection, pushed) ->
                            uploads.finish(connection, step.key(), pushOutcome(pushed)));
                    ctx.json(new PushAnswer(cursor));
                    return pushOutcome(cursor);
                }
            });
            case ChunkedUploads.Step.Done step ->
                    ctx.contentType(ContentType.APPLICATION_JSON).result(failedOrOk(step.outcome()).answer());
        }
    }

    /** {@code {"lastSync": N}}: where the device's next pull starts. */
    private record PushAnswer(long lastSync) {
    }

    /** What a completed chunked push answers, and answers again to a retried chunk. */
    private ChunkRepository.Outcome pushOutcome(long cursor) {
        try {
            return new ChunkRepository.Outcome(200, json.writeValueAsString(new PushAnswer(cursor)), null);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public void cancelSync(Context ctx, Realm realm, Principal principal) {
        sync.cancelSync(realm, principal, bodies.read(ctx, CancelSyncRequest.class));
        ctx.json(true);
    }

    /** 2025+ clients name their device in the path too; it must be the token's. */
    private static UUID pathClientId(Context ctx) {
        String clientId = ctx.pathParamMap().get("clientId");
        return clientId == null ? null : Params.uuid(clientId, "clientId");
    }

    /** Streams a pull's answer; an answer that fails once begun cuts the connection. @return the answer's cursor */
    private long answerPull(Context ctx, PullRequest request, Consumer<PullWriter> pull) {
        ctx.contentType(ContentType.APPLICATION_JSON);
        PullWriter writer = new PullWriter(request.clientId(), ctx::outputStream, json.getFactory());
        try {
            pull.accept(writer);
        } catch (RuntimeException e) {
            throw writer.started() ? new AnswerAbandonedException(e) : e;
        }
        return writer.lastSync();
    }

    /** Parses the joined body and lets its spool go. */
    private PullRequest wholePull(Spool body) {
        PullRequest whole;
        try (body) {
            whole = bodies.parseJoined(body.open(), in -> PullRequest.read(in, json.getFactory()));
        }
        if (whole.chunk() != null) {
            throw new BadRequestException("A chunked upload cannot hold another chunk");
        }
        return whole;
    }

    private void progress(Context ctx, ChunkedUploads.Step.Incomplete step) {
        ctx.status(206).json(new Progress("Please send next chunk", step.received() + "/" + step.chunks(),
                step.received() * 100 / step.chunks()));
    }

    /** An upload whose request was refused as malformed is refused again, with the same message. */
    private static ChunkRepository.Outcome failedOrOk(ChunkRepository.Outcome outcome) {
        if (outcome.status() != 200) {
            throw new BadRequestException(outcome.answer());
        }
        return outcome;
    }

    /** Work whose outcome answers the upload's later chunks too: a malformed body for good, a passing failure not. */
    private interface UploadWork {
        ChunkRepository.Outcome run() throws IOException;
    }

    private void recordingOutcome(Realm realm, UUID key, UploadWork work) {
        try {
            uploads.finish(realm, key, work.run());
        } catch (BadRequestException e) {
            uploads.finish(realm, key, new ChunkRepository.Outcome(400, e.getMessage(), null));
            throw e;
        } catch (IOException e) {
            uploads.release(realm, key);
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            uploads.release(realm, key);
            throw e;
        }
    }
}
