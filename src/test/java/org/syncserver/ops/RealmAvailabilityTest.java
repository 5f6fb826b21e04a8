package org.syncserver.ops;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.ServerProcess;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** A realm whose database is down fails only its own requests, shows in /readyz, and recovers by itself. */
@Isolated // timed assertions: runs alone, not beside other test classes
class RealmAvailabilityTest {

    @Test
    void aRealmWithoutItsDatabaseAnswers503WhileOthersWorkAndRecoversWhenTheDatabaseAppears() throws Exception {
        int port = ServerProcess.freePort();
        RealmConfig good = TestPostgres.newRealm("good");
        RealmConfig late = realmOnLocalPort("late", port);

        try (TestServer server = TestConfig.realms(good, late).timeouts(TestConfig.SHORT_TIMEOUTS).start()) {
            Accounts accounts = new Accounts(server);
            Response ready = server.get("/readyz");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.json().get("realms").get("good").asText()).isEqualTo("up");
            assertThat(ready.json().get("realms").get("late").asText()).isEqualTo("down");
            assertThat(ready.message()).contains("late");
            assertThat(server.get("/healthz").status()).as("the process itself is alive").isEqualTo(200);
            assertThat(server.get("/metrics").body()).as("the gauge of the alert SyncRealmNotReady")
                    .contains("sync_realm_ready{realm=\"good\"} 1.0").contains("sync_realm_ready{realm=\"late\"} 0.0");

            assertThat(accounts.register("good", "a@example.com", "pw", UUID.randomUUID(), true).status()).isEqualTo(200);
            Response down = accounts.register("late", "a@example.com", "pw", UUID.randomUUID(), true);
            assertThat(down.status()).isEqualTo(503);
            assertThat(down.message()).isEqualTo("The database of realm 'late' is not available right now, please retry later");

            try (EmbeddedPostgres ignored = EmbeddedPostgres.builder().setPort(port).start()) {
                awaitReady(server);
                assertThat(server.get("/readyz").status()).isEqualTo(200);
                assertThat(accounts.register("late", "a@example.com", "pw", UUID.randomUUID(), true).status())
                        .isEqualTo(200);
            }
        }
    }

    @Test
    void aRealmWhoseDatabaseStopsAnswers503WithoutHoldingUpTheOthersAndRecovers() throws Exception {
        int port = ServerProcess.freePort();
        Path dataDirectory = Files.createTempDirectory("flaky-realm");
        RealmConfig good = TestPostgres.newRealm("good");
        RealmConfig flaky = realmOnLocalPort("flaky", port);
        EmbeddedPostgres flakyDatabase = flakyPostgres(port, dataDirectory);
        try (TestServer server = TestConfig.realms(good, flaky).timeouts(TestConfig.SHORT_TIMEOUTS).start()) {
            Accounts accounts = new Accounts(server);
            awaitReady(server);
            assertThat(accounts.register("flaky", "a@example.com", "pw", UUID.randomUUID(), true).status()).isEqualTo(200);

            flakyDatabase.close();
            Response first = accounts.refresh("flaky", "not-a-stored-token");
            assertThat(first.status()).as(first.body()).isEqualTo(503);
            assertThat(first.header("Retry-After")).as("the client is told when to try again").isEqualTo("1");

            // More requests to the dead realm than the server has threads: none may keep the other realm waiting.
            List<CompletableFuture<Response>> flood = new ArrayList<>();
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 300; i++) {
                    flood.add(CompletableFuture.supplyAsync(() -> accounts.refresh("flaky", "not-a-stored-token"), clients));
                }
                long start = System.nanoTime();
                Response other = accounts.register("good", "b@example.com", "pw", UUID.randomUUID(), true);
                long tookMillis = (System.nanoTime() - start) / 1_000_000;
                assertThat(other.status()).isEqualTo(200);
                assertThat(tookMillis).as("answered without waiting behind the dead realm's requests")
                        .isLessThan(3_000);
                for (CompletableFuture<Response> response : flood) {
                    assertThat(response.get().status()).isEqualTo(503);
                    assertThat(response.get().message())
                            .isEqualTo("The database of realm 'flaky' is not available right now, please retry later");
                }
            }

            try (EmbeddedPostgres ignored = flakyPostgres(port, dataDirectory)) {
                long deadline = System.currentTimeMillis() + 30_000;
                Response login;
                do {
                    Thread.sleep(200);
                    login = accounts.register("flaky", "a@example.com", "pw", UUID.randomUUID(), false);
                } while (login.status() == 503 && System.currentTimeMillis() < deadline);
                assertThat(login.status()).as("the same users are back with their database").isEqualTo(200);
            }
        }
    }

    private static EmbeddedPostgres flakyPostgres(int port, Path dataDirectory) throws IOException {
        return EmbeddedPostgres.builder().setPort(port).setDataDirectory(dataDirectory).setCleanDataDirectory(false)
                .start();
    }

    private static void awaitReady(TestServer server) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (server.get("/readyz").status() != 200 && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
    }


    private static RealmConfig realmOnLocalPort(String name, int port) {
        return new RealmConfig(name, "jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", null, 5);
    }
}
