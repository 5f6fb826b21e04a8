package org.syncserver.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.syncserver.config.Config;
import org.syncserver.config.Quotas;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.ConsoleClient;
import org.syncserver.support.Response;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Quotas (PROTOCOL §13.1) through the real server, with devices doing what sync_client does: a push that would pass
 * a limit is refused with 413 and a message a user understands, nothing of it is stored, other users go on, and a
 * device at its limit can always free space itself, also when its deletes travel in a later batch.
 */
class QuotaTest {

    private static final String ROW_LIMIT_MESSAGE = "This sync would bring your rows to 11 rows, above the limit of "
            + "10 rows per user on this server: delete some and sync again";

    @Test
    void aPushPastTheRowLimitIsRefusedWholeAndOtherUsersGoOn() {
        RealmConfig realm = TestPostgres.newRealm("default");
        try (TestServer server = server(realm, limits(10, 0, 0, 0))) {
            SyncDevice device = device(server, newEmail(), true);
            for (int i = 0; i < 10; i++) {
                device.insert(Map.of("n", i));
            }
            device.sync();
            UUID extra = device.insert(Map.of("n", 10));
            device.update(device.rows().keySet().stream().filter(row -> !row.equals(extra)).findFirst().orElseThrow(),
                    Map.of("n", "changed in the refused push"));

            Response refused = refusedSync(device);

            assertThat(refused.status()).isEqualTo(413);
            assertThat(refused.json().get("reason").asText()).isEqualTo("quota_exceeded");
            assertThat(refused.message()).isEqualTo(ROW_LIMIT_MESSAGE);
            assertThat(storedRows(realm, device)).as("nothing of the refused push").isEqualTo(10);
            assertThat(TestPostgres.count(realm, "sync_rows WHERE json::text LIKE '%refused push%'")).isZero();
            SyncDevice other = device(server, newEmail(), true);
            for (int i = 0; i < 10; i++) {
                other.insert(Map.of("n", i));
            }
            other.sync();
            assertThat(storedRows(realm, other)).isEqualTo(10);
        }
    }

    @Test
    void aDeviceAtItsLimitFreesSpaceItselfWithItsDeletesInTheLastOfThreeBatches() {
        RealmConfig realm = TestPostgres.newRealm("default");
        try (TestServer server = server(realm, limits(210, 0, 0, 0))) {
            SyncDevice device = device(server, newEmail(), true);
            List<UUID> rows = new ArrayList<>();
            for (int i = 0; i < 210; i++) {
                rows.add(device.insert(Map.of("n", i)));
            }
            device.sync();

            rows.subList(0, 150).forEach(row -> device.update(row, Map.of("n", "updated")));   // batch 1 and half 2
            for (int i = 0; i < 50; i++) {
                device.insert(Map.of("n", "new " + i));                                        // the rest of batch 2
            }
            rows.subList(150, 210).forEach(device::delete);                                     // batch 3
            device.sync();

            assertThat(storedRows(realm, device)).isEqualTo(200);
            assertThat(device.rows()).hasSize(200);
        }
    }

    @Test
    void aLimitLoweredBelowAUsersDataStillLetsTheDeviceDeleteAndUpdateButNotAdd() {
        RealmConfig realm = TestPostgres.newRealm("default");
        String email = newEmail();
        Accounts.Device account;
        try (TestServer unlimited = TestConfig.realms(realm).start()) {
            account = new Accounts(unlimited).device("default", email, "pw", true);
            SyncDevice device = new SyncDevice(unlimited, account, false);
            for (int i = 0; i < 20; i++) {
                device.insert(Map.of("n", i));
            }
            device.sync();
        }
        try (TestServer limited = TestConfig.realms(realm).lifecycle(limits(10, 0, 0, 0)).start()) {
            SyncDevice device = device(limited, email, false);
            device.sync();
            List<UUID> rows = new ArrayList<>(device.rows().keySet());
            device.delete(rows.get(0));
            device.update(rows.get(1), Map.of("n", "same size"));
            device.sync();
            assertThat(storedRows(realm, device)).isEqualTo(19);

            device.insert(Map.of("n", "one more"));
            assertThatThrownBy(device::sync).hasMessageContaining("413").hasMessageContaining("quota_exceeded");
        }
    }

