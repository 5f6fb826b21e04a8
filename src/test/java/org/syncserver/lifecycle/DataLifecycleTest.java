package org.syncserver.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.ConsoleClient;
import org.syncserver.support.Response;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Storage that does not grow for ever and devices that are never stuck unseen (PROTOCOL §13.2, §13.3), through the
 * real server with devices doing what sync_client does, and the operator API.
 */
class DataLifecycleTest {

    private static RealmConfig realm;
    private static TestServer server;
    private static Accounts accounts;
    private static ConsoleClient operator;

    @BeforeAll
    static void start() {
        realm = TestPostgres.newRealm("default");
        server = TestConfig.realms(realm).admin(ConsoleClient.admin(1_000)).start();
        accounts = new Accounts(server);
        operator = new ConsoleClient(server).loggedIn();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void tombstonesArePurgedOnlyOnceEveryDeviceHasAcknowledgedThem() {
        String email = newEmail();
        SyncDevice active = device(email, true);
        SyncDevice offline = device(email, false);
        List<UUID> rows = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            rows.add(active.insert(Map.of("title", "task " + i)));
        }
        active.sync();
        offline.sync();

        rows.forEach(active::delete);
        active.sync();
        purge();
        assertThat(tombstones(active)).as("the offline device has not received the deletes").isEqualTo(10_000);
        assertThat(device(offline).get("tombstonesHeldBack").asLong()).isEqualTo(10_000);

        offline.sync();
        assertThat(offline.rows()).isEmpty();
        purge();
        assertThat(tombstones(active)).as("received, not acknowledged: its import could have failed").isEqualTo(10_000);

        offline.sync();
        purge();
        assertThat(tombstones(active)).as("its next pull sent a cursor past them").isZero();
        SyncDevice fresh = device(email, false);
        fresh.sync();
        active.sync();
        assertThat(active.rows()).isEmpty();
        assertThat(offline.rows()).isEqualTo(active.rows()).isEqualTo(fresh.rows());
    }

    @Test
    void aRevokedDeviceNeverHoldsThePurgeButAStuckOneDoes() {
        String email = newEmail();
        SyncDevice active = device(email, true);
        SyncDevice lost = device(email, false);
        SyncDevice stuck = device(email, false);
        stuck.knowOnlyTables(Set.of(SyncDevice.TABLE));
        List<UUID> rows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rows.add(active.insert(Map.of("title", "task " + i)));
        }
        List.of(active, lost, stuck).forEach(SyncDevice::sync);

        rows.forEach(active::delete);
        active.insert("notes", Map.of("text", "a table of the app's next version"));
        active.sync();
        active.sync();
        assertThatThrownBy(stuck::sync).hasMessageContaining("notes");
        assertThat(operator().post("/api/realms/default/devices/" + lost.account().clientId() + "/revoke").status())
                .isEqualTo(200);
        purge();
        assertThat(tombstones(active)).as("the stuck device has not applied the deletes").isEqualTo(10);

