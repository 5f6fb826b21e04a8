package org.syncserver.sync;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.TokenMode;
import org.syncserver.support.Accounts;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** No user reaches another user's rows, and no realm another realm's, whatever ids they send. */
class IsolationTest {

    private static RealmConfig todos;
    private static RealmConfig notes;
    private static TestServer server;
    private static Accounts accounts;

    @BeforeAll
    static void start() {
        todos = TestPostgres.newRealm("todos");
        notes = TestPostgres.newRealm("notes");
        server = TestServer.start(TokenMode.OPAQUE, todos, notes);
        accounts = new Accounts(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void pushingAnotherUsersRowguidNeitherOverwritesNorDeletesTheirRow() {
        SyncDevice alice = device("todos", "alice-" + UUID.randomUUID() + "@example.com");
        SyncDevice mallory = device("todos", "mallory-" + UUID.randomUUID() + "@example.com");
        UUID row = alice.insert(Map.of("secret", "alice's"));
        alice.sync();

        mallory.sync();
        assertThat(mallory.rows()).as("mallory sees nothing of alice").isEmpty();
        SyncDevice malloryWithStolenId = mallory;
        malloryWithStolenId.insertWithId(row, Map.of("secret", "overwritten"));
        malloryWithStolenId.sync();
        malloryWithStolenId.delete(row);
        malloryWithStolenId.sync();

        SyncDevice aliceSecondDevice = device("todos", alice.account().email(), false);
        aliceSecondDevice.sync();
        assertThat(aliceSecondDevice.rows().get(row)).containsEntry("secret", "alice's");
    }

    @Test
    void theSameEmailInTwoRealmsIsTwoUsersWithSeparateRows() {
        String email = "both-" + UUID.randomUUID() + "@example.com";
        SyncDevice inTodos = device("todos", email);
        SyncDevice inNotes = device("notes", email);
        inTodos.insert(Map.of("realm", "todos"));
        inTodos.sync();

        inNotes.sync();

        assertThat(inNotes.rows()).isEmpty();
        assertThat(TestPostgres.count(notes, "sync_rows")).isZero();
    }

    @Test
    void aTokenOfOneRealmIsUnknownInAnother() {
        Accounts.Device device = accounts.device("todos", "realmtoken-" + UUID.randomUUID() + "@example.com", "pw", true);
        var response = server.post("/pull/notes", Map.of("clientId", device.clientId().toString(), "lastSync", 0),
                "Authorization", device.bearer());
        assertThat(response.status()).isEqualTo(403);
    }

    private static SyncDevice device(String realm, String email) {
        return device(realm, email, true);
    }

    private static SyncDevice device(String realm, String email, boolean newUser) {
        return new SyncDevice(server, accounts.device(realm, email, "pw", newUser), false);
    }
}
