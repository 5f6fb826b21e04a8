package org.syncserver.failover;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;
import org.syncserver.config.Config;
import org.syncserver.config.ConfigLoader;
import org.syncserver.support.AutoFailover;
import org.syncserver.support.ServerProcess;
import org.syncserver.support.TestServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A realm on a pg_auto_failover formation (README "High availability": a monitor, a primary and a synchronous
 * standby; the realm's URL names both nodes), 20 devices syncing, and the primary's machine lost: killed, or frozen
 * with its sockets open. The monitor promotes the standby by itself; writes resume on it without the server being
 * told; meanwhile calls fail with 503 and Retry-After, none hangs past the timeouts; no acknowledged push is lost and
 * the devices converge. Runs where pg_auto_failover is installed (.ci/run installs it).
 */
@Isolated // timed figures: runs alone
class FailoverTest {

    /** Short production timeouts: pool wait 1 s, row lock 3 s, statement silence 5 s. */
    private static final String TIMEOUTS = """
            "timeouts": {"poolWaitMs": 1000, "lockWaitMs": 3000, "statementMs": 5000, "realmRetryMs": 200}""";
    /** The longest a sync may take: a silent statement, the wait for a connection, and slack for a busy machine. */
    private static final Duration LONGEST_SYNC = Duration.ofSeconds(5 + 1 + 6);
    private static final int USERS = 10;
    private static final int DEVICES_PER_USER = 2;

    @TempDir
    Path dir;

    @BeforeEach
    void haManagerInstalled() {
        assumeTrue(AutoFailover.installed(), "pg_auto_failover is not installed (Debian: apt-get install "
                + "postgresql-15-auto-failover)");
    }

    @Test
    void writesResumeOnThePromotedStandbyWhenThePrimaryIsKilledAndNoAcknowledgedPushIsLost() throws Exception {
        survives("SIGKILL", AutoFailover::killPrimary);
    }

    @Test
    void aFrozenPrimaryHoldsNoCallPastTheTimeoutsAndWritesResumeOnThePromotedStandby() throws Exception {
        survives("SIGSTOP", AutoFailover::freezePrimary);
    }

    private void survives(String failure, Consumer<AutoFailover> loseThePrimary) throws Exception {
        try (AutoFailover database = AutoFailover.start();
             TestServer server = TestServer.start(config(database.url()))) {
            DeviceFleet fleet = new DeviceFleet(server, "ha", USERS, DEVICES_PER_USER);
            fleet.start();
            Thread.sleep(3_000);

            String lost = database.primary();
            loseThePrimary.accept(database);
            long lostAt = System.nanoTime(); // once every process of the primary is killed or stopped
            Duration promotion = database.awaitPromotion(lost, Duration.ofSeconds(60));
            long resumedAt = fleet.awaitAcknowledgedSyncAfter(lostAt, Duration.ofSeconds(60));
            Thread.sleep(3_000);
            assertThat(fleet.stop()).as("devices still waiting for an answer").isZero();
            long failedSyncs = fleet.failedSyncs();
            Map<Integer, Long> failures = fleet.failuresByStatus();
            // A sync lock taken on the old primary just before it was lost outlives the failover; the server renews
            // its instance when it sees the failover, which frees such locks at once (no 2-minute takeover).
            int stuck = fleet.converge(Duration.ofSeconds(60));

            Set<UUID> stored = storedRows(database);
            Set<UUID> acknowledged = fleet.acknowledged();
            long lostPushes = acknowledged.stream().filter(row -> !stored.contains(row)).count();
            long divergent = fleet.divergentDevices(DEVICES_PER_USER);
            System.out.printf("Failover (%s of the primary, %d devices): first acknowledged sync %d ms after the loss"
                            + " (standby promoted by pg_auto_failover after %d ms); %d syncs failed meanwhile %s; slowest sync %d ms; "
                            + "%d pushes acknowledged, %d lost; %d devices divergent, %d could not sync after; "
                            + "%d devices logged out (their last token rotation was lost), %d refused as already "
                            + "syncing (a lock of the old primary)%n",
                    failure, fleet.size(), resumedAt < 0 ? -1 : (resumedAt - lostAt) / 1_000_000, promotion.toMillis(),
                    failedSyncs, failures, fleet.slowestSync().toMillis(), acknowledged.size(), lostPushes, divergent,
                    stuck, fleet.loggedOut(), fleet.lockedOut());

            assertThat(resumedAt).as("writes resumed on the promoted standby").isPositive();
            assertThat(failures.keySet()).as("a lost primary is answered 503, never 500 or no answer; 403: a refresh "
                    + "token whose rotation was lost; 409: a lock of the old primary; refused otherwise: "
                    + fleet.unexpectedRefusals()).isSubsetOf(503, 403, 409);
            assertThat(fleet.slowestSync()).as("no call hangs past the timeouts").isLessThan(LONGEST_SYNC);
            assertThat(lostPushes).as("acknowledged pushes lost").isZero();
            assertThat(stuck).as("devices that could not sync after the failover").isZero();
            assertThat(divergent).as("devices whose rows differ from their user's other device").isZero();
            assertThat(fleet.acknowledgedMissingOnDevices()).isZero();
            assertThat(server.get("/readyz").status()).isEqualTo(200);
            assertThat(server.get("/metrics").body()).as("the failover is seen")
                    .contains("sync_database_failovers_total{realm=\"ha\"} 1.0");
        }
    }

    private Config config(String url) throws Exception {
        Path file = Files.writeString(dir.resolve("config.json"), """
                {"server": {"host": "127.0.0.1"}, "db": {"realms": {"ha": "%s"}}, %s}
                """.formatted(url, TIMEOUTS));
        return new ConfigLoader(Map.of("RATE_LIMIT_DISABLE", "1", "PORT",
                String.valueOf(ServerProcess.freePort()))).load(Optional.of(file), file, dir.resolve("data"));
    }

    private static Set<UUID> storedRows(AutoFailover database) {
        String all = String.valueOf(database.queryPrimary("SELECT string_agg(rowguid::text, ',') FROM sync_rows"));
        return java.util.Arrays.stream(all.split(",")).filter(s -> !s.isBlank() && !s.equals("null"))
                .map(UUID::fromString).collect(Collectors.toSet());
    }
}
