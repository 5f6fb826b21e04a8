package org.syncserver.support;

import com.fasterxml.jackson.databind.JsonNode;
import org.syncserver.bench.SyncSession;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A device running sync_client 1.5.3, reduced to what the server sees: one local table of rows, a change log
 * collapsed to one change per row (I+U→I, I+D→nothing, U+D→D), and the client's call sequence. Not thread-safe:
 * like a real device, it does one thing at a time.
 */
public final class SyncDevice {

    public static final int PUSH_BATCH = SyncSession.PUSH_BATCH;
    public static final String TABLE = "todos";

    private record LoggedChange(String operation, long clientdate, String tablename) {
    }

    private List<TestServer> servers;
    private final Map<UUID, Map<String, Object>> rows = new HashMap<>();
    private final Map<UUID, LoggedChange> log = new LinkedHashMap<>();
    private final Map<UUID, String> tableOf = new HashMap<>();
    /** Tables this app version has (sync_client's tableInfos); null: every table. */
    private Set<String> knownTables;
    private final AtomicLong clockOffset = new AtomicLong();
    private final Accounts.Device device;
    /** The client's calls, shared with the benchmark's devices. */
    private final SyncSession session;
    private int syncs;
    /** Rows and D the device has imported from pulls, in all. */
    private long imported;
    /** The answer of the device's last call that was not answered 200, as the app's error handler would see it. */
    private volatile Response lastRefusal;
    /** The status of every call not answered 200, oldest first, until taken. */
    private final List<Integer> refusals = java.util.Collections.synchronizedList(new ArrayList<>());
    /** What happened to each row on this device, for a failing test to print: edits, changes sent, rows pulled. */
    private final Map<UUID, List<String>> history = new java.util.concurrent.ConcurrentHashMap<>();

    /** @param legacyPaths true for a 2024 client: /pull/:realm instead of /pull/:realm/:clientId */
    public SyncDevice(TestServer server, Accounts.Device device, boolean legacyPaths) {
        this(List.of(server), device, legacyPaths);
    }

    /** A device behind a load balancer: each sync goes to the next of the servers, which share the database. */
    public SyncDevice(List<TestServer> servers, Accounts.Device device, boolean legacyPaths) {
        this.servers = List.copyOf(servers);
        this.device = device;
        this.session = new SyncSession(device.realm(), device.clientId(), legacyPaths,
                TestServer.json(Map.of("accessToken", device.accessToken(), "refreshToken", device.refreshToken())));
    }

    /** The same device, its rows and cursor, talking to another server from now on (one restored from a backup). */
    public SyncDevice on(TestServer server) {
        servers = List.of(server);
        return this;
    }

    /** The account with the tokens the device holds now (sync_client refreshes them before every call). */
    public Accounts.Device account() {
        return new Accounts.Device(device.realm(), device.email(), device.password(), device.clientId(),
                session.accessToken(), session.refreshToken());
    }

    /** Sets the device's clock ahead of (positive) or behind (negative) the real time. */
    public void skewClock(long millis) {
        clockOffset.set(millis);
    }

    public UUID insert(Map<String, Object> data) {
        return insert(TABLE, data);
    }

    /** A row of another table (one that a newer version of the app added, say). */
    public UUID insert(String tablename, Map<String, Object> data) {
        UUID rowguid = UUID.randomUUID();
        rows.put(rowguid, new LinkedHashMap<>(data));
        tableOf.put(rowguid, tablename);
        log(rowguid, "I");
        return rowguid;
    }