    /**
     * sync_client imports a pull before its push and clears its change log only after the push: when the push is
     * refused, an edit of a row the pull deleted (another device's newer delete) stays logged over a row that is gone,
     * and the next sync sends it without row data. The server names it outdated again, and the device converges.
     */
    @Test
    void aRefusedPushLeavesAnEditOfARowThePullDeletedAndTheNextSyncStillConverges() throws Exception {
        RealmConfig realm = TestPostgres.newRealm("default");
        try (TestServer server = server(realm, limits(2, 0, 0, 0))) {
            String email = newEmail();
            SyncDevice editor = device(server, email, true);
            SyncDevice deleter = device(server, email, false);
            UUID row = editor.insert(Map.of("n", "shared by both devices"));
            editor.sync();
            deleter.sync();
            editor.update(row, Map.of("n", "older edit"));
            Thread.sleep(5);
            deleter.delete(row);
            deleter.sync();
            editor.insert(Map.of("n", 1));
            editor.insert(Map.of("n", 2));
            UUID third = editor.insert(Map.of("n", 3));

            assertThat(refusedSync(editor).status()).isEqualTo(413);
            assertThat(editor.rows()).as("the pull deleted the edited row before the push was refused")
                    .doesNotContainKey(row);
            editor.delete(third);
            editor.sync();
            deleter.sync();

            assertThat(editor.rows()).hasSize(2).isEqualTo(deleter.rows());
            assertThat(storedRows(realm, editor)).isEqualTo(2);
        }
    }

    @Test
    void concurrentPushesOfOneUsersDevicesCannotJointlyPassTheLimit() throws Exception {
        RealmConfig realm = TestPostgres.newRealm("default");
        try (TestServer server = server(realm, limits(100, 0, 0, 0))) {
            String email = newEmail();
            SyncDevice first = device(server, email, true);
            for (int i = 0; i < 96; i++) {
                first.insert(Map.of("n", i));
            }
            first.sync();
            List<SyncDevice> devices = new ArrayList<>();
            for (int d = 0; d < 4; d++) {
                SyncDevice device = device(server, email, false);
                device.sync();
                device.insert(Map.of("n", "a"));
                device.insert(Map.of("n", "b"));
                devices.add(device);
            }

            int accepted = 0;
            try (ExecutorService threads = Executors.newFixedThreadPool(4)) {
                List<Future<Boolean>> syncs = new ArrayList<>();
                for (SyncDevice device : devices) {
                    syncs.add(threads.submit((Callable<Boolean>) () -> {
                        try {
                            device.sync();
                            return true;
                        } catch (IllegalStateException refused) {
                            assertThat(refused).hasMessageContaining("quota_exceeded");
                            return false;
                        }
                    }));
                }
                for (Future<Boolean> sync : syncs) {
                    accepted += sync.get() ? 1 : 0;
                }
            }

            assertThat(accepted).isEqualTo(2);
            assertThat(storedRows(realm, first)).isEqualTo(100);
        }
    }

    @Test
    void bytesPerUserAndRowBytesNameTheLimitAndTheRow() {
        RealmConfig realm = TestPostgres.newRealm("default");
        try (TestServer server = server(realm, limits(0, 2_000, 0, 1_000))) {
            SyncDevice device = device(server, newEmail(), true);
            UUID big = device.insert(Map.of("text", "x".repeat(1_200)));
            Response refused = refusedSync(device);
            assertThat(refused.status()).isEqualTo(413);
            assertThat(refused.message()).isEqualTo("The row " + big + " of table todos holds 1,211 bytes of data, "
                    + "above the limit of 1,000 bytes per row on this server: make the row smaller and sync again");

            device.delete(big);
            for (int i = 0; i < 3; i++) {
                device.insert(Map.of("text", "y".repeat(900)));
            }
            Response overBytes = refusedSync(device);
            assertThat(overBytes.status()).isEqualTo(413);
            assertThat(overBytes.message()).isEqualTo("This sync would bring your row data to 2,733 bytes, above "
                    + "the limit of 2,000 bytes per user on this server: delete some and sync again");
        }
    }

