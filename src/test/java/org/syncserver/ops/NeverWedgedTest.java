package org.syncserver.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** With the realm's only connection busy, requests queue briefly, then get a clear 503; nothing waits forever. */
@Isolated // timed assertions: runs alone, not beside other test classes
class NeverWedgedTest {

    @Test
    void anExhaustedPoolAnswers503AndTheServerRecoversOnceTheConnectionIsFree() throws Exception {
        RealmConfig base = TestPostgres.newRealm("default");
        RealmConfig realm = new RealmConfig(base.name(), base.jdbcUrl(), base.user(), base.password(), 1);
        try (TestServer server = TestConfig.realms(realm).timeouts(TestConfig.SHORT_TIMEOUTS).start()) {
            Accounts accounts = new Accounts(server);
            Accounts.Device device = accounts.device("default", "wedge@example.com", "pw", true);
            server.post("/pull/default", Map.of("clientId", device.clientId().toString(), "lastSync", 0),
                    "Authorization", device.bearer());
            CompletableFuture<Response> push;
            try (Connection blocker = DriverManager.getConnection(realm.jdbcUrl(), "postgres", null);
                 Statement statement = blocker.createStatement()) {
                blocker.setAutoCommit(false);
                statement.execute("SELECT 1 FROM users WHERE email = 'wedge@example.com' FOR UPDATE");
                // the push takes the pool's only connection and waits for the user's row lock
                push = CompletableFuture.supplyAsync(() -> server.post("/push/default", Map.of(
                        "clientId", device.clientId().toString(), "lastSync", 0, "changes", List.of(Map.of(
                                "operation", "I", "rowguid", UUID.randomUUID().toString(), "tablename", "todos",
                                "clientdate", 1, "rowData", Map.of("a", 1)))), "Authorization", device.bearer()));
                Thread.sleep(500);

                Response queued = accounts.refresh("default", device.refreshToken());

                assertThat(queued.status()).isEqualTo(503);
                assertThat(queued.message()).isEqualTo(
                        "The database of realm 'default' is not available right now, please retry later");
                blocker.rollback();
            }
            assertThat(push.get().status()).as("the push went through once the lock was free").isEqualTo(200);
            assertThat(accounts.refresh("default", device.refreshToken()).status()).isEqualTo(200);
        }
    }
}
