package org.syncserver.sync;

import org.syncserver.error.BadRequestException;
import org.syncserver.sync.SyncBodyParser.SentChange;
import org.syncserver.sync.SyncBodyParser.Shape;

import java.util.Set;

/** Checks every change before anything is stored: one bad change rejects the whole request, naming it. */
final class ChangeValidator {

    private static final Set<String> OPERATIONS = Set.of("I", "U", "D");
    private static final int MAX_TABLE_NAME = 255;

    private ChangeValidator() {
    }

    /** A change listed in a pull: which row, and when the device changed it. */
    static PendingChange pending(int index, SentChange change) {
        return new PendingChange(require(change.rowguid(), index, change, "rowguid is required"),
                require(change.clientdate(), index, change, "clientdate is required"), change.operation());
    }

    /** A pushed change, checked; its row data is the text the device sent (null for a delete). */
    static PushedChange pushed(int index, SentChange change) {
        require(change.rowguid(), index, change, "rowguid is required");
        String operation = change.operation();
        if (operation == null || !OPERATIONS.contains(operation)) {
            throw invalid(index, change, "operation must be \"I\", \"U\" or \"D\"");
        }
        String table = change.tablename();
        if (table == null || table.isBlank() || table.length() > MAX_TABLE_NAME) {
            throw invalid(index, change, "tablename must be a name of at most " + MAX_TABLE_NAME + " characters");
        }
        if (table.indexOf('\0') >= 0) {
            throw invalid(index, change, "tablename must not contain the NUL character (\\u0000)");
        }
        if (hasLoneSurrogate(table)) {
            // JSON can escape half of a UTF-16 pair (\ud800); PostgreSQL's UTF-8 text cannot hold it, and the
            // driver used to store '?' in its place: the device's table came back under another name.
            throw invalid(index, change, "tablename must be valid Unicode text: it holds half of a UTF-16 "
                    + "surrogate pair (an escape such as \\ud800 without its partner), which cannot be stored");
        }
        long clientdate = require(change.clientdate(), index, change, "clientdate is required");
        if (!operation.equals("D") && change.shape() != Shape.OBJECT) {
            throw invalid(index, change, "rowData must be a JSON object for operation " + operation);
        }
        String json = operation.equals("D") ? null : change.rowData();
        return new PushedChange(change.rowguid(), table, operation, clientdate, json);
    }

    private static boolean hasLoneSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static <T> T require(T value, int index, SentChange change, String message) {
        if (value == null) {
            throw invalid(index, change, message);
        }
        return value;
    }

    private static BadRequestException invalid(int index, SentChange change, String problem) {
        String row = change.rowguid() == null ? "" : " (rowguid " + change.rowguid() + ")";
        return new BadRequestException("changes[" + index + "]" + row + ": " + problem);
    }
}
