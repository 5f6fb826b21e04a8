package org.syncserver.support;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A device running sync_client 1.5.3, reduced to what the server sees: one local table of rows, a change log
 * collapsed to one change per row (I+U→I, I+D→nothing, U+D→D), and the client's call sequence. Not thread-safe:
 * like a real device, it does one thing at a time.
 */
public final class SyncDevice {

    public static final int PUSH_BATCH = 100;
    public static final String TABLE = "todos";

    private record LoggedChange(String operation, long clientdate) {
    }

    private final List<TestServer> servers;
    private final boolean legacyPaths;
    private final Map<UUID, Map<String, Object>> rows = new HashMap<>();
    private final Map<UUID, LoggedChange> log = new LinkedHashMap<>();
    private final AtomicLong clockOffset = new AtomicLong();
    private Accounts.Device device;
    private long lastSync;
    private int syncs;
    private TestServer server;

    /** @param legacyPaths true for a 2024 client: /pull/:realm instead of /pull/:realm/:clientId */
    public SyncDevice(TestServer server, Accounts.Device device, boolean legacyPaths) {
        this(List.of(server), device, legacyPaths);
    }

    /** A device behind a load balancer: each sync goes to the next of the servers, which share the database. */
    public SyncDevice(List<TestServer> servers, Accounts.Device device, boolean legacyPaths) {
        this.servers = List.copyOf(servers);
        this.server = servers.get(0);
        this.device = device;
        this.legacyPaths = legacyPaths;
    }

    public Accounts.Device account() {
        return device;
    }

    /** Sets the device's clock ahead of (positive) or behind (negative) the real time. */
    public void skewClock(long millis) {
        clockOffset.set(millis);
    }

    public UUID insert(Map<String, Object> data) {
        UUID rowguid = UUID.randomUUID();
        rows.put(rowguid, new LinkedHashMap<>(data));
        log(rowguid, "I");
        return rowguid;
    }

    /** Inserts a row under a chosen rowguid, as a malicious or buggy client could. */
    public void insertWithId(UUID rowguid, Map<String, Object> data) {
        rows.put(rowguid, new LinkedHashMap<>(data));
        log(rowguid, "I");
    }

    public void update(UUID rowguid, Map<String, Object> data) {
        if (!rows.containsKey(rowguid)) {
            throw new IllegalArgumentException("no row " + rowguid);
        }
        rows.put(rowguid, new LinkedHashMap<>(data));
        log(rowguid, "U");
    }

    public void delete(UUID rowguid) {
        if (rows.remove(rowguid) != null) {
            log(rowguid, "D");
        }
    }

    public Map<UUID, Map<String, Object>> rows() {
        return Map.copyOf(rows);
    }

    public long lastSync() {
        return lastSync;
    }

    /** One full sync, as SyncRepository.sync() of sync_client runs it. */
    public void sync() {
        server = servers.get(syncs++ % servers.size());
        try {
            refresh();
            List<Map<String, Object>> pending = pull();
            refresh();
            push(pending);
            log.clear();
        } finally {
            refresh();
            expectOk(server.post("/cancelSync/" + device.realm(), Map.of("clientId", device.clientId().toString()),
                    "Authorization", device.bearer()));
        }
    }

    private List<Map<String, Object>> pull() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("clientId", device.clientId().toString());
        body.put("lastSync", lastSync);
        body.put("isPartial", 0);
        body.put("changes", changes(false));
        JsonNode answer = expectOk(server.post(path("pull"), body, "Authorization", device.bearer())).json();
        for (JsonNode rowguid : answer.get("outdatedRowsGuid")) {
            log.remove(UUID.fromString(rowguid.asText()));
        }
        for (JsonNode change : answer.get("data")) {
            apply(change);
        }
        return changes(true);
    }

    private void push(List<Map<String, Object>> changes) {
        int batches = Math.max(1, (changes.size() + PUSH_BATCH - 1) / PUSH_BATCH);
        for (int batch = 0; batch < batches; batch++) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("clientId", device.clientId().toString());
            body.put("lastSync", lastSync);
            body.put("isPartial", batch < batches - 1 ? 1 : 0);
            body.put("changes", changes.subList(batch * PUSH_BATCH, Math.min(changes.size(), (batch + 1) * PUSH_BATCH)));
            if (batch > 0) {
                refresh();
            }
            JsonNode answer = expectOk(server.post(path("push"), body, "Authorization", device.bearer())).json();
            lastSync = answer.get("lastSync").asLong();
        }
    }

    private void apply(JsonNode change) {
        UUID rowguid = UUID.fromString(change.get("rowguid").asText());
        if (change.get("operation").asText().equals("D")) {
            rows.remove(rowguid);
        } else {
            Map<String, Object> data = new LinkedHashMap<>();
            change.get("rowData").properties().forEach(e -> data.put(e.getKey(), e.getValue().isNumber()
                    ? e.getValue().numberValue() : e.getValue().asText()));
            rows.put(rowguid, data);
        }
    }

    private List<Map<String, Object>> changes(boolean withRowData) {
        List<Map<String, Object>> changes = new ArrayList<>();
        log.forEach((rowguid, logged) -> {
            Map<String, Object> change = new LinkedHashMap<>();
            change.put("operation", logged.operation());
            change.put("rowguid", rowguid.toString());
            change.put("tablename", TABLE);
            change.put("clientdate", logged.clientdate());
            if (withRowData) {
                change.put("rowData", logged.operation().equals("D") ? Map.of() : rows.get(rowguid));
            }
            changes.add(change);
        });
        return changes;
    }

    private void log(UUID rowguid, String operation) {
        long now = System.currentTimeMillis() + clockOffset.get();
        LoggedChange previous = log.get(rowguid);
        if (previous != null && previous.operation().equals("I")) {
            if (operation.equals("D")) {
                log.remove(rowguid);
            } else {
                log.put(rowguid, new LoggedChange("I", now));
            }
            return;
        }
        log.remove(rowguid);
        log.put(rowguid, new LoggedChange(operation, now));
    }

    private void refresh() {
        device = new Accounts(server).refreshed(device);
    }

    private String path(String operation) {
        return "/" + operation + "/" + device.realm() + (legacyPaths ? "" : "/" + device.clientId());
    }

    private static Response expectOk(Response response) {
        if (response.status() != 200) {
            throw new IllegalStateException("sync call failed: " + response);
        }
        return response;
    }
}
