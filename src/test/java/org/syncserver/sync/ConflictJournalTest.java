package org.syncserver.sync;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.syncserver.config.Timeouts;
import org.syncserver.config.TokenMode;
import org.syncserver.realm.Realms;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.Response;
import org.syncserver.support.RunningServer;
import org.syncserver.support.TestClock;
import org.syncserver.support.TestPostgres;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.syncserver.sync.SyncProtocolTest.change;

/**
 * What last-writer-wins threw away is journaled (PROTOCOL §11.3): concurrent edits whose loser was a pushed change
 * (skipped) or a stored version (overwritten). Sequential edits are no conflicts. Each user sees their own journal
 * only. The calls carry each device's cursor as sync_client does: the pull and every push of a sync send the one
 * the sync opened with, and the last push's answer is stored. {@link EverydayConflictTest} runs whole devices.
 */
class ConflictJournalTest {

    @RegisterExtension
    static final RunningServer running = RunningServer.withRealm("default", TokenMode.OPAQUE);

    @Test
    void aNewerPushOverANewerVersionItHadNotSeenRecordsTheOverwrittenVersion() {
        Device phone = newUser();
        Device laptop = secondDevice(phone);
        UUID row = insertAndShare(phone, laptop);

        syncPull(laptop);                                                      // the laptop's pull: its cursor
        sync(phone, change("U", row, 2_000, Map.of("title", "phone's edit")));  // meanwhile, on the phone
        push(laptop, change("U", row, 3_000, Map.of("title", "laptop's edit")));

        JsonNode conflict = onlyConflict(laptop);
        assertThat(conflict.get("kind").asText()).isEqualTo("overwritten");
        assertThat(conflict.get("rowguid").asText()).isEqualTo(row.toString());
        assertThat(conflict.get("tablename").asText()).isEqualTo("todos");
        assertThat(conflict.get("winner").get("clientid").asText()).isEqualTo(laptop.clientId().toString());
        assertThat(conflict.get("winner").get("clientdate").asLong()).isEqualTo(3_000);
        assertThat(conflict.get("loser").get("clientid").asText()).isEqualTo(phone.clientId().toString());
        assertThat(conflict.get("loser").get("clientdate").asLong()).isEqualTo(2_000);
        assertThat(conflict.get("loser").get("operation").asText()).isEqualTo("U");
        assertThat(conflict.get("loser").get("rowData").get("title").asText()).isEqualTo("phone's edit");
        assertThat(conflict.get("at").asLong()).isPositive();
    }

    @Test
    void anOlderPushAgainstAVersionItHadNotSeenRecordsTheSkippedChangeWithItsData() {
        Device phone = newUser();
        Device laptop = secondDevice(phone);
        UUID row = insertAndShare(phone, laptop);

        syncPull(laptop);
        sync(phone, change("U", row, 2_000, Map.of("title", "phone's edit")));
        push(laptop, change("U", row, 1_500, Map.of("title", "laptop's older edit")));

        JsonNode conflict = onlyConflict(phone);
        assertThat(conflict.get("kind").asText()).isEqualTo("skipped");
        assertThat(conflict.get("winner").get("clientid").asText()).isEqualTo(phone.clientId().toString());
        assertThat(conflict.get("winner").get("clientdate").asLong()).isEqualTo(2_000);
        assertThat(conflict.get("loser").get("clientdate").asLong()).isEqualTo(1_500);
        assertThat(conflict.get("loser").get("rowData").get("title").asText()).isEqualTo("laptop's older edit");
    }

    @Test
    void anEditOverADeleteItHadNotSeenRecordsTheDelete() {
        Device phone = newUser();
        Device laptop = secondDevice(phone);
        UUID row = insertAndShare(phone, laptop);

        syncPull(laptop);
        sync(phone, change("D", row, 2_000, Map.of()));
        push(laptop, change("U", row, 3_000, Map.of("title", "edited after the delete")));

        JsonNode conflict = onlyConflict(laptop);
        assertThat(conflict.get("kind").asText()).isEqualTo("overwritten");
        assertThat(conflict.get("loser").get("operation").asText()).isEqualTo("D");
        assertThat(conflict.get("loser").get("rowData").isNull()).isTrue();
    }

    @Test
    void sequentialEditsAreNoConflictsAndOtherUsersSeeNoneOfMine() {
        Device phone = newUser();
        Device laptop = secondDevice(phone);
        UUID row = insertAndShare(phone, laptop);
        sync(phone, change("U", row, 2_000, Map.of("title", "first")));
        sync(laptop);                                                           // receives "first"
        sync(laptop, change("U", row, 1_000, Map.of("title", "second, with a slow clock")));
        assertThat(conflicts(phone).get("conflicts")).isEmpty();

        sync(phone);                                                            // receives "second"
        syncPull(laptop);
        sync(phone, change("U", row, 5_000, Map.of("title", "concurrent")));
        push(laptop, change("U", row, 6_000, Map.of("title", "concurrent too")));
        assertThat(conflicts(phone).get("conflicts")).hasSize(1);
        Device stranger = newUser();
        assertThat(conflicts(stranger).get("conflicts")).isEmpty();
        Response wrongDevice = running.server().get("/conflicts/default/" + laptop.clientId(), phone);
        assertThat(wrongDevice.status()).as("the path names the token's own device").isEqualTo(403);
        assertThat(running.server().send(java.net.http.HttpRequest.newBuilder(
                running.server().uri("/conflicts/default/" + phone.clientId()))).status()).isEqualTo(401);
    }

