package org.syncserver.sync;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.syncserver.config.TokenMode;
import org.syncserver.support.Response;
import org.syncserver.support.RunningServer;
import org.syncserver.support.SyncDevice;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The conflict every user of two devices meets (PROTOCOL §11.3): devices edit the same row offline and sync one
 * after the other. Whatever the order, the losing text is in the journal, visible to every device of the user, and
 * the devices converge within the syncs they make anyway. Edits made one after the other are no conflict, with
 * device clocks an hour apart too. Each device is the emulator doing exactly what sync_client 1.5.3 does: pending
 * changes read with their data before the pull, outdated rows dropped, the pull imported, the rest pushed with the
 * cursor the sync opened with.
 */
class EverydayConflictTest {

    @RegisterExtension
    static final RunningServer running = RunningServer.withRealm("default", TokenMode.OPAQUE);

    private static final long HOUR = 3_600_000;

    @Test
    void aNewerOfflineEditSyncedSecondOverwritesTheFirstAndJournalsItsText() {
        TwoDevices two = twoDevicesSharingARow();
        SyncDevice a = two.a();
        SyncDevice b = two.b();
        UUID row = two.row();

        a.update(row, Map.of("title", "A's text"));
        pause();
        b.update(row, Map.of("title", "B's newer text"));
        a.sync();
        b.sync();
        a.sync();

        assertThat(a.rows()).isEqualTo(b.rows());
        assertThat(a.rows().get(row)).containsEntry("title", "B's newer text");
        for (SyncDevice device : List.of(a, b)) {
            JsonNode conflict = onlyConflict(device);
            assertThat(conflict.get("kind").asText()).isEqualTo("overwritten");
            assertThat(conflict.get("winner").get("clientid").asText()).isEqualTo(b.account().clientId().toString());
            assertThat(conflict.get("loser").get("clientid").asText()).isEqualTo(a.account().clientId().toString());
            assertThat(conflict.get("loser").get("rowData").get("title").asText()).isEqualTo("A's text");
        }
    }

    @Test
    void anOlderOfflineEditSyncedSecondIsPushedAnywayAndJournalledAsSkippedWithItsText() {
        TwoDevices two = twoDevicesSharingARow();
        SyncDevice a = two.a();
        SyncDevice b = two.b();
        UUID row = two.row();

        b.update(row, Map.of("title", "B's older text"));
        pause();
        a.update(row, Map.of("title", "A's newer text"));
        a.sync();
        b.sync();

        assertThat(b.rows()).as("B imported the winner in the same sync").isEqualTo(a.rows());
        assertThat(b.rows().get(row)).containsEntry("title", "A's newer text");
        JsonNode conflict = onlyConflict(a);
        assertThat(conflict.get("kind").asText()).isEqualTo("skipped");
        assertThat(conflict.get("loser").get("clientid").asText()).isEqualTo(b.account().clientId().toString());
        assertThat(conflict.get("loser").get("rowData").get("title").asText()).isEqualTo("B's older text");
        assertThat(onlyConflict(b).get("id")).isEqualTo(conflict.get("id"));
    }

