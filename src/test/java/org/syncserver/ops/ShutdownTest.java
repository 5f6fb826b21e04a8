package org.syncserver.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.TokenMode;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** Stopping the server while a large push is in flight: the push finishes, and is stored whole. */
@Isolated // timed assertions: runs alone, not beside other test classes
class ShutdownTest {

    private static final int CHANGES = 30_000;

    @Test
    void aPushInFlightWhenTheServerStopsIsAnsweredAndStoredWhole() throws Exception {
        RealmConfig realm = TestPostgres.newRealm("default");
        TestServer server = TestServer.start(TokenMode.OPAQUE, realm);
        Accounts.Device device = new Accounts(server).device("default", "stop@example.com", "pw", true);
        server.post("/pull/default", Map.of("clientId", device.clientId().toString(), "lastSync", 0),
                "Authorization", device.bearer());
        List<Map<String, Object>> changes = new ArrayList<>();
        for (int i = 0; i < CHANGES; i++) {
            changes.add(Map.of("operation", "I", "rowguid", UUID.randomUUID().toString(), "tablename", "todos",
                    "clientdate", i, "rowData", Map.of("n", i, "text", "x".repeat(100))));
        }
        Map<String, Object> push = Map.of("clientId", device.clientId().toString(), "lastSync", 0, "isPartial", 0,
                "changes", changes);

        CompletableFuture<Response> answer = CompletableFuture.supplyAsync(
                () -> server.post("/push/default", push, "Authorization", device.bearer()));
        while (((Number) TestPostgres.queryValue(realm,
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%INSERT INTO sync_rows%' "
                        + "AND pid <> pg_backend_pid()")).longValue() == 0
                && !answer.isDone()) {
            Thread.sleep(5);
        }
        server.close();

        assertThat(answer.get().status()).as("the push in flight was answered").isEqualTo(200);
        assertThat(TestPostgres.count(realm, "sync_rows")).as("and stored whole").isEqualTo(CHANGES);
    }
}
