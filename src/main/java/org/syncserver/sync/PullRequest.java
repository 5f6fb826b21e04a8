package org.syncserver.sync;

import java.util.List;
import java.util.UUID;

/** Body of {@code POST /pull/:realm[/:clientId]}: the client's cursor and its pending changes, without row data. */
public record PullRequest(UUID clientId, Long lastSync, List<Change> changes) {
}
