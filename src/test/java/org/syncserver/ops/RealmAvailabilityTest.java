package org.syncserver.ops;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.net.ServerSocket;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** A realm whose database is down fails only its own requests, shows in /readyz, and recovers by itself. */
class RealmAvailabilityTest {

    @Test
    void aRealmWithoutItsDatabaseAnswers503WhileOthersWorkAndRecoversWhenTheDatabaseAppears() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        RealmConfig good = TestPostgres.newRealm("good");
        RealmConfig late = new RealmConfig("late", "jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", null, 5);

        try (TestServer server = TestConfig.realms(good, late).start()) {
            Accounts accounts = new Accounts(server);
            Response ready = server.get("/readyz");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.json().get("realms").get("good").asText()).isEqualTo("up");
            assertThat(ready.json().get("realms").get("late").asText()).isEqualTo("down");
            assertThat(ready.message()).contains("late");
            assertThat(server.get("/healthz").status()).as("the process itself is alive").isEqualTo(200);

            assertThat(accounts.register("good", "a@example.com", "pw", UUID.randomUUID(), true).status()).isEqualTo(200);
            Response down = accounts.register("late", "a@example.com", "pw", UUID.randomUUID(), true);
            assertThat(down.status()).isEqualTo(503);
            assertThat(down.message()).isEqualTo("The database of realm 'late' is not available right now, please retry later");

            try (EmbeddedPostgres ignored = EmbeddedPostgres.builder().setPort(port).start()) {
                long deadline = System.currentTimeMillis() + 60_000;
                while (server.get("/readyz").status() != 200 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(200);
                }
                assertThat(server.get("/readyz").status()).isEqualTo(200);
                assertThat(accounts.register("late", "a@example.com", "pw", UUID.randomUUID(), true).status())
                        .isEqualTo(200);
            }
        }
    }
}
