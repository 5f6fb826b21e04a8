package org.syncserver.spaces;

import java.util.UUID;

/**
 * A space as an operator sees it (PROTOCOL §12.4).
 *
 * @param rows      its live rows; {@code bytes} their data as sent
 * @param deletedAt 0 while the space exists
 */
public record SpaceSummary(UUID id, String name, int members, long rows, long bytes, long createdAt, long deletedAt) {
}
