package org.syncserver.sync;

import org.junit.jupiter.api.Test;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.TokenMode;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sync lock held by a server instance that died (killed, its machine gone: it stops saying it is alive) is free
 * within seconds for the device's next pull on another instance, not after the 2 minutes a lock is otherwise kept;
 * the lock of an instance that is alive is still refused. Two servers on one database, each with its own clock: an
 * instance whose clock stands still says it is alive at the same instant over and over, as a dead one would.
 */
class DeadInstanceLockTest {

    @Test
    void aLockOfAnInstanceThatStoppedBeatingIsTakenOverWithinSeconds() throws Exception {
        RealmConfig realm = TestPostgres.newRealm("default");
        try (TestServer first = TestServer.start(TokenMode.OPAQUE, realm);
             TestServer second = TestServer.start(TokenMode.OPAQUE, realm)) {
            Accounts.Device device = new Accounts(first).device("default", UUID.randomUUID() + "@example.com", "pw",
                    true);
            assertThat(pull(first, device).status()).isEqualTo(200);
            Thread.sleep(SyncInstance.BEAT.toMillis() * 2); // both instances have said they are alive

            Response alive = pull(second, device);
            assertThat(alive.status()).as("the first instance is alive: its lock holds").isEqualTo(409);

            second.clock().advance(SyncInstance.DEAD_AFTER.plus(Duration.ofSeconds(1)));
            Response takenOver = pull(second, device);
            assertThat(takenOver.status()).as("the first instance said nothing for %s", SyncInstance.DEAD_AFTER)
                    .isEqualTo(200);
        }
    }

    @Test
    void aLockIsFreeAtOnceWhenItsInstanceStopsCleanly() {
        RealmConfig realm = TestPostgres.newRealm("default");
        try (TestServer survivor = TestServer.start(TokenMode.OPAQUE, realm)) {
            Accounts.Device device;
            try (TestServer stopping = TestServer.start(TokenMode.OPAQUE, realm)) {
                device = new Accounts(stopping).device("default", UUID.randomUUID() + "@example.com", "pw", true);
                assertThat(pull(stopping, device).status()).isEqualTo(200);
            }
            assertThat(pull(survivor, device).status()).isEqualTo(200);
        }
    }

    private static Response pull(TestServer server, Accounts.Device device) {
        return server.post("/pull/default", Map.of("clientId", device.clientId().toString(), "lastSync", 0,
                "changes", List.of()), "Authorization", device.bearer());
    }
}
