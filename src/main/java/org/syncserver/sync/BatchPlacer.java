package org.syncserver.sync;

import java.sql.SQLException;
import java.util.List;

/** Places each change of a push's batch under its owner, with the clock it was seen up to and its stamp. */
interface BatchPlacer {

    List<SyncRepository.Placed> place(List<PushedChange> batch) throws SQLException;

    /** Runs once every batch is stored. */
    default void finish() throws SQLException {
    }
}
