package org.syncserver.sync;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.syncserver.config.TokenMode;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.Response;
import org.syncserver.support.RunningServer;
import org.syncserver.support.TestPostgres;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Pull, push and cancelSync one call at a time: answers, lock, batches, atomicity and bad input. */
class SyncProtocolTest {

    @RegisterExtension
    static final RunningServer running = RunningServer.withRealm("default", TokenMode.OPAQUE);




    @Test
    void pullAnswersTheProtocolShapeWithDeletesWithoutRowData() {
        Device writer = newUser();
        Device reader = secondDevice(writer);
        UUID kept = UUID.randomUUID();
        UUID deleted = UUID.randomUUID();
        pull(writer, 0, List.of());
        assertThat(push(writer, 0, List.of(change("I", kept, 1000, Map.of("title", "kept", "done", 0)),
                change("I", deleted, 1000, Map.of("title", "gone"))), 0).status()).isEqualTo(200);
        pull(writer, 0, List.of());
        push(writer, 0, List.of(change("D", deleted, 2000, Map.of())), 0);

        Response response = pull(reader, 0, List.of());

        JsonNode answer = response.json();
        assertThat(answer.get("clientId").asText()).isEqualTo(reader.clientId().toString());
        assertThat(answer.get("outdatedRowsGuid").isArray()).isTrue();
        assertThat(answer.get("outdatedRowsGuid")).isEmpty();
        assertThat(answer.get("lastSync").asLong()).isPositive();
        Map<String, JsonNode> byRow = byRowguid(answer.get("data"));
        JsonNode row = byRow.get(kept.toString());
        assertThat(row.get("operation").asText()).isEqualTo("I");
        assertThat(row.get("tablename").asText()).isEqualTo("todos");
        assertThat(row.get("clientdate").asLong()).isEqualTo(1000);
        assertThat(row.get("serverdate").asLong()).isPositive();
        assertThat(row.get("clientid").asText()).isEqualTo(writer.clientId().toString());
        assertThat(row.get("rowData").get("title").asText()).isEqualTo("kept");
        assertThat(row.get("rowData").get("done").asInt()).isZero();
        assertThat(byRow.get(deleted.toString()).get("operation").asText()).isEqualTo("D");
        assertThat(byRow.get(deleted.toString()).has("rowData")).isFalse();
    }

    @Test
    void aDeviceDoesNotReceiveItsOwnChangesBack() {
        Device device = newUser();
        pull(device, 0, List.of());
        push(device, 0, List.of(change("I", UUID.randomUUID(), 1000, Map.of("a", 1))), 0);
        assertThat(pull(device, 0, List.of()).json().get("data")).isEmpty();
    }

    @Test
    void pendingChangeOlderThanTheServersGetsTheServersVersionAndNewerOneHidesIt() {
        Device writer = newUser();
        Device other = secondDevice(writer);
        UUID older = UUID.randomUUID();
        UUID newer = UUID.randomUUID();
        pull(writer, 0, List.of());
        push(writer, 0, List.of(change("I", older, 5000, Map.of("v", "server")),
                change("I", newer, 5000, Map.of("v", "server"))), 0);

        JsonNode answer = pull(other, 0, List.of(pending(older, 4000), pending(newer, 6000))).json();

        assertThat(answer.get("outdatedRowsGuid")).as("never listed: the device pushes its change all the same, "
                + "and the push journals it with its data").isEmpty();
        assertThat(byRowguid(answer.get("data"))).containsKey(older.toString()).doesNotContainKey(newer.toString());
    }

    @Test
    void secondPullWhileLockedIsRefusedUntilCancelSyncOrTwoMinutes() {
        Device device = newUser();
        assertThat(pull(device, 0, List.of()).status()).isEqualTo(200);

        Response locked = pull(device, 0, List.of());
        assertThat(locked.status()).isEqualTo(409);
        assertThat(locked.message()).isEqualTo("The user is already syncing from this client");

        Response cancel = running.server().post("/cancelSync/default", Map.of("clientId", device.clientId().toString()),
                "Authorization", device.bearer());
        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.body()).isEqualTo("true");
        assertThat(pull(device, 0, List.of()).status()).isEqualTo(200);