        stuck.knowOnlyTables(Set.of(SyncDevice.TABLE, "notes")); // its app was updated
        stuck.sync();
        stuck.sync();
        purge();
        assertThat(tombstones(active)).as("the revoked device holds nothing back").isZero();
        active.sync();
        assertThat(stuck.rows()).isEqualTo(active.rows()).hasSize(1);
    }

    @Test
    void aDeviceThatCannotImportIsListedAsStuckWithTheCauseUntilItsNextSuccessfulSync() {
        String email = newEmail();
        SyncDevice updated = device(email, true);
        SyncDevice old = device(email, false);
        old.knowOnlyTables(Set.of(SyncDevice.TABLE));
        updated.insert("notes", Map.of("text", "a table the old app version does not have"));
        updated.sync();

        String oldId = old.account().clientId().toString();
        for (int attempt = 1; attempt <= 3; attempt++) {
            assertThatThrownBy(old::sync).hasMessageContaining("notes");
            if (attempt < 3) {
                assertThat(stuckIds()).as("after %d failed attempts", attempt).doesNotContain(oldId);
            }
        }
        assertThat(stuckIds()).contains(oldId);
        JsonNode listed = stuckDevice(old);
        assertThat(listed.get("failedAttempts").asInt()).isEqualTo(3);
        assertThat(listed.get("cause").asText()).isEqualTo("import failed after a pull of notes");
        assertThat(listed.get("failingSince").asLong()).isPositive();
        assertThat(listed.get("email").asText()).isEqualTo(email);
        assertThat(stuckGauge()).isEqualTo(stuckIds().size());
        assertThat(operator().get("/realms/default/devices").body()).contains(old.account().clientId().toString())
                .contains("import failed after a pull of notes");

        old.knowOnlyTables(Set.of(SyncDevice.TABLE, "notes"));
        old.sync();

        assertThat(stuckIds()).doesNotContain(old.account().clientId().toString());
        assertThat(device(old).get("failedAttempts").asInt()).isZero();
        assertThat(device(old).get("cause").isNull()).isTrue();
        assertThat(old.rows()).isEqualTo(updated.rows());
    }

    @Test
    void aHealthyDeviceSyncingWithNothingToDoIsNeverCountedAsFailing() {
        SyncDevice idle = device(newEmail(), true);
        for (int i = 0; i < 5; i++) {
            idle.sync();
        }
        assertThat(device(idle).get("failedAttempts").asInt()).isZero();
        assertThat(device(idle).get("stuck").asBoolean()).isFalse();
    }

    @Test
    void devicesNotSeenForLongAreListedWithTheTombstonesTheyHoldBack() {
        String email = newEmail();
        SyncDevice active = device(email, true);
        SyncDevice away = device(email, false);
        UUID row = active.insert(Map.of("title", "soon deleted"));
        active.sync();
        away.sync();
        active.delete(row);
        active.sync();
        TestPostgres.execute(realm, "UPDATE user_clients SET last_sync_at = last_sync_at - "
                + Duration.ofDays(40).toMillis() + " WHERE clientid = '" + away.account().clientId() + "'");

        JsonNode unseen = operator().get("/api/realms/default/devices/unseen?days=30").json().get("devices");
        JsonNode listed = StreamSupport.stream(unseen.spliterator(), false)
                .filter(device -> device.get("clientId").asText().equals(away.account().clientId().toString()))
                .findFirst().orElseThrow();
        assertThat(listed.get("tombstonesHeldBack").asLong()).isEqualTo(1);
        assertThat(StreamSupport.stream(unseen.spliterator(), false).map(device -> device.get("clientId").asText()))
                .doesNotContain(active.account().clientId().toString());
        assertThat(operator().get("/api/realms/default/devices/unseen?days=0").status()).isEqualTo(400);
    }

    /** The tombstones stored for the device's user. */
    private static long tombstones(SyncDevice device) {
        return TestPostgres.count(realm, "sync_rows WHERE operation = 'D' AND userid = (SELECT userid FROM "
                + "user_clients WHERE clientid = '" + device.account().clientId() + "')");
    }

    private static long purge() {
        Response purged = operator().post("/api/realms/default/tombstones/purge");
        assertThat(purged.status()).as(purged.body()).isEqualTo(200);
        return purged.json().get("purged").asLong();
    }

    private static List<String> stuckIds() {
        JsonNode devices = operator().get("/api/realms/default/devices/stuck").json().get("devices");
        return StreamSupport.stream(devices.spliterator(), false).map(device -> device.get("clientId").asText())
                .toList();
    }

    private static JsonNode stuckDevice(SyncDevice device) {
        JsonNode devices = operator().get("/api/realms/default/devices/stuck").json().get("devices");
        return StreamSupport.stream(devices.spliterator(), false)
                .filter(listed -> listed.get("clientId").asText().equals(device.account().clientId().toString()))
                .findFirst().orElseThrow();
    }

    /** The device as the user's lifecycle page lists it. */
    private static JsonNode device(SyncDevice device) {
        UUID userId = UUID.fromString(String.valueOf(TestPostgres.queryValue(realm,
                "SELECT userid FROM user_clients WHERE clientid = '" + device.account().clientId() + "'")));
        JsonNode devices = operator().get("/api/realms/default/users/" + userId + "/lifecycle").json().get("devices");
        return StreamSupport.stream(devices.spliterator(), false)
                .filter(listed -> listed.get("clientId").asText().equals(device.account().clientId().toString()))
                .findFirst().orElseThrow();
    }

    /** {@code sync_devices_stuck{realm="default"}}, read after the gauge's cache has expired. */
    private static long stuckGauge() {
        server.clock().advance(DataLifecycle.FIGURES_FOR.plusSeconds(1));
        return server.get("/metrics").body().lines()
                .filter(line -> line.startsWith("sync_devices_stuck{realm=\"default\"}"))
                .map(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow();
    }

    private static ConsoleClient operator() {
        return operator;
    }

    private static SyncDevice device(String email, boolean newUser) {
        return new SyncDevice(server, accounts.device("default", email, "pw", newUser), false);
    }

    private static String newEmail() {
        return UUID.randomUUID() + "@example.com";
    }
}