    /**
     * The tables this device's app version knows: importing a row of any other table fails, as sync_client's
     * {@code tableInfos[tablename]!} does after an app update reached another device of the user but not this one.
     */
    public void knowOnlyTables(Set<String> tables) {
        knownTables = Set.copyOf(tables);
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

    /** The row's history on this device, oldest first (wall-clock ms, then what happened). */
    public List<String> history(UUID rowguid) {
        List<String> events = history.getOrDefault(rowguid, List.of());
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** Notes an event of the row, its text cut short: some tests push rows of megabytes. */
    private void note(UUID rowguid, String event) {
        String text = event.length() <= NOTED_CHARS ? event : event.substring(0, NOTED_CHARS) + "…";
        history.computeIfAbsent(rowguid, row -> java.util.Collections.synchronizedList(new ArrayList<>()))
                .add(System.currentTimeMillis() + " " + text);
    }

    private static final int NOTED_CHARS = 300;

    public long lastSync() {
        return session.lastSync();
    }

    /** How many rows and D the device has imported from its pulls so far. */
    public long imported() {
        return imported;
    }

    /** One full sync, as SyncRepository.sync() of sync_client runs it: pending changes up, the server's rows down. */
    public void sync() {
        TestServer server = servers.get(syncs++ % servers.size());
        session.sync(new Calls(server), changes(), this::apply, log::clear);
    }

    /** Logs the device in again with the user's password, as the app asks when its refresh token is refused. */
    public void logInAgain(Accounts accounts) {
        Response answer = accounts.login(device.realm(), device.email(), device.password(), device.clientId());
        if (answer.status() != 200) {
            throw new IllegalStateException("login failed: " + answer);
        }
        session.loggedIn(answer.json());
    }

    /** The statuses of the calls refused since the last time they were taken. */
    public List<Integer> takeRefusals() {
        synchronized (refusals) {
            List<Integer> taken = List.copyOf(refusals);
            refusals.clear();
            return taken;
        }
    }

    /**
     * A sync as the app runs it on a busy server: a 503 (e.g. a serialization conflict past its retries) means
     * "again later", and the app syncs again at its next turn; here up to eight tries, after a random pause that
     * doubles each time (devices that collided once would collide again in step), anything else fails at once.
     */
    public void syncAsTheAppWould() {
        for (int attempt = 1; ; attempt++) {
            try {
                sync();
                return;
            } catch (IllegalStateException e) {
                if (attempt == 8 || lastRefusal == null || lastRefusal.status() != 503) {
                    throw e;
                }
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextLong(50L << attempt));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    public Response lastRefusal() {
        return lastRefusal;
    }

    /** The tests' transport: the JDK client of {@link TestServer}, gzip bodies. */
    private final class Calls implements SyncSession.Transport {
        private final TestServer server;

        Calls(TestServer server) {
            this.server = server;
        }

        @Override
        public JsonNode post(String path, Object body, String authorization) {
            String[] headers = authorization == null ? new String[0] : new String[] {"Authorization", authorization};
            Response response = server.post(path, body, headers);
            if (response.status() != 200) {
                lastRefusal = response;
                refusals.add(response.status());
                throw new IllegalStateException("sync call failed: POST " + path + " → " + response);
            }
            return response.json();
        }

        @Override
        public long pull(String path, Object body, String authorization, Consumer<JsonNode> row,
                         Consumer<String> outdated) {
            JsonNode answer = post(path, body, authorization);
            answer.get("outdatedRowsGuid").forEach(rowguid -> outdated.accept(rowguid.asText()));
            answer.get("data").forEach(row);
            return answer.get("lastSync").asLong();
        }
    }

    private void apply(JsonNode change) {
        note(UUID.fromString(change.get("rowguid").asText()), "pulled " + change.get("operation").asText()
                + " serverdate " + change.get("serverdate").asText()
                + " clientdate " + change.get("clientdate").asText()
                + " by " + change.get("clientid").asText() + " " + change.get("rowData"));
        imported++;
        String tablename = change.get("tablename").asText();
        if (knownTables != null && !knownTables.contains(tablename)) {
            throw new IllegalStateException("Null check operator used on a null value (table " + tablename + ")");
        }
        UUID rowguid = UUID.fromString(change.get("rowguid").asText());
        tableOf.put(rowguid, tablename);
        if (change.get("operation").asText().equals("D")) {
            rows.remove(rowguid);
        } else {
            Map<String, Object> data = new LinkedHashMap<>();
            change.get("rowData").properties().forEach(e -> data.put(e.getKey(), e.getValue().isNumber()
                    ? e.getValue().numberValue() : e.getValue().asText()));
            rows.put(rowguid, data);
        }
    }

    /** The pending changes with their row data, read (as sync_client reads them) before the pull. */
    private List<Map<String, Object>> changes() {
        List<Map<String, Object>> changes = new ArrayList<>();
        log.forEach((rowguid, logged) -> {
            Map<String, Object> change = new LinkedHashMap<>();
            change.put("operation", logged.operation());
            change.put("rowguid", rowguid.toString());
            change.put("tablename", logged.tablename());
            change.put("clientdate", logged.clientdate());
            change.put("rowData", logged.operation().equals("D") ? Map.of() : rowDataOf(rowguid));
            note(rowguid, "sends " + logged.operation() + " clientdate " + logged.clientdate() + " "
                    + change.get("rowData"));
            changes.add(change);
        });
        return changes;
    }

    /**
     * The row's data as sync_client reads a pending change: its log LEFT JOIN its table, so a row that a pull deleted
     * after it was edited (the pull named it outdated, then the push failed and the log stayed) has none.
     */
    private Map<String, Object> rowDataOf(UUID rowguid) {
        Map<String, Object> row = rows.get(rowguid);
        return row == null ? Map.of() : new LinkedHashMap<>(row);
    }

    private void log(UUID rowguid, String operation) {
        long now = System.currentTimeMillis() + clockOffset.get();
        note(rowguid, "edit " + operation + " clientdate " + now + " " + rows.get(rowguid));
        String tablename = tableOf.getOrDefault(rowguid, TABLE);
        LoggedChange previous = log.get(rowguid);
        if (previous != null && previous.operation().equals("I")) {
            if (operation.equals("D")) {
                log.remove(rowguid);
            } else {
                log.put(rowguid, new LoggedChange("I", now, tablename));
            }
            return;
        }
        log.remove(rowguid);
        log.put(rowguid, new LoggedChange(operation, now, tablename));
    }

}
