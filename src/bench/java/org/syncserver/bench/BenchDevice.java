package org.syncserver.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import static org.syncserver.bench.BenchClient.map;

/** One simulated device: its account, tokens and cursor, and sync_client's call sequence. Not thread-safe. */
final class BenchDevice {

    static final int PUSH_BATCH = 100;

    private final BenchClient client;
    private final String realm;
    private final String email;
    private final String password;
    final UUID clientId = UUID.randomUUID();
    private String accessToken;
    private String refreshToken;
    private long lastSync;

    private BenchDevice(BenchClient client, String realm, String email, String password) {
        this.client = client;
        this.realm = realm;
        this.email = email;
        this.password = password;
    }

    /** Registers a new user (or a further device of it) and logs the device in. */
    static BenchDevice register(BenchClient client, String realm, String email, boolean newUser) {
        BenchDevice device = new BenchDevice(client, realm, email, "bench-password");
        client.post("/register/" + realm, map("name", "Bench", "email", email, "password", device.password,
                "clientId", device.clientId.toString(), "clientDescription", "{\"name\":\"bench\"}",
                "newRegistration", newUser, "language", "en"), null);
        device.tokens(client.post("/login/" + realm, map("clientId", device.clientId.toString()),
                BenchClient.basic(email, device.password)));
        return device;
    }

    BenchDevice anotherDevice() {
        return register(client, realm, email, false);
    }

    /** One full sync with these local changes; every row the server sends goes to {@code received}. */
    void sync(List<Map<String, Object>> changes, Consumer<String> received) {
        sync(changes, received, () -> { });
    }

    /** @param afterPush runs once the last push has been answered: the changes are stored */
    void sync(List<Map<String, Object>> changes, Consumer<String> received, Runnable afterPush) {
        try {
            refresh();
            lastSync = client.pull("/pull/" + realm + "/" + clientId, map("clientId", clientId.toString(),
                    "lastSync", lastSync, "isPartial", 0, "changes", withoutRowData(changes)), bearer(), received);
            int batches = Math.max(1, (changes.size() + PUSH_BATCH - 1) / PUSH_BATCH);
            for (int batch = 0; batch < batches; batch++) {
                refresh();
                List<Map<String, Object>> slice = changes.subList(batch * PUSH_BATCH,
                        Math.min(changes.size(), (batch + 1) * PUSH_BATCH));
                push(slice, batch < batches - 1);
            }
            afterPush.run();
        } finally {
            refresh();
            client.post("/cancelSync/" + realm, map("clientId", clientId.toString()), bearer());
        }
    }

    /** A pull and one push of any size, without the client's batching (the "big push" case). */
    void pullThenPush(List<Map<String, Object>> changes) {
        refresh();
        lastSync = client.pull("/pull/" + realm + "/" + clientId, map("clientId", clientId.toString(),
                "lastSync", lastSync, "isPartial", 0, "changes", List.of()), bearer(), rowguid -> { });
        refresh();
        push(changes, false);
    }

    private void push(List<Map<String, Object>> changes, boolean partial) {
        JsonNode answer = client.post("/push/" + realm + "/" + clientId, map("clientId", clientId.toString(),
                "lastSync", lastSync, "isPartial", partial ? 1 : 0, "changes", changes), bearer());
        lastSync = answer.get("lastSync").asLong();
    }

    private void refresh() {
        tokens(client.post("/login/" + realm + "/refreshToken", map("refreshToken", refreshToken), null));
    }

    private void tokens(JsonNode answer) {
        accessToken = answer.has("accessToken") ? answer.get("accessToken").asText() : answer.get("access_token").asText();
        refreshToken = answer.has("refreshToken") ? answer.get("refreshToken").asText() : answer.get("refresh_token").asText();
    }

    String bearer() {
        return "Bearer " + accessToken;
    }

    private static List<Map<String, Object>> withoutRowData(List<Map<String, Object>> changes) {
        List<Map<String, Object>> stripped = new ArrayList<>(changes.size());
        for (Map<String, Object> change : changes) {
            Map<String, Object> copy = new java.util.LinkedHashMap<>(change);
            copy.remove("rowData");
            stripped.add(copy);
        }
        return stripped;
    }

    /** A new row of a typical app table (about 200 bytes of JSON). */
    static Map<String, Object> insert(UUID rowguid, int n) {
        return map("operation", "I", "rowguid", rowguid.toString(), "tablename", "todos",
                "clientdate", System.currentTimeMillis(),
                "rowData", map("rowguid", rowguid.toString(), "title", "Task number " + n,
                        "description", "Something that has to be done, written by the benchmark", "done", n % 2,
                        "priority", n % 5, "due", 1_700_000_000_000L + n));
    }
}