        running.server().clock().advance(Duration.ofMinutes(2).plusSeconds(1));
        device = running.accounts().refreshed(device);
        assertThat(pull(device, 0, List.of()).status()).as("a stale lock is taken over").isEqualTo(200);
    }

    @Test
    void pushWithoutPullIsRefusedWithTheContractualText() {
        Device device = newUser();
        Response response = push(device, 0, List.of(change("I", UUID.randomUUID(), 1, Map.of("a", 1))), 0);
        assertThat(response.status()).isEqualTo(409);
        assertThat(response.message()).isEqualTo("You should pull before pushing...");
        assertThat(rowsOf(device)).isZero();
    }

    @Test
    void partialBatchesKeepTheLockAndTheLastBatchReleasesIt() {
        Device device = newUser();
        pull(device, 0, List.of());
        assertThat(push(device, 0, List.of(change("I", UUID.randomUUID(), 1, Map.of("a", 1))), 1).status()).isEqualTo(200);
        assertThat(push(device, 0, List.of(change("I", UUID.randomUUID(), 1, Map.of("a", 2))), 0).status()).isEqualTo(200);
        assertThat(push(device, 0, List.of(change("I", UUID.randomUUID(), 1, Map.of("a", 3))), 0).status())
                .as("lock released by the last batch").isEqualTo(409);
        assertThat(rowsOf(device)).isEqualTo(2);
    }

    @Test
    void pushAnswersTheCursorOfThePullSoNothingPushedMeanwhileIsSkipped() {
        Device a = newUser();
        Device b = secondDevice(a);
        long cursor = pull(a, 0, List.of()).json().get("lastSync").asLong();
        pull(b, 0, List.of());
        UUID fromB = UUID.randomUUID();
        push(b, 0, List.of(change("I", fromB, 1, Map.of("by", "b"))), 0);

        long answered = push(a, cursor, List.of(change("I", UUID.randomUUID(), 2, Map.of("by", "a"))), 0)
                .json().get("lastSync").asLong();

        assertThat(answered).isEqualTo(cursor);
        assertThat(byRowguid(pull(a, answered, List.of()).json().get("data"))).containsOnlyKeys(fromB.toString());
    }

    @Test
    void oneBadChangeRejectsTheWholePushNamingItAndStoresNothing() {
        Device device = newUser();
        pull(device, 0, List.of());
        Map<String, Object> good = change("I", UUID.randomUUID(), 1, Map.of("a", 1));

        assertRejected(device, List.of(good, change("X", UUID.randomUUID(), 1, Map.of())),
                "changes[1]", "operation must be \"I\", \"U\" or \"D\"");
        assertRejected(device, List.of(good, change("I", UUID.randomUUID(), 1, null)), "changes[1]", "rowData");
        Map<String, Object> badGuid = change("I", UUID.randomUUID(), 1, Map.of());
        badGuid.put("rowguid", "row-1");
        assertRejected(device, List.of(good, badGuid), "changes[1].rowguid", "expected a UUID");
        Map<String, Object> badDate = change("U", UUID.randomUUID(), 1, Map.of());
        badDate.put("clientdate", "yesterday");
        assertRejected(device, List.of(good, badDate), "changes[1].clientdate", "expected a whole number");
        Map<String, Object> noTable = change("U", UUID.randomUUID(), 1, Map.of());
        noTable.remove("tablename");
        assertRejected(device, List.of(noTable), "changes[0]", "tablename");

        assertThat(rowsOf(device)).isZero();
        assertThat(push(device, 0, List.of(good), 0).status()).as("the lock is still held").isEqualTo(200);
    }

    @Test
    void syncCallsForAnotherUsersClientAre403AndChangeNothing() {
        Device owner = newUser();
        Device intruder = newUser();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("clientId", owner.clientId().toString());
        body.put("lastSync", 0);
        body.put("changes", List.of());

        assertThat(running.server().post("/pull/default/" + owner.clientId(), body, "Authorization", intruder.bearer()).status())
                .isEqualTo(403);
        assertThat(running.server().post("/push/default", body, "Authorization", intruder.bearer()).status()).isEqualTo(403);
        assertThat(running.server().post("/cancelSync/default", body, "Authorization", intruder.bearer()).status()).isEqualTo(403);
        assertThat(pull(owner, 0, List.of()).status()).as("owner's lock untouched").isEqualTo(200);
    }

    @Test
    void syncWithoutTokenIs401AndWithBadTokenIs403() {
        Map<String, Object> body = Map.of("clientId", UUID.randomUUID().toString(), "lastSync", 0, "changes", List.of());
        assertThat(running.server().post("/pull/default", body).status()).isEqualTo(401);
        assertThat(running.server().post("/push/default", body, "Authorization", "Bearer wrong").status()).isEqualTo(403);
    }

    @Test
    void aLargePullIsStreamedCompletelyAndWeighsPendingChangesAsASmallOneDoes() {
        Device writer = newUser();
        Device reader = secondDevice(writer);
        List<UUID> rowguids = pushRows(writer, 2_500);
        UUID older = rowguids.get(10);
        UUID newer = rowguids.get(2_000);

        JsonNode answer = pull(reader, 0, List.of(pending(older, -1), pending(newer, Long.MAX_VALUE))).json();

        assertThat(answer.get("data")).hasSize(2_499);
        assertThat(byRowguid(answer.get("data"))).containsKey(older.toString()).doesNotContainKey(newer.toString());
        assertThat(answer.get("outdatedRowsGuid")).isEmpty();
    }

    @Test
    void pullsJustUnderAndJustOverTheSingleStatementSizeAreComplete() {
        for (int rows : new int[] {500, 501}) {
            Device writer = newUser();
            Device reader = secondDevice(writer);
            List<UUID> rowguids = pushRows(writer, rows);
            JsonNode data = pull(reader, 0, List.of()).json().get("data");
            assertThat(byRowguid(data).keySet()).as("%d rows", rows)
                    .containsExactlyInAnyOrderElementsOf(rowguids.stream().map(UUID::toString).toList());
        }
    }

    /**
     * A push is stored in batches (PushRequest): a row changed several times in one push ends with its last change,
     * whether the changes fall in one batch or in different ones, and whatever the size of its rows.
     */
    @Test
    void aRowChangedTwiceInOnePushEndsWithItsLastChangeHoweverLargeThePush() {
        int bigRow = 2_000;
        for (int[] push : new int[][] {{1_000, 10}, {1_001, 10}, {2_500, 10}, {200, bigRow}, {3, 400_000}}) {
            int count = push[0];
            Device writer = newUser();
            Device reader = secondDevice(writer);
            UUID twice = UUID.randomUUID();
            List<Map<String, Object>> changes = new ArrayList<>();
            changes.add(change("I", twice, 1, Map.of("version", "first")));
            for (int i = 1; i < count - 1; i++) {
                changes.add(change("I", UUID.randomUUID(), i, Map.of("text", "x".repeat(push[1]))));
            }
            changes.add(change("U", twice, count, Map.of("version", "last")));
            pull(writer, 0, List.of());
            assertThat(push(writer, 0, changes, 0).status()).isEqualTo(200);

            Map<String, JsonNode> rows = byRowguid(pull(reader, 0, List.of()).json().get("data"));

            assertThat(rows).as("%d changes", count).hasSize(count - 1);
            assertThat(rows.values()).as("every row arrives with its data")
                    .allSatisfy(row -> assertThat(row.get("rowData").size()).isOne());
            assertThat(rows.get(twice.toString()).get("rowData").get("version").asText()).as("%d changes", count)
                    .isEqualTo("last");
        }
    }

    /** Inserts this many rows from the device, in pushes of at most 500. */
    private static List<UUID> pushRows(Device device, int total) {
        List<UUID> rowguids = new ArrayList<>();
        for (int done = 0; done < total; done += 500) {
            pull(device, 0, List.of());
            List<Map<String, Object>> changes = new ArrayList<>();
            for (int i = done; i < Math.min(total, done + 500); i++) {
                UUID rowguid = UUID.randomUUID();
                rowguids.add(rowguid);
                changes.add(change("I", rowguid, i, Map.of("n", i, "text", "x".repeat(100))));
            }
            assertThat(push(device, 0, changes, 0).status()).isEqualTo(200);
        }
        return rowguids;
    }

    private static void assertRejected(Device device, List<Map<String, Object>> changes, String where, String what) {
        Response response = push(device, 0, changes, 0);
        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.message()).contains(where).contains(what);
    }

    private static Device newUser() {
        return running.accounts().device("default", UUID.randomUUID() + "@example.com", "pw", true);
    }

    private static Device secondDevice(Device first) {
        return running.accounts().device("default", first.email(), "pw", false);
    }

    static Map<String, Object> change(String operation, UUID rowguid, long clientdate, Map<String, Object> rowData) {
        Map<String, Object> change = new LinkedHashMap<>();
        change.put("operation", operation);
        change.put("rowguid", rowguid.toString());
        change.put("tablename", "todos");
        change.put("clientdate", clientdate);
        change.put("rowData", rowData);
        return change;
    }

    private static Map<String, Object> pending(UUID rowguid, long clientdate) {
        return Map.of("operation", "U", "rowguid", rowguid.toString(), "tablename", "todos", "clientdate", clientdate);
    }

    static Response pull(Device device, long lastSync, List<Map<String, Object>> changes) {
        return running.server().post("/pull/default/" + device.clientId(), Map.of("clientId", device.clientId().toString(),
                "lastSync", lastSync, "isPartial", 0, "changes", changes), "Authorization", device.bearer());
    }

    static Response push(Device device, long lastSync, List<Map<String, Object>> changes, int isPartial) {
        return running.server().post("/push/default/" + device.clientId(), Map.of("clientId", device.clientId().toString(),
                "lastSync", lastSync, "isPartial", isPartial, "changes", changes), "Authorization", device.bearer());
    }

    private static Map<String, JsonNode> byRowguid(JsonNode data) {
        Map<String, JsonNode> rows = new LinkedHashMap<>();
        data.forEach(row -> rows.put(row.get("rowguid").asText(), row));
        return rows;
    }

    private static long rowsOf(Device device) {
        return ((Number) TestPostgres.queryValue(running.realm(), "SELECT count(*) FROM sync_rows r JOIN users u ON u.id = r.userid"
                + " WHERE u.email = '" + device.email() + "'")).longValue();
    }
}