    @Test
    void theJournalIsPagedNewestFirst() {
        Device phone = newUser();
        Device laptop = secondDevice(phone);
        List<UUID> rows = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            rows.add(insertAndShare(phone, laptop));
        }
        for (UUID row : rows) {
            syncPull(laptop);
            sync(phone, change("U", row, 2_000, Map.of("title", "phone")));
            push(laptop, change("U", row, 3_000, Map.of("title", "laptop")));
        }

        JsonNode first = running.server().get("/conflicts/default/" + phone.clientId() + "?limit=2", phone).json();
        JsonNode second = running.server().get("/conflicts/default/" + phone.clientId() + "?limit=2&cursor="
                + first.get("next").asLong(), phone).json();
        JsonNode last = running.server().get("/conflicts/default/" + phone.clientId() + "?limit=2&cursor="
                + second.get("next").asLong(), phone).json();

        List<String> order = new ArrayList<>();
        for (JsonNode page : List.of(first, second, last)) {
            page.get("conflicts").forEach(conflict -> order.add(conflict.get("rowguid").asText()));
        }
        assertThat(order).containsExactlyElementsOf(rows.reversed().stream().map(UUID::toString).toList());
        assertThat(last.get("next").isNull()).isTrue();
        assertThat(running.server().get("/conflicts/default/" + phone.clientId() + "?limit=0", phone).status())
                .isEqualTo(400);
    }

    @Test
    void aLargePushWithoutConflictsStoresNothingInTheJournal() {
        Device phone = newUser();
        Device laptop = secondDevice(phone);
        long before = TestPostgres.count(running.realm(), "sync_conflicts");
        List<Map<String, Object>> changes = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            changes.add(change("I", UUID.randomUUID(), 1_000 + i, Map.of("n", i)));
        }
        syncPull(phone);
        push(phone, changes.toArray(Map[]::new));
        syncPull(laptop);
        cancel(laptop);

        assertThat(TestPostgres.count(running.realm(), "sync_conflicts")).isEqualTo(before);
        assertThat(TestPostgres.count(running.realm(), "sync_rows WHERE clientid = '" + phone.clientId() + "'"))
                .isEqualTo(10_000);
    }

    @Test
    void entriesPastTheirRetentionAreRemoved() {
        Device phone = newUser();
        Device laptop = secondDevice(phone);
        UUID row = insertAndShare(phone, laptop);
        syncPull(laptop);
        sync(phone, change("U", row, 2_000, Map.of("title", "phone")));
        push(laptop, change("U", row, 3_000, Map.of("title", "laptop")));
        String mine = "sync_conflicts WHERE rowguid = '" + row + "'";
        assertThat(TestPostgres.count(running.realm(), mine)).isOne();

        TestClock clock = new TestClock();
        clock.advance(Duration.ofDays(29));
        try (Realms realms = Realms.open(List.of(running.realm()), Timeouts.DEFAULTS, new SimpleMeterRegistry())) {
            new ConflictJournal(clock, Duration.ofDays(30), org.syncserver.config.Sharing.NONE, new org.syncserver.spaces.SpaceAccess()).purge(realms);
            assertThat(TestPostgres.count(running.realm(), mine)).as("kept for 30 days").isOne();
            clock.advance(Duration.ofDays(2));
            new ConflictJournal(clock, Duration.ofDays(30), org.syncserver.config.Sharing.NONE, new org.syncserver.spaces.SpaceAccess()).purge(realms);
        }
        assertThat(TestPostgres.count(running.realm(), mine)).isZero();
    }

    /** Each device's stored cursor, as sync_client keeps it: the answer of its last successful final push. */
    private static final Map<UUID, Long> cursors = new ConcurrentHashMap<>();

    /** A row the phone inserted, which the laptop has received. */
    private static UUID insertAndShare(Device phone, Device laptop) {
        UUID row = UUID.randomUUID();
        sync(phone, change("I", row, 1_000, Map.of("title", "original")));
        sync(laptop);
        return row;
    }

    @SafeVarargs
    private static void sync(Device device, Map<String, Object>... changes) {
        syncPull(device);
        push(device, changes);
    }

    private static void syncPull(Device device) {
        assertThat(pull(device, List.of()).status()).isEqualTo(200);
    }

    private static Response pull(Device device, List<Map<String, Object>> pending) {
        return running.server().post("/pull/default/" + device.clientId(), Map.of("clientId",
                device.clientId().toString(), "lastSync", cursor(device), "changes", pending),
                "Authorization", device.bearer());
    }

    @SafeVarargs
    private static void push(Device device, Map<String, Object>... changes) {
        Response pushed = running.server().post("/push/default/" + device.clientId(), Map.of("clientId",
                device.clientId().toString(), "lastSync", cursor(device), "isPartial", 0, "changes",
                List.of(changes)), "Authorization", device.bearer());
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(200);
        cursors.put(device.clientId(), pushed.json().get("lastSync").asLong());
    }

    private static long cursor(Device device) {
        return cursors.getOrDefault(device.clientId(), 0L);
    }

    private static void cancel(Device device) {
        running.server().post("/cancelSync/default", Map.of("clientId", device.clientId().toString()),
                "Authorization", device.bearer());
    }

    private static JsonNode conflicts(Device device) {
        Response response = running.server().get("/conflicts/default/" + device.clientId(), device);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    private static JsonNode onlyConflict(Device device) {
        JsonNode conflicts = conflicts(device).get("conflicts");
        assertThat(conflicts).hasSize(1);
        return conflicts.get(0);
    }

    private static Device newUser() {
        return running.accounts().device("default", UUID.randomUUID() + "@example.com", "pw", true);
    }

    private static Device secondDevice(Device first) {
        return running.accounts().device("default", first.email(), "pw", false);
    }
}
