package org.syncserver.sync;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.javalin.http.Context;
import org.syncserver.http.Params;
import org.syncserver.identity.Principal;
import org.syncserver.realm.Realm;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@code GET /conflicts/:realm/:clientId?since=&limit=&cursor=} (PROTOCOL §11.3) and its wire shape. */
public final class ConflictRoutes {

    record Answer(List<Conflict> conflicts, Long next) {
    }

    /** One journal entry on the wire (the console shows the same). */
    public record Conflict(long id, long at, UUID rowguid, String tablename, String kind, Winner winner, Loser loser) {
    }

    public record Winner(UUID clientid, long clientdate, String operation) {
    }

    /** @param rowData the lost version's data as it was sent, when the server had it */
    public record Loser(UUID clientid, long clientdate, String operation, @JsonRawValue String rowData) {
    }

    private final ConflictJournal journal;

    public ConflictRoutes(ConflictJournal journal) {
        this.journal = journal;
    }

    /** The conflicts of the token's user, newest first; the path's device must be the token's. */
    public void list(Context ctx, Realm realm, Principal device) {
        device.requireDevice(Params.uuid(ctx.pathParam("clientId"), "clientId"));
        ConflictJournal.Page page = journal.list(realm, device, number(ctx, "since").orElse(0L),
                number(ctx, "cursor"), number(ctx, "limit").orElse((long) ConflictJournal.DEFAULT_PAGE).intValue());
        ctx.json(new Answer(page.entries().stream().map(ConflictRoutes::wire).toList(), page.next().orElse(null)));
    }

    public static Conflict wire(ConflictJournal.Entry entry) {
        ConflictJournal.Side winner = entry.winner();
        ConflictJournal.Side loser = entry.loser();
        return new Conflict(entry.id(), entry.at(), entry.rowguid(), entry.tablename(), entry.kind(),
                new Winner(winner.clientid(), winner.clientdate(), winner.operation()),
                new Loser(loser.clientid(), loser.clientdate(), loser.operation(), loser.rowData()));
    }

    private static Optional<Long> number(Context ctx, String name) {
        String value = ctx.queryParam(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(Params.number(value, name));
    }
}
