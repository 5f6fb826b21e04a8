package org.syncserver.sync;

import org.junit.jupiter.api.Test;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.TokenMode;
import org.syncserver.support.Accounts;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Devices of one user edit at random and sync concurrently; after a quiet round all hold the same rows as the
 * server. Any skipped change (the Node server's cursor defect) or lost push makes them differ.
 */
class ConvergenceTest {

    private static final int DEVICES = 4;
    private static final int ROUNDS = 25;

    @Test
    void devicesSyncingConcurrentlyConvergeOnOneServer() throws Exception {
        RealmConfig realm = TestPostgres.newRealm("default");
        try (TestServer server = TestServer.start(TokenMode.OPAQUE, realm)) {
            assertConverges(realm, List.of(server), 1);
        }
    }

    @Test
    void devicesConvergeWhenTheirSyncsAlternateBetweenTwoServersOnOneDatabase() throws Exception {
        RealmConfig realm = TestPostgres.newRealm("default");
        try (TestServer first = TestServer.start(TokenMode.JWT, realm);
             TestServer second = TestServer.start(TokenMode.JWT, realm)) {
            assertConverges(realm, List.of(first, second), 2);
        }
    }

    /**
     * CockroachDB runs every transaction SERIALIZABLE and aborts conflicting ones with SQLSTATE 40001; PostgreSQL at
     * SERIALIZABLE does the same, so this exercises the retry path that CockroachDB needs.
     */
    @Test
    void devicesConvergeWhenEveryTransactionIsSerializable() throws Exception {
        RealmConfig realm = TestPostgres.newRealm("default");
        String database = realm.jdbcUrl().replaceAll(".*/([^/?]+).*", "$1");
        TestPostgres.execute(realm, "ALTER DATABASE " + database + " SET default_transaction_isolation TO 'serializable'");
        try (TestServer server = TestServer.start(TokenMode.OPAQUE, realm)) {
            assertConverges(realm, List.of(server), 3);
        }
    }

    private static void assertConverges(RealmConfig realm, List<TestServer> servers, long seed) throws Exception {
        Accounts accounts = new Accounts(servers.get(0));
        String email = UUID.randomUUID() + "@example.com";
        List<SyncDevice> devices = new ArrayList<>();
        for (int i = 0; i < DEVICES; i++) {
            SyncDevice device = new SyncDevice(servers, accounts.device("default", email, "pw", i == 0), i % 2 == 1);
            device.skewClock((i - 1) * 40L); // device clocks disagree by tens of milliseconds, as real ones do
            devices.add(device);
        }

        try (ExecutorService pool = Executors.newFixedThreadPool(DEVICES)) {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < DEVICES; i++) {
                SyncDevice device = devices.get(i);
                Random random = new Random(seed * 100 + i);
                running.add(pool.submit(() -> editAndSync(device, random)));
            }
            for (Future<?> future : running) {
                future.get();
            }
        }
        for (int quiet = 0; quiet < 2; quiet++) {
            for (SyncDevice device : devices) {
                device.syncAsTheAppWould();
            }
        }

        Map<UUID, Map<String, Object>> expected = devices.get(0).rows();
        assertThat(expected).as("the devices produced rows").isNotEmpty();
        for (SyncDevice device : devices) {
            assertThat(device.rows()).isEqualTo(expected);
        }
        long serverRows = ((Number) TestPostgres.queryValue(realm, "SELECT count(*) FROM sync_rows r JOIN users u"
                + " ON u.id = r.userid WHERE u.email = '" + email + "' AND r.operation <> 'D'")).longValue();
        assertThat(serverRows).isEqualTo(expected.size());
    }

    private static void editAndSync(SyncDevice device, Random random) {
        for (int round = 0; round < ROUNDS; round++) {
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                List<UUID> known = new ArrayList<>(device.rows().keySet());
                int choice = known.isEmpty() ? 0 : random.nextInt(10);
                if (choice < 4) {
                    device.insert(Map.of("n", random.nextInt(1000)));
                } else if (choice < 8) {
                    device.update(known.get(random.nextInt(known.size())), Map.of("n", random.nextInt(1000)));
                } else {
                    device.delete(known.get(random.nextInt(known.size())));
                }
            }
            device.syncAsTheAppWould();
        }
    }
}
