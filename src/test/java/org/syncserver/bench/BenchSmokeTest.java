package org.syncserver.bench;

import org.junit.jupiter.api.Test;
import org.syncserver.config.Config;
import org.syncserver.config.RealmConfig;
import org.syncserver.sync.SyncFloor;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every benchmark scenario runs, at tiny sizes, against the real server, and the data arrives: each scenario
 * checks what the devices received and fails otherwise. No timing is asserted.
 */
class BenchSmokeTest {

    @Test
    void everyScenarioCompletesWithItsDataVerifiedAndTheReportIsWritten() throws Exception {
        RealmConfig realm = TestPostgres.newRealm("bench");
        try (TestServer server = TestConfig.realms(realm).notifications(new Config.Notifications(1_000, 1_000,
                Duration.ofSeconds(15), Duration.ofSeconds(10), 1_000)).start()) {
            BenchDatabase database = new BenchDatabase(realm.jdbcUrl(), realm.user(), realm.password());
            BenchRun run;
            try (SyncFloor floor = SyncFloor.open(realm)) {
                run = BenchRun.execute(new BenchClient(server.uri("/")), "bench", Sizes.SMOKE,
                        new DatabaseReference(database), new Seeder(database),
                        new BenchRun.Servers(Optional.empty(), OptionalLong::empty,
                                new CpuMeter(OptionalLong.empty(), database), floor), step -> { });
            }

            assertThat(run.ingest().rows()).isEqualTo(Sizes.SMOKE.ingestRows());
            assertThat(run.ingestRuns().floor()).as("the floor's rows were pulled back over HTTP, each one")
                    .singleElement().satisfies(floor -> assertThat(floor.rows()).isEqualTo(Sizes.SMOKE.ingestRows()));
            assertThat(run.steadyRuns().floor()).singleElement().satisfies(floor -> {
                assertThat(floor.errors()).isZero();
                assertThat(floor.syncs()).isPositive();
            });
            assertThat(run.bareCalls().calls()).isEqualTo(Sizes.SMOKE.bareCalls());
            assertThat(run.bareCalls().p50Ms()).isPositive();
            assertThat(run.bigPush().rows()).isEqualTo(Sizes.SMOKE.bigPushRows());
            assertThat(run.bootstrap().rows()).as("the fresh device got every ingested row").isEqualTo(Sizes.SMOKE.ingestRows());
            assertThat(run.bootstrapLarge().rows()).isEqualTo(Sizes.SMOKE.bootstrapLargeRows());
            assertThat(run.steady().errors()).isZero();
            assertThat(run.steady().syncs()).isPositive();
            assertThat(run.steadyHigh().errors()).isZero();
            assertThat(run.fanout().latenciesMs()).hasSize(Sizes.SMOKE.fanoutRounds());
            assertThat(run.incremental().largeMedianMs()).isPositive();
            assertThat(run.reference().insertsPerSecondIn100s()).isPositive();
            assertThat(run.events()).singleElement().satisfies(events -> {
                assertThat(events.missed()).as("every stream heard every push").isZero();
                assertThat(events.streams()).isEqualTo(Sizes.SMOKE.eventStreams());
                assertThat(events.latenciesMs()).hasSize(events.listening() * Sizes.SMOKE.eventRounds());
            });
            assertThat(run.idle().heapWith()).isPositive();
            // PostgreSQL's share is not asserted here: the tests' PostgreSQL also serves the other test classes,
            // whose backends come and go meanwhile. The benchmark runs a PostgreSQL of its own.
            assertThat(run.cpu().generator()).as("the load generator's own CPU is always known").isPositive();
            assertThat(run.idle().steady().errors()).isZero();

            String report = Report.markdown(run, "- machine: test", "settings: test", "chart.svg",
                    "../docs/performance.md", false);
            assertThat(report).contains("CPU seconds per 1,000 syncs").contains("| ingest against the floor")
                    .contains("| steady against the floor").contains("| HTTP alone: ");
            assertThat(report).as("targets set for the published sizes are not judged at quick sizes")
                    .doesNotContain("**no**").contains("n/a (quick sizes)")
                    .contains("[performance.md](../docs/performance.md)");
            assertThat(report).contains("| ingest", "| big push", "| bootstrap", "| steady", "| fanout", "| incremental");
            assertThat(Report.svg(run)).startsWith("<svg").endsWith("</svg>\n");
        }
    }

    @Test
    void theConsoleBenchmarkSeedsARealmAndTimesEveryPage() throws Exception {
        RealmConfig realm = TestPostgres.newRealm("default");
        Config.Admin admin = new Config.Admin("127.0.0.1", 0, java.util.Map.of(), java.util.List.of(
                new org.syncserver.identity.PasswordHasher().hash(ConsoleBench.API_TOKEN).hash()),
                Config.Admin.DEFAULT_SESSION_IDLE, 5);
        try (TestServer server = TestConfig.realms(realm).admin(admin).start()) {
            BenchDatabase database = new BenchDatabase(realm.jdbcUrl(), realm.user(), realm.password());
            ConsoleBench.seed(database, 1_000, 3, step -> { });

            ConsoleBench.Result result = ConsoleBench.measure(server.consoleUri("/"), "default", 1_000,
                    Duration.ZERO, step -> { });

            assertThat(result.rows()).isEqualTo(3_000);
            assertThat(result.timings()).hasSize(7).allSatisfy(timing -> assertThat(timing.listed()).isPositive());
            assertThat(result.timings().get(0).listed()).as("a part only one user has").isEqualTo(1);
            assertThat(ConsoleBench.markdown(result, "- machine: test")).contains("| search, a part every user has");
        }
    }
}
