package org.syncserver.bench;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import static org.syncserver.bench.BenchClient.map;

/**
 * One simulated device of the benchmark: an account and a {@link SyncSession} over the lean benchmark client. It
 * keeps no local table: it only counts what it receives. Not thread-safe.
 */
final class BenchDevice {

    static final int PUSH_BATCH = SyncSession.PUSH_BATCH;

    private final BenchClient client;
    /** How its syncs travel: the server over HTTP, or the floor (the server's SQL without the server). */
    private final SyncSession.Transport transport;
    private final String realm;
    private final String email;
    final UUID clientId;
    private final SyncSession session;

    private BenchDevice(BenchClient client, SyncSession.Transport transport, String realm, String email,
                        UUID clientId, SyncSession session) {
        this.client = client;
        this.transport = transport;
        this.realm = realm;
        this.email = email;
        this.clientId = clientId;
        this.session = session;
    }

    /** Registers a new user (or a further device of it) and logs the device in. */
    static BenchDevice register(BenchClient client, String realm, String email, boolean newUser) {
        UUID clientId = UUID.randomUUID();
        String password = "bench-password";
        client.post("/register/" + realm, map("name", "Bench", "email", email, "password", password,
                "clientId", clientId.toString(), "clientDescription", "{\"name\":\"bench\"}",
                "newRegistration", newUser, "language", "en"), null);
        SyncSession session = new SyncSession(realm, clientId, false, client.post("/login/" + realm,
                map("clientId", clientId.toString()), BenchClient.basic(email, password)));
        return new BenchDevice(client, client, realm, email, clientId, session);
    }

    BenchDevice anotherDevice() {
        return register(client, realm, email, false);
    }

    /** The same device, its syncs answered by another transport from now on (registered over HTTP all the same). */
    BenchDevice syncingThrough(SyncSession.Transport other) {
        return new BenchDevice(client, other, realm, email, clientId, session);
    }

    /** One full sync with these local changes; every row the server sends goes to {@code received}. */
    void sync(List<Map<String, Object>> changes, Consumer<String> received) {
        sync(changes, received, () -> { });
    }

    /** @param afterPush runs once the last push has been answered: the changes are stored */
    void sync(List<Map<String, Object>> changes, Consumer<String> received, Runnable afterPush) {
        session.sync(transport, changes, row -> received.accept(row.get("rowguid").asText()), afterPush);
    }

    /** A pull and one push of any size, without the client's batching (the "big push" case). */
    void pullThenPush(List<Map<String, Object>> changes) {
        session.refresh(client);
        session.pull(client, List.of(), row -> { }, outdated -> { });
        session.refresh(client);
        session.storeLastSync(session.push(client, changes, false));
    }

    String email() {
        return email;
    }

    String bearer() {
        return session.bearer();
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
