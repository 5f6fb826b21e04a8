package org.syncserver.bench;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** Every figure of one benchmark run. */
record BenchRun(DatabaseReference.Figures reference, Results.Throughput ingest, Results.Throughput bigPush,
                Results.Throughput bootstrap, Results.Throughput bootstrapLarge, Results.Steady steady,
                Results.Steady steadyHigh, Results.Fanout fanout, Results.Incremental incremental,
                List<Results.Events> events, Results.IdleStreams idle, Results.CpuPerSync cpu) {

    /**
     * Where the event scenarios run (a second instance on the same database when there is one), and the meters of
     * the server's memory and of every process's CPU.
     */
    record Servers(Optional<BenchClient> second, Supplier<OptionalLong> serverRss, CpuMeter cpu) {
    }

    /** Runs the reference and every scenario, in an order where each finds what it needs. */
    static BenchRun execute(BenchClient client, String realm, Sizes sizes, DatabaseReference database, Seeder seeder,
                            Servers servers, Consumer<String> progress) throws SQLException, InterruptedException {
        progress.accept("database reference (" + sizes.referenceRows() + " rows)");
        DatabaseReference.Figures reference = database.measure(sizes.referenceRows());
        Scenarios scenarios = new Scenarios(client, realm, sizes, seeder);
        progress.accept("ingest (" + sizes.ingestRows() + " rows, 100 a sync)");
        Results.Throughput ingest = scenarios.ingest();
        progress.accept("big push (" + sizes.bigPushRows() + " rows, 1,000 a push)");
        Results.Throughput bigPush = scenarios.bigPush();
        progress.accept("bootstrap (" + sizes.ingestRows() + " rows)");
        Results.Throughput bootstrap = scenarios.bootstrap();
        progress.accept("bootstrap (" + sizes.bootstrapLargeRows() + " rows)");
        Results.Throughput bootstrapLarge = scenarios.bootstrapLarge();
        progress.accept("incremental (" + sizes.incrementalSmallRows() + " vs " + sizes.bootstrapLargeRows() + " rows)");
        Results.Incremental incremental = scenarios.incremental();
        progress.accept("fanout (" + sizes.fanoutRounds() + " rounds)");
        Results.Fanout fanout = scenarios.fanout();
        progress.accept("steady (" + sizes.steadyUsers() + " users, " + sizes.steadyTime().toSeconds() + " s)");
        CpuMeter.Reading before = servers.cpu().read();
        Results.Steady steady = scenarios.steady(sizes.steadyUsers());
        Results.CpuPerSync cpu = Results.CpuPerSync.between(before, servers.cpu().read(), steady.syncs());
        progress.accept("steady (" + sizes.steadyUsersHigh() + " users, " + sizes.steadyTime().toSeconds() + " s)");
        Results.Steady steadyHigh = scenarios.steady(sizes.steadyUsersHigh());
        progress.accept("events (" + sizes.eventStreams() + " streams, " + sizes.eventRounds() + " pushes)");
        List<Results.Events> events = new ArrayList<>();
        events.add(EventsBench.pokes(client, client.base(), realm, sizes.eventStreams(), sizes.eventRounds(),
                "one instance"));
        if (servers.second().isPresent()) {
            events.add(EventsBench.pokes(servers.second().get(), client.base(), realm, sizes.eventStreams(),
                    sizes.eventRounds(), "pusher and listener on two instances"));
        }
        progress.accept("idle streams (" + sizes.idleStreams() + ", with steady " + sizes.steadyUsers() + " users)");
        Results.IdleStreams idle = EventsBench.idle(client, client.base(), realm, sizes.idleStreams(), scenarios,
                sizes.steadyUsers(), servers.serverRss());
        return new BenchRun(reference, ingest, bigPush, bootstrap, bootstrapLarge, steady, steadyHigh, fanout,
                incremental, events, idle, cpu);
    }
}
