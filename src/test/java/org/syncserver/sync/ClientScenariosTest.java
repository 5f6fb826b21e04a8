package org.syncserver.sync;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.syncserver.config.TokenMode;
import org.syncserver.support.Accounts;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The five scenarios of sync_client's own integration test (PROTOCOL §9), for each kind of client. */
class ClientScenariosTest {

    enum Client {
        TOKEN_MODE(TokenMode.OPAQUE, false),
        JWT_MODE(TokenMode.JWT, false),
        CLIENT_2024_PATHS(TokenMode.OPAQUE, true);

        final TokenMode mode;
        final boolean legacyPaths;

        Client(TokenMode mode, boolean legacyPaths) {
            this.mode = mode;
            this.legacyPaths = legacyPaths;
        }
    }

    private static TestServer opaqueServer;
    private static TestServer jwtServer;

    @BeforeAll
    static void start() {
        opaqueServer = TestServer.start(TokenMode.OPAQUE, TestPostgres.newRealm("integration_test"));
        jwtServer = TestServer.start(TokenMode.JWT, TestPostgres.newRealm("integration_test"));
    }

    @AfterAll
    static void stop() {
        opaqueServer.close();
        jwtServer.close();
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void twoDevicesOfOneUserConvergeThroughTheFiveScenarios(Client client) throws InterruptedException {
        TestServer server = client.mode == TokenMode.JWT ? jwtServer : opaqueServer;
        Accounts accounts = new Accounts(server);
        String email = UUID.randomUUID() + "@example.com";
        SyncDevice device1 = new SyncDevice(server, accounts.device("integration_test", email, "pw", true), client.legacyPaths);
        SyncDevice device2 = new SyncDevice(server, accounts.device("integration_test", email, "pw", false), client.legacyPaths);

        // 1. each device inserts two rows; sync 1, sync 2: device 2 has all four
        UUID first = device1.insert(Map.of("title", "one"));
        device1.insert(Map.of("title", "two"));
        device2.insert(Map.of("title", "three"));
        device2.insert(Map.of("title", "four"));
        device1.sync();
        device2.sync();
        assertThat(device2.rows()).hasSize(4);

        // 2. device 2 deletes one of device 1's rows; sync 2, sync 1: device 1 has three
        device2.delete(first);
        device2.sync();
        device1.sync();
        assertThat(device1.rows()).hasSize(3).doesNotContainKey(first);

        // 3. device 1 edits a row; sync 1, sync 2: device 2 has the edit
        UUID edited = device1.rows().keySet().iterator().next();
        device1.update(edited, Map.of("title", "edited by 1"));
        device1.sync();
        device2.sync();
        assertThat(device2.rows().get(edited)).containsEntry("title", "edited by 1");

        // 4. device 2 edits a row, then device 1 edits it; sync 1, 2, 1: both hold device 1's edit
        device2.update(edited, Map.of("title", "older edit by 2"));
        Thread.sleep(5);
        device1.update(edited, Map.of("title", "newer edit by 1"));
        device1.sync();
        device2.sync();
        device1.sync();
        assertThat(device1.rows().get(edited)).containsEntry("title", "newer edit by 1");
        assertThat(device2.rows().get(edited)).containsEntry("title", "newer edit by 1");

        // 5. device 2 deletes a row and syncs; device 1 then edits it and syncs; device 2 syncs: the row is back
        device2.delete(edited);
        device2.sync();
        Thread.sleep(5);
        device1.update(edited, Map.of("title", "revived by 1"));
        device1.sync();
        device2.sync();
        assertThat(device2.rows().get(edited)).containsEntry("title", "revived by 1");
        assertThat(device2.rows()).isEqualTo(device1.rows());
    }
}
