package org.syncserver.ops;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.Timeouts;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestServer;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The database's machine freezes (every PostgreSQL process stopped with SIGSTOP: connections stay open, nothing
 * answers, nothing is reset): a call still answers 503 within its timeouts instead of hanging, and the realm works
 * again once the database thaws. The server's database sockets have no socket timeout; a watchdog bounds them.
 */
class FrozenDatabaseTest {

    /** The statement's silence bound is 2 s; a connection is awaited 1 s. */
    private static final Timeouts TIMEOUTS = new Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofSeconds(2));
    /** A client's request timeout: generous beside the bounds above, far below a hang. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    @Test
    void aCallToARealmWhoseDatabaseFroze503sWithinItsTimeoutsAndTheRealmWorksAgainOnceItThaws() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            RealmConfig realm = new RealmConfig("default", postgres.getJdbcUrl("postgres", "postgres"), "postgres",
                    null, RealmConfig.DEFAULT_POOL_SIZE);
            try (TestServer server = TestConfig.realms(realm).timeouts(TIMEOUTS).start()) {
                Accounts accounts = new Accounts(server);
                Accounts.Device device = accounts.device("default", "frozen@example.com", "pw", true);
                assertThat(pull(server, device).status()).isEqualTo(200);

                List<Long> processes = processesOf(postgres);
                signal("STOP", processes);
                try {
                    // the first call finds a connection used a moment ago (its statement waits), the second one
                    // idle for longer than HikariCP trusts (its validation waits)
                    for (int call = 1; call <= 2; call++) {
                        Response frozen = CompletableFuture.supplyAsync(() -> pull(server, device))
                                .get(REQUEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                        assertThat(frozen.status()).as("call %d against the frozen database: %s", call, frozen.body())
                                .isEqualTo(503);
                        assertThat(frozen.message())
                                .isEqualTo("The database of realm 'default' is not available right now, please retry later");
                        Thread.sleep(600);
                    }
                } finally {
                    signal("CONT", processes);
                }

                long deadline = System.nanoTime() + REQUEST_TIMEOUT.toNanos();
                Response thawed;
                do { // the first pull's sync is still open: the device ends it, as the client does after an error
                    thawed = server.post("/cancelSync/default", Map.of("clientId", device.clientId().toString()),
                            "Authorization", device.bearer());
                } while (thawed.status() == 503 && System.nanoTime() < deadline);
                assertThat(thawed.status()).as("the realm works again: %s", thawed.body()).isEqualTo(200);
                assertThat(pull(server, device).status()).isEqualTo(200);
            }
        }
    }

    private static Response pull(TestServer server, Accounts.Device device) {
        return server.post("/pull/default", Map.of("clientId", device.clientId().toString(), "lastSync", 0),
                "Authorization", device.bearer());
    }

    /** The postmaster (the parent of any backend) and all its children. */
    private static List<Long> processesOf(EmbeddedPostgres postgres) throws SQLException {
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT pg_backend_pid()")) {
            rows.next();
            ProcessHandle postmaster = ProcessHandle.of(rows.getLong(1)).orElseThrow().parent().orElseThrow();
            List<Long> processes = new ArrayList<>();
            processes.add(postmaster.pid());
            postmaster.children().forEach(child -> processes.add(child.pid()));
            return processes;
        }
    }

    private static void signal(String signal, List<Long> processes) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        processes.forEach(pid -> command.add(String.valueOf(pid)));
        // a backend that ended meanwhile makes kill fail for it alone; the others are signalled
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor();
    }
}
