package org.syncserver.events;

import io.javalin.http.Context;
import org.syncserver.error.AccessDeniedException;
import org.syncserver.error.BadRequestException;
import org.syncserver.error.ClientMessages;
import org.syncserver.http.ClientAddress;
import org.syncserver.http.Params;
import org.syncserver.identity.Principal;
import org.syncserver.realm.Realm;

import java.time.Duration;

/**
 * {@code GET /events/:realm/:clientId}: a Server-Sent Events stream, or with {@code ?since=&wait=} a long poll
 * (PROTOCOL §11.2). Same answers as the sync routes for a missing, wrong or foreign token.
 */
public final class EventRoutes {

    static final long MAX_WAIT_SECONDS = 60;

    private final ChangeEvents events;
    private final ClientAddress addresses;

    public EventRoutes(ChangeEvents events, ClientAddress addresses) {
        this.events = events;
        this.addresses = addresses;
    }

    public void events(Context ctx, Realm realm, Principal device) {
        if (device.clientId() == null) {
            throw new AccessDeniedException(ClientMessages.CLIENT_NOT_OF_USER); // a Node JWT names no device
        }
        device.requireDevice(Params.uuid(ctx.pathParam("clientId"), "clientId"));
        String wait = ctx.queryParam("wait");
        if (wait != null) {
            long seconds = Params.number(wait, "wait");
            if (seconds < 0 || seconds > MAX_WAIT_SECONDS) {
                throw new BadRequestException("'wait' must be from 0 to " + MAX_WAIT_SECONDS + " seconds");
            }
            String since = ctx.queryParam("since");
            events.poll(ctx, realm, device, addresses.of(ctx), since == null ? 0 : Params.number(since, "since"), Duration.ofSeconds(seconds));
            return;
        }
        String lastEventId = ctx.header("Last-Event-ID");
        events.stream(ctx, realm, device, addresses.of(ctx), lastEventId == null || lastEventId.isBlank() ? null
                : Params.number(lastEventId, "Last-Event-ID"));
    }


}
