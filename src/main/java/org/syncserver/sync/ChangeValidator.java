package org.syncserver.sync;

import org.syncserver.error.BadRequestException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Checks every change before anything is stored: one bad change rejects the whole request, naming it. */
final class ChangeValidator {

    private static final Set<String> OPERATIONS = Set.of("I", "U", "D");
    private static final int MAX_TABLE_NAME = 255;

    private ChangeValidator() {
    }

    static List<PendingChange> pending(List<Change> changes) {
        List<PendingChange> pending = new ArrayList<>(changes == null ? 0 : changes.size());
        forEach(changes, (index, change) -> pending.add(new PendingChange(
                require(change.rowguid(), index, change, "rowguid is required"),
                require(change.clientdate(), index, change, "clientdate is required"))));
        return pending;
    }

    /** Validated changes, one per row: should a row appear twice, its later change wins, as in the client's log. */
    static List<PushedChange> pushed(List<Change> changes) {
        Map<UUID, PushedChange> byRow = new LinkedHashMap<>();
        forEach(changes, (index, change) -> {
            UUID rowguid = require(change.rowguid(), index, change, "rowguid is required");
            String operation = change.operation();
            if (operation == null || !OPERATIONS.contains(operation)) {
                throw invalid(index, change, "operation must be \"I\", \"U\" or \"D\"");
            }
            String table = change.tablename();
            if (table == null || table.isBlank() || table.length() > MAX_TABLE_NAME) {
                throw invalid(index, change, "tablename must be a name of at most " + MAX_TABLE_NAME + " characters");
            }
            long clientdate = require(change.clientdate(), index, change, "clientdate is required");
            String json = null;
            if (!operation.equals("D")) {
                if (change.rowData() == null || !change.rowData().isObject()) {
                    throw invalid(index, change, "rowData must be a JSON object for operation " + operation);
                }
                json = change.rowData().toString();
            }
            byRow.remove(rowguid);
            byRow.put(rowguid, new PushedChange(rowguid, table, operation, clientdate, json));
        });
        return List.copyOf(byRow.values());
    }

    private interface IndexedConsumer {
        void accept(int index, Change change);
    }

    private static void forEach(List<Change> changes, IndexedConsumer consumer) {
        if (changes == null) {
            return;
        }
        for (int i = 0; i < changes.size(); i++) {
            Change change = changes.get(i);
            if (change == null) {
                throw new BadRequestException("changes[" + i + "] must be a change object");
            }
            consumer.accept(i, change);
        }
    }

    private static <T> T require(T value, int index, Change change, String message) {
        if (value == null) {
            throw invalid(index, change, message);
        }
        return value;
    }

    private static BadRequestException invalid(int index, Change change, String problem) {
        String row = change.rowguid() == null ? "" : " (rowguid " + change.rowguid() + ")";
        return new BadRequestException("changes[" + index + "]" + row + ": " + problem);
    }
}
