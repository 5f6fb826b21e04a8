package org.syncserver.account;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.ConsoleClient;
import org.syncserver.support.Response;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #28: a user deleted (by an operator, or by unregister with deleteRemoteData) while one of their devices
 * pushes is deleted whole: the delete used to remove the rows before it took the user's locks, so the rows of a
 * push committing in between stayed, with no user.
 */
class DeleteWhilePushingTest {

    private static final int RACES = 50;
    private static final int ROWS_PER_PUSH = 300;
    private static RealmConfig realm;
    private static TestServer server;
    private static Accounts accounts;

    @BeforeAll
    static void start() {
        realm = TestPostgres.newRealm("default");
        server = TestConfig.realms(realm).admin(ConsoleClient.admin(1_000)).start();
        accounts = new Accounts(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aUserDeletedWhileTheirDevicePushesLeavesNoRowBehind() throws Exception {
        ConsoleClient operator = new ConsoleClient(server).loggedIn();
        try (ExecutorService threads = Executors.newFixedThreadPool(2)) {
            for (int race = 0; race < RACES; race++) {
                Device device = accounts.device("default", "race-" + UUID.randomUUID() + "@example.com", "pw", true);
                UUID userId = userIdOf(device);
                assertThat(pull(device).status()).isEqualTo(200);
                boolean byOperator = race % 2 == 0;
                CountDownLatch go = new CountDownLatch(1);
                CompletableFuture<Response> push = CompletableFuture.supplyAsync(() -> {
                    await(go);
                    return push(device);
                }, threads);
                CompletableFuture<Response> delete = CompletableFuture.supplyAsync(() -> {
                    await(go);
                    return byOperator ? operator.delete("/api/realms/default/users/" + userId) : accounts.unregister(device, true);
                }, threads);
                go.countDown();

                assertThat(delete.join().status()).as("the delete, race " + race).isEqualTo(200);
                assertThat(push.join().status()).as("the push, race " + race).isIn(200, 401, 403);
                assertThat(leftOf(userId)).as("what is left of the user after race " + race + " (by "
                        + (byOperator ? "operator" : "unregister") + ")").isZero();
            }
        }
    }

    private static long leftOf(UUID userId) {
        long left = 0;
        for (String table : List.of("sync_rows", "sync_conflicts", "user_clients", "users_pin", "upload_chunks",
                "upload_outcomes")) {
            left += TestPostgres.count(realm, table + " WHERE userid = '" + userId + "'");
        }
        return left + TestPostgres.count(realm, "users WHERE id = '" + userId + "'");
    }

    private static Response pull(Device device) {
        return server.post("/pull/default", Map.of("clientId", device.clientId().toString(), "lastSync", 0),
                "Authorization", device.bearer());
    }

    private static Response push(Device device) {
        List<Map<String, Object>> changes = new ArrayList<>();
        for (int i = 0; i < ROWS_PER_PUSH; i++) {
            changes.add(Map.of("operation", "I", "rowguid", UUID.randomUUID().toString(), "tablename", "todos",
                    "clientdate", 1_000 + i, "rowData", Map.of("title", "row " + i)));
        }
        return server.post("/push/default", Map.of("clientId", device.clientId().toString(), "lastSync", 0,
                "isPartial", 0, "changes", changes), "Authorization", device.bearer());
    }


    private static UUID userIdOf(Device device) {
        return (UUID) TestPostgres.queryValue(realm,
                "SELECT userid FROM user_clients WHERE clientid = '" + device.clientId() + "'");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