    @Test
    void aDeviceBeyondTheDeviceLimitIsRefusedAtRegistration() {
        RealmConfig realm = TestPostgres.newRealm("default");
        try (TestServer server = server(realm, limits(0, 0, 2, 0))) {
            String email = newEmail();
            Accounts accounts = new Accounts(server);
            accounts.device("default", email, "pw", true);
            accounts.device("default", email, "pw", false);

            Response third = accounts.register("default", email, "pw", UUID.randomUUID(), false);

            assertThat(third.status()).isEqualTo(409);
            assertThat(third.message()).isEqualTo("This account already has 2 devices, the limit of 2 per user on "
                    + "this server: unregister one (or ask the operator to revoke it), then register this device again");
        }
    }

    @Test
    void aDeviceRefusedForQuotaIsListedAsStuckWithTheReasonAndUsageIsShown() {
        RealmConfig realm = TestPostgres.newRealm("default");
        try (TestServer server = TestConfig.realms(realm).lifecycle(limits(10, 0, 0, 0))
                .admin(ConsoleClient.admin(1_000)).start()) {
            SyncDevice device = device(server, newEmail(), true);
            for (int i = 0; i < 11; i++) {
                device.insert(Map.of("n", i));
            }
            for (int attempt = 0; attempt < 3; attempt++) {
                assertThatThrownBy(device::sync).hasMessageContaining("413");
            }

            ConsoleClient operator = new ConsoleClient(server).loggedIn();
            JsonNode stuck = operator.get("/api/realms/default/devices/stuck").json().get("devices").get(0);
            assertThat(stuck.get("clientId").asText()).isEqualTo(device.account().clientId().toString());
            assertThat(stuck.get("cause").asText()).isEqualTo("push refused with 413: " + ROW_LIMIT_MESSAGE);
            device.delete(device.rows().keySet().iterator().next());
            device.sync();
            JsonNode lifecycle = operator.get("/api/realms/default/users/" + stuck.get("userId").asText()
                    + "/lifecycle").json();
            assertThat(lifecycle.get("usage").get("rows").asLong()).isEqualTo(10);
            assertThat(lifecycle.get("quotas").get("rowsPerUser").asLong()).isEqualTo(10);
            assertThat(lifecycle.get("quotas").get("bytesPerUser").isNull()).isTrue();
            assertThat(operator.get("/api/realms/default/devices/stuck").json().get("devices")).isEmpty();
            String metrics = server.get("/metrics").body();
            assertThat(metrics).contains("sync_usage_rows{realm=\"default\"}")
                    .contains("sync_quota_refusals_total{realm=\"default\"} 3.0");
        }
    }

    /** Limits; 0 leaves one off. */
    private static Config.Lifecycle limits(long rowsPerUser, long bytesPerUser, long devicesPerUser, long rowBytes) {
        return new Config.Lifecycle(Map.of("default", new Quotas(limit(rowsPerUser), limit(bytesPerUser),
                limit(devicesPerUser), limit(rowBytes))), Config.Lifecycle.DEFAULT_PURGE_EVERY);
    }

    private static OptionalLong limit(long value) {
        return value == 0 ? OptionalLong.empty() : OptionalLong.of(value);
    }

    private static TestServer server(RealmConfig realm, Config.Lifecycle lifecycle) {
        return TestConfig.realms(realm).lifecycle(lifecycle).start();
    }

    private static SyncDevice device(TestServer server, String email, boolean newUser) {
        return new SyncDevice(server, new Accounts(server).device("default", email, "pw", newUser), false);
    }

    /** A sync of the device's pending changes that must fail: the answer that refused it. */
    private static Response refusedSync(SyncDevice device) {
        assertThatThrownBy(device::sync).isInstanceOf(IllegalStateException.class);
        return device.lastRefusal();
    }

    private static long storedRows(RealmConfig realm, SyncDevice device) {
        return TestPostgres.count(realm, "sync_rows WHERE operation <> 'D' AND userid = (SELECT userid "
                + "FROM user_clients WHERE clientid = '" + device.account().clientId() + "')");
    }

    private static String newEmail() {
        return UUID.randomUUID() + "@example.com";
    }
}
