package org.syncserver.sync;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.syncserver.spaces.Visibility;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Where each change of a push goes in a realm that shares tables (PROTOCOL §12.1): under the space its row names,
 * else under the user; a D under the row's current owner; a row that now names another space moves (a D where it
 * was, the row where it goes). A change to a space the user may not write is refused, never stored.
 */
final class Placement {

    /** The batch placed: what to store (with the spaces whose clocks it needs) and what is refused. */
    record Placed(List<SyncRepository.Placed> stored, List<SharedRows.Refused> refused, Set<UUID> spaces) {
    }

    private final UUID userId;
    private final UUID clientId;
    private final Map<String, String> spaceFields;
    private final JsonFactory json;

    /** @param spaceFields shared table → the rowData field that holds its space id */
    Placement(UUID userId, UUID clientId, Map<String, String> spaceFields, JsonFactory json) {
        this.userId = userId;
        this.clientId = clientId;
        this.spaceFields = spaceFields;
        this.json = json;
    }

    /** The space each change of a shared table names (rowguid → space id); a change naming none is private. */
    Map<UUID, UUID> namedSpaces(List<PushedChange> batch) {
        Map<UUID, UUID> named = new HashMap<>();
        for (PushedChange change : batch) {
            String field = spaceFields.get(change.tablename());
            if (field != null && change.json() != null) {
                UUID space = uuidField(change.json(), field);
                if (space != null && !space.equals(userId)) {
                    named.put(change.rowguid(), space);
                }
            }
        }
        return named;
    }

    /**
     * @param current where each row lives now, among the owners the user sees and those the device saw
     * @param seen    the owners' clocks up to which the device had seen their rows when its user made the edits
     * @param stamps  owner → the stamp of this push (the user's, and the spaces' locked so far; others stamp 0 and
     *                are named in {@link Placed#spaces} for the caller to lock and place again)
     */
    Placed place(List<PushedChange> batch, Map<UUID, UUID> named, Visibility visibility,
                 Map<UUID, SharedRows.Current> current, CursorVector seen, Map<UUID, Long> stamps) {
        List<SyncRepository.Placed> stored = new ArrayList<>();
        List<SharedRows.Refused> refused = new ArrayList<>();
        Set<UUID> spaces = new HashSet<>();
        for (PushedChange change : batch) {
            SharedRows.Current now = current.get(change.rowguid());
            if (now != null && now.live() && !now.owner().equals(userId) && !visibility.sees(now.owner())) {
                refused.add(new SharedRows.Refused(change, null)); // it lives in a space the user left: out of sight
                continue;
            }
            UUID target = "D".equals(change.operation())
                    ? (now == null ? userId : now.owner())
                    : named.getOrDefault(change.rowguid(), userId);
            UUID from = judgedAt(now, target);
            if (!writable(target, visibility) || !writable(from, visibility) || movedOutOfSight(now, change)) {
                refused.add(new SharedRows.Refused(change, now));
                continue;
            }
            addSpace(spaces, target);
            addSpace(spaces, from);
            long seenFrom = seen.clock(from).orElse(0L);
            if (from.equals(target)) {
                stored.add(new SyncRepository.Placed(target, change, seenFrom, stamps.getOrDefault(target, 0L)));
            } else if (losesTo(now, change, seenFrom)) {
                // An older edit that would move the row, or bring it back after a delete: judged (and journalled)
                // where the row was.
                stored.add(new SyncRepository.Placed(from, change, seenFrom, stamps.getOrDefault(from, 0L)));
            } else {
                PushedChange leaving = new PushedChange(change.rowguid(), change.tablename(), "D",
                        change.clientdate(), null);
                stored.add(new SyncRepository.Placed(from, leaving, seenFrom, stamps.getOrDefault(from, 0L), true));
                stored.add(new SyncRepository.Placed(target, change, Long.MAX_VALUE,
                        stamps.getOrDefault(target, 0L)));
            }
        }
        return new Placed(stored, refused, spaces);
    }

    /**
     * Where the change is judged before it goes to {@code target}: where the row's last version is, when that is
     * under another owner, a tombstone included. There a live row moves; a tombstone the device had not seen that is
     * at least as new wins, and the change is journalled, as under one owner; a newer change moves the row too,
     * leaving the tombstone moved, so that an edit from a device that cannot see where the row went is refused there
     * instead of bringing it back to life a second time. A user who may not write where the row was may not take it
     * from there, live or deleted: refused. Judged at the target instead, an older edit brought a deleted row back,
     * and a newer one left a plain tombstone behind, which another member's newer edit brought back to life too.
     */
    private static UUID judgedAt(SharedRows.Current now, UUID target) {
        return now == null ? target : now.owner();
    }

    /**
     * The row moved to an owner the user does not see (a live version there would have been found): an edit must
     * not bring it back to life where it was, or it would live twice. The device gets what it may see: a D.
     */
    private static boolean movedOutOfSight(SharedRows.Current now, PushedChange change) {
        return now != null && now.moved() && !"D".equals(change.operation());
    }

    /** The push statement's rule (SyncRepository.upsert): an unseen version at least as new wins. */
    private boolean losesTo(SharedRows.Current now, PushedChange change, long seenUpTo) {
        boolean unseen = !now.clientid().equals(clientId) && now.serverdate() > seenUpTo;
        return unseen && now.clientdate() >= change.clientdate();
    }

    private boolean writable(UUID owner, Visibility visibility) {
        return owner.equals(userId) || visibility.canWrite(owner);
    }

    private void addSpace(Set<UUID> spaces, UUID owner) {
        if (!owner.equals(userId)) {
            spaces.add(owner);
        }
    }

    /** The field's value when it is a UUID in text; anything else (missing, empty, a number) names no space. */
    private UUID uuidField(String row, String field) {
        try (JsonParser parser = json.createParser(row)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals(field)) {
                    return value == JsonToken.VALUE_STRING ? uuidOrNull(parser.getText()) : null;
                }
                parser.skipChildren();
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static UUID uuidOrNull(String text) {
        try {
            return text.length() == 36 ? UUID.fromString(text) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
