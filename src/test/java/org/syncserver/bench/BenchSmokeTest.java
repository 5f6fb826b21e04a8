package org.syncserver.bench;

import org.junit.jupiter.api.Test;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every benchmark scenario runs, at tiny sizes, against the real server, and the data arrives: each scenario
 * checks what the devices received and fails otherwise. No timing is asserted.
 */
class BenchSmokeTest {

    @Test
    void everyScenarioCompletesWithItsDataVerifiedAndTheReportIsWritten() throws Exception {
        RealmConfig realm = TestPostgres.newRealm("bench");
        try (TestServer server = TestConfig.realms(realm).start()) {
            BenchDatabase database = new BenchDatabase(realm.jdbcUrl(), realm.user(), realm.password());
            BenchRun run = BenchRun.execute(new BenchClient(server.uri("/")), "bench", Sizes.SMOKE,
                    new DatabaseReference(database), new Seeder(database), step -> { });

            assertThat(run.ingest().rows()).isEqualTo(Sizes.SMOKE.ingestRows());
            assertThat(run.bigPush().rows()).isEqualTo(Sizes.SMOKE.bigPushRows());
            assertThat(run.bootstrap().rows()).as("the fresh device got every ingested row").isEqualTo(Sizes.SMOKE.ingestRows());
            assertThat(run.bootstrapLarge().rows()).isEqualTo(Sizes.SMOKE.bootstrapLargeRows());
            assertThat(run.steady().errors()).isZero();
            assertThat(run.steady().syncs()).isPositive();
            assertThat(run.steadyHigh().errors()).isZero();
            assertThat(run.fanout().latenciesMs()).hasSize(Sizes.SMOKE.fanoutRounds());
            assertThat(run.incremental().largeMedianMs()).isPositive();
            assertThat(run.reference().insertsPerSecondIn100s()).isPositive();

            String report = Report.markdown(run, "- machine: test", "settings: test", "chart.svg");
            assertThat(report).contains("| ingest", "| big push", "| bootstrap", "| steady", "| fanout", "| incremental");
            assertThat(Report.svg(run)).startsWith("<svg").endsWith("</svg>\n");
        }
    }
}
