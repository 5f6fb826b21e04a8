package org.syncserver.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What one pull delivers of one owner's rows, derived only from the vector the device sent and the one the pull
 * read: the same {@code lastSync} always gets the same answer (a device whose import failed asks again).
 *
 * @param mode  {@code delta}: rows stamped in (after, upTo] by other devices; {@code in}: every live row up to
 *              upTo (the space is new to the device); {@code out}: a D for every live row and for every tombstone
 *              after {@code after} (the user no longer sees the space); {@code all}: every row and tombstone up
 *              to upTo (the device's state is unknown: a fresh device, or a {@code lastSync} the server never named)
 */
record OwnerRange(UUID owner, String mode, long after, long upTo) {

    static List<OwnerRange> between(CursorVector sent, CursorVector read) {
        List<OwnerRange> ranges = new ArrayList<>();
        if (sent.clocks().isEmpty()) {
            read.clocks().forEach((owner, upTo) -> ranges.add(new OwnerRange(owner, "all", 0, upTo)));
            return ranges;
        }
        for (Map.Entry<UUID, Long> owner : read.clocks().entrySet()) {
            ranges.add(sent.clock(owner.getKey())
                    .map(after -> new OwnerRange(owner.getKey(), "delta", after, owner.getValue()))
                    .orElseGet(() -> new OwnerRange(owner.getKey(), "in", 0, owner.getValue())));
        }
        for (Map.Entry<UUID, Long> owner : sent.clocks().entrySet()) {
            if (!read.clocks().containsKey(owner.getKey())) {
                ranges.add(new OwnerRange(owner.getKey(), "out", owner.getValue(), Long.MAX_VALUE));
            }
        }
        return ranges;
    }
}
