package org.syncserver.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * One device's side of the protocol as sync_client 1.5.3 runs it: refresh → pull (pending changes without row
 * data) → refresh → push in batches of 100 → refresh → cancelSync, with its tokens and cursor. The one emulator
 * of the client's calls, used by the benchmark's devices and by the tests' {@code SyncDevice}; each brings its own
 * {@link Transport} (the benchmark a lean one-write client, the tests the JDK's) and its own local state.
 */
public final class SyncSession {

    public static final int PUSH_BATCH = 100;

    /** How the calls travel. A call that is not answered 200 throws. */
    public interface Transport {
        JsonNode post(String path, Object body, String authorization);

        /** A pull, its answer streamed: each row, then each outdated rowguid. @return the answer's lastSync */
        long pull(String path, Object body, String authorization, Consumer<JsonNode> row, Consumer<String> outdated);
    }

    private final String realm;
    private final UUID clientId;
    private final boolean legacyPaths;
    private String accessToken;
    private String refreshToken;
    private long lastSync;

    /** @param legacyPaths a 2024 client: /pull/:realm instead of /pull/:realm/:clientId */
    public SyncSession(String realm, UUID clientId, boolean legacyPaths, JsonNode loginAnswer) {
        this.realm = realm;
        this.clientId = clientId;
        this.legacyPaths = legacyPaths;
        tokens(loginAnswer);
    }

    /**
     * One full sync, as sync_client's {@code sync()}: the pending changes are read with their row data before the
     * pull; the rows the pull lists as outdated are dropped from them; the server's rows are imported; the rest is
     * pushed in batches, every call carrying the cursor the sync opened with; the cursor the last push answers is
     * stored only then. A sync that fails on the way keeps the old cursor, and cancelSync is sent in any case.
     *
     * @param pending   the device's pending changes with their row data, as read before the pull
     * @param row       imports one of the server's rows; throwing here is a failed import
     * @param afterPush runs once the last push has been answered: the changes are stored
     */
    public void sync(Transport transport, List<Map<String, Object>> pending, Consumer<JsonNode> row,
                     Runnable afterPush) {
        try {
            refresh(transport);
            Set<String> outdated = new HashSet<>();
            pull(transport, withoutRowData(pending), row, outdated::add);
            List<Map<String, Object>> changes = pending.stream()
                    .filter(change -> !outdated.contains(String.valueOf(change.get("rowguid")))).toList();
            int batches = Math.max(1, (changes.size() + PUSH_BATCH - 1) / PUSH_BATCH);
            long answered = lastSync;
            for (int batch = 0; batch < batches; batch++) {
                refresh(transport);
                answered = push(transport, changes.subList(batch * PUSH_BATCH,
                        Math.min(changes.size(), (batch + 1) * PUSH_BATCH)), batch < batches - 1);
            }
            lastSync = answered;
            afterPush.run();
        } finally {
            refresh(transport);
            transport.post("/cancelSync/" + realm, Map.of("clientId", clientId.toString()), bearer());
        }
    }

    /** A pull from the stored cursor. @return the cursor the pull answered (not stored: the push's answer is) */
    public long pull(Transport transport, List<Map<String, Object>> pending, Consumer<JsonNode> row,
                     Consumer<String> outdated) {
        return transport.pull(path("pull"), body(pending, false), bearer(), row, outdated);
    }

    /** A push that carries the stored cursor, as every push of a sync does. @return the cursor it answered */
    public long push(Transport transport, List<Map<String, Object>> changes, boolean partial) {
        return transport.post(path("push"), body(changes, partial), bearer()).get("lastSync").asLong();
    }

    /** Stores a cursor, as the client does with the last push's answer. */
    public void storeLastSync(long cursor) {
        lastSync = cursor;
    }

    private Map<String, Object> body(List<Map<String, Object>> changes, boolean partial) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("clientId", clientId.toString());
        body.put("lastSync", lastSync);
        body.put("isPartial", partial ? 1 : 0);
        body.put("changes", changes);
        return body;
    }

    /** sync_client refreshes its token before every call. */
    public void refresh(Transport transport) {
        tokens(transport.post("/login/" + realm + "/refreshToken", Map.of("refreshToken", refreshToken), null));
    }

    public long lastSync() {
        return lastSync;
    }

    public String accessToken() {
        return accessToken;
    }

    public String refreshToken() {
        return refreshToken;
    }

    public String bearer() {
        return "Bearer " + accessToken;
    }

    /** The tokens of a new login, after the refresh token was refused: the user typed the password again. */
    public void loggedIn(JsonNode loginAnswer) {
        tokens(loginAnswer);
    }

    /** Either token mode's answer: {@code accessToken ?? access_token}, as the client reads it. */
    private void tokens(JsonNode answer) {
        accessToken = answer.has("accessToken") ? answer.get("accessToken").asText() : answer.get("access_token").asText();
        refreshToken = answer.has("refreshToken") ? answer.get("refreshToken").asText() : answer.get("refresh_token").asText();
    }

    private String path(String route) {
        return "/" + route + "/" + realm + (legacyPaths ? "" : "/" + clientId);
    }

    private static List<Map<String, Object>> withoutRowData(List<Map<String, Object>> changes) {
        List<Map<String, Object>> stripped = new ArrayList<>(changes.size());
        for (Map<String, Object> change : changes) {
            Map<String, Object> copy = new LinkedHashMap<>(change);
            copy.remove("rowData");
            stripped.add(copy);
        }
        return stripped;
    }
}
