package org.syncserver.http;

import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.db.DatabaseUnavailableException;
import org.syncserver.error.AccessDeniedException;
import org.syncserver.error.BadRequestException;
import org.syncserver.error.ConflictException;
import org.syncserver.error.NotFoundException;
import org.syncserver.error.QuotaExceededException;
import org.syncserver.error.UnauthorizedException;

/**
 * The one place where exceptions become HTTP answers: {@code {"code": status, "message": text}}.
 * Anything not listed is a server fault: logged with its route, answered with a generic 500.
 */
public final class ErrorMapper {

    private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);
    private static final String INTERNAL_ERROR = "Internal server error";

    private final RequestBodies bodies;

    ErrorMapper(RequestBodies bodies) {
        this.bodies = bodies;
    }

    void handle(Exception e, Context ctx) {
        if (e instanceof AnswerAbandonedException abandoned) {
            log.error("{} {} failed after its answer had begun; connection cut", ctx.method(), HttpServer.routeOf(ctx),
                    abandoned.getCause());
            RequestBodies.endPoint(ctx).close();
            return;
        }
        int status = statusOf(e);
        String message = e.getMessage();
        if (status == 500) {
            log.error("{} {} failed", ctx.method(), HttpServer.routeOf(ctx), e);
            message = INTERNAL_ERROR;
        } else if (e instanceof TooManyRequestsException tooMany) {
            ctx.header("Retry-After", String.valueOf(tooMany.retryAfterSeconds()));
        } else if (status == 503) {
            ctx.header("Retry-After", "1");
            if (!(e instanceof BusyException)) {
                log.warn("{} {}: {}", ctx.method(), HttpServer.routeOf(ctx), e.getMessage());
            }
        }
        if (status == 413 || status == 408) {
            ctx.header("Connection", "close"); // the rest of the body is not worth reading
        } else {
            bodies.discardUnread(ctx);
        }
        String reason = e instanceof QuotaExceededException ? QuotaExceededException.REASON : null;
        ctx.status(status).json(new StatusMessage(status, reason, message));
    }

    /** Javalin's own 404 for a path no route matches, in our error format. */
    void unknownRoute(Context ctx) {
        if (ctx.endpoints().matchedHttpEndpoint() == null) {
            bodies.discardUnread(ctx);
            ctx.json(new StatusMessage(404, "Not found: " + ctx.method() + " " + LogText.printable(ctx.path())));
        }
    }

    /** The status an exception is answered with; 500 for anything that is not a client's error. */
    public static int statusOf(Exception e) {
        return switch (e) {
            case BadRequestException ignored -> 400;
            case UnauthorizedException ignored -> 401;
            case AccessDeniedException ignored -> 403;
            case NotFoundException ignored -> 404;
            case ConflictException ignored -> 409;
            case RequestTimeoutException ignored -> 408;
            case PayloadTooLargeException ignored -> 413;
            case QuotaExceededException ignored -> 413;
            case UnsupportedEncodingException ignored -> 415;
            case TooManyRequestsException ignored -> 429;
            case DatabaseUnavailableException ignored -> 503;
            case BusyException ignored -> 503;
            case HttpResponseException javalin -> javalin.getStatus();
            default -> 500;
        };
    }
}