    /**
     * Three devices edit one row offline, oldest edit first (A, B, C), and sync once each in every order: the newest
     * text wins everywhere and each of the two others is journalled exactly once.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ABC", "ACB", "BAC", "BCA", "CAB", "CBA"})
    void threeOfflineEditsSyncedInAnyOrderKeepEveryLosingTextOnce(String order) {
        List<SyncDevice> devices = devicesSharingARow(3);
        UUID row = onlyRow(devices.get(0));
        for (int i = 0; i < 3; i++) {
            devices.get(i).update(row, Map.of("title", "text of " + "ABC".charAt(i)));
            pause();
        }

        for (char name : order.toCharArray()) {
            devices.get(name - 'A').sync();
        }
        devices.forEach(SyncDevice::sync);

        for (SyncDevice device : devices) {
            assertThat(device.rows().get(row)).containsEntry("title", "text of C");
        }
        List<String> losers = new ArrayList<>();
        conflicts(devices.get(0)).forEach(conflict -> losers.add(conflict.get("loser").get("rowData").get("title")
                .asText()));
        assertThat(losers).containsExactlyInAnyOrder("text of A", "text of B");
    }

    @ParameterizedTest
    @ValueSource(longs = {HOUR, -HOUR})
    void editsMadeOneAfterTheOtherAreNoConflictWhateverTheClocks(long skew) {
        TwoDevices two = twoDevicesSharingARow();
        SyncDevice a = two.a();
        SyncDevice b = two.b();
        UUID row = two.row();
        b.skewClock(skew);

        a.update(row, Map.of("title", "A's edit"));
        a.sync();
        b.sync();
        b.update(row, Map.of("title", "B's edit, made after it saw A's"));
        b.sync();
        a.sync();
        a.update(row, Map.of("title", "A's edit, made after it saw B's"));
        a.sync();
        b.sync();

        assertThat(b.rows().get(row)).containsEntry("title", "A's edit, made after it saw B's");
        assertThat(a.rows()).isEqualTo(b.rows());
        assertThat(conflicts(a)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(longs = {HOUR, -HOUR})
    void offlineEditsWithClocksAnHourApartAreJournalledAndConverge(long skew) {
        TwoDevices two = twoDevicesSharingARow();
        SyncDevice a = two.a();
        SyncDevice b = two.b();
        UUID row = two.row();
        b.skewClock(skew);

        a.update(row, Map.of("title", "A's text"));
        b.update(row, Map.of("title", "B's text"));
        a.sync();
        b.sync();
        a.sync();

        String winner = skew > 0 ? "B's text" : "A's text";
        String loser = skew > 0 ? "A's text" : "B's text";
        assertThat(a.rows().get(row)).containsEntry("title", winner);
        assertThat(b.rows()).isEqualTo(a.rows());
        assertThat(onlyConflict(b).get("loser").get("rowData").get("title").asText()).isEqualTo(loser);
    }

    @Test
    void aPullNeverListsOutdatedRowsSoTheClientNeverDropsAChangeUnsent() {
        TwoDevices two = twoDevicesSharingARow();
        SyncDevice a = two.a();
        SyncDevice b = two.b();
        UUID row = two.row();
        b.update(row, Map.of("title", "older"));
        pause();
        a.update(row, Map.of("title", "newer"));
        a.sync();

        Response pulled = running.server().post("/pull/default/" + b.account().clientId(), Map.of(
                "clientId", b.account().clientId().toString(), "lastSync", b.lastSync(),
                "changes", List.of(Map.of("operation", "U", "rowguid", row.toString(), "tablename", "todos",
                        "clientdate", 1))), "Authorization", "Bearer " + b.account().accessToken());

        assertThat(pulled.json().get("outdatedRowsGuid")).isEmpty();
        assertThat(pulled.json().get("data")).extracting(change -> change.get("rowguid").asText())
                .containsExactly(row.toString());
    }

    /** Two devices of one new user, both holding the row the first inserted. */
    private record TwoDevices(SyncDevice a, SyncDevice b, UUID row) {
    }

    private static TwoDevices twoDevicesSharingARow() {
        List<SyncDevice> devices = devicesSharingARow(2);
        return new TwoDevices(devices.get(0), devices.get(1), onlyRow(devices.get(0)));
    }

    /** Devices of one new user, each holding the one row the first inserted. */
    private static List<SyncDevice> devicesSharingARow(int count) {
        String email = UUID.randomUUID() + "@example.com";
        List<SyncDevice> devices = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            devices.add(new SyncDevice(running.server(), running.accounts().device("default", email, "pw", i == 0),
                    false));
        }
        devices.get(0).insert(Map.of("title", "original"));
        devices.forEach(SyncDevice::sync);
        return devices;
    }

    private static UUID onlyRow(SyncDevice device) {
        return device.rows().keySet().iterator().next();
    }

    /** Device clocks tick in milliseconds: two edits in a row must not share one. */
    private static void pause() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static JsonNode conflicts(SyncDevice device) {
        Response response = running.server().get("/conflicts/default/" + device.account().clientId(),
                device.account());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json().get("conflicts");
    }

    private static JsonNode onlyConflict(SyncDevice device) {
        JsonNode conflicts = conflicts(device);
        assertThat(conflicts).hasSize(1);
        return conflicts.get(0);
    }
}
