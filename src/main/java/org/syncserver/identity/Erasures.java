package org.syncserver.identity;

import java.util.UUID;

/**
 * Where the erasure of a user is written down outside the database, so that restoring a backup made before it does
 * not bring the user back (backup.ErasureLedger, README "Backups and restore").
 */
public interface Erasures {

    /** Without backups there is nothing to re-apply an erasure to. */
    Erasures NONE = userId -> { };

    /** Called before the user's rows are deleted, in the deleting transaction: a failure here aborts the erasure. */
    void record(UUID userId);
}
