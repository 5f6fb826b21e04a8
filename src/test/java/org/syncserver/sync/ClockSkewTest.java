package org.syncserver.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.syncserver.config.TokenMode;
import org.syncserver.support.RunningServer;
import org.syncserver.support.SyncDevice;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Device clocks disagree; devices must still end up holding the same rows. */
class ClockSkewTest {

    @RegisterExtension
    static final RunningServer running = RunningServer.withRealm("default", TokenMode.OPAQUE);




    @Test
    void anEditOfARowTheDeviceHasSeenWinsEvenWhenItsClockIsBehind() {
        String email = UUID.randomUUID() + "@example.com";
        SyncDevice fast = new SyncDevice(running.server(), running.accounts().device("default", email, "pw", true), false);
        SyncDevice slow = new SyncDevice(running.server(), running.accounts().device("default", email, "pw", false), false);
        fast.skewClock(Duration.ofHours(1).toMillis());

        UUID row = fast.insert(Map.of("title", "from the fast clock"));
        fast.sync();
        slow.sync();
        slow.update(row, Map.of("title", "later edit, slow clock"));
        slow.sync();
        fast.sync();

        assertThat(fast.rows().get(row)).containsEntry("title", "later edit, slow clock");
        assertThat(slow.rows()).isEqualTo(fast.rows());
    }

    @Test
    void concurrentEditsOfOneRowAreDecidedByTheDeviceClocksOnBothDevices() {
        String email = UUID.randomUUID() + "@example.com";
        SyncDevice ahead = new SyncDevice(running.server(), running.accounts().device("default", email, "pw", true), false);
        SyncDevice behind = new SyncDevice(running.server(), running.accounts().device("default", email, "pw", false), false);
        behind.skewClock(-Duration.ofMinutes(5).toMillis());
        UUID row = ahead.insert(Map.of("title", "v1"));
        ahead.sync();
        behind.sync();

        ahead.update(row, Map.of("title", "edit with the later clock"));
        behind.update(row, Map.of("title", "edit with the earlier clock"));
        behind.sync();
        ahead.sync();
        behind.sync();

        assertThat(ahead.rows().get(row)).containsEntry("title", "edit with the later clock");
        assertThat(behind.rows()).isEqualTo(ahead.rows());
    }
}
