package org.syncserver.bench;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** Every figure of one benchmark run. */
record BenchRun(DatabaseReference.Figures reference, Results.Versus<Results.Throughput> ingestRuns,
                Results.Throughput bigPush, Results.Throughput bootstrap, Results.Throughput bootstrapLarge,
                Results.Versus<Results.Steady> steadyRuns, Results.Steady steadyHigh, Results.Fanout fanout,
                Results.Incremental incremental, List<Results.Events> events, Results.IdleStreams idle,
                Results.CpuPerSync cpu, Results.CpuPerSync ingestCpu, Results.BareCalls bareCalls) {

    /**
     * Where the event scenarios run (a second instance on the same database when there is one), the meters of the
     * server's memory and of every process's CPU, and the floor: the server's SQL replayed without the server.
     */
    record Servers(Optional<BenchClient> second, Supplier<OptionalLong> serverRss, CpuMeter cpu,
                   SyncSession.Transport floor) {
    }

    /** The server's ingest: the median of its runs. */
    Results.Throughput ingest() {
        return ingestRuns.medianServerRun(Results.Throughput::rowsPerSecond);
    }

    /** The server's steady scenario: the median of its runs. */
    Results.Steady steady() {
        return steadyRuns.medianServerRun(Results.Steady::syncsPerSecond);
    }

    /** Runs the reference and every scenario, in an order where each finds what it needs. */
    static BenchRun execute(BenchClient client, String realm, Sizes sizes, DatabaseReference database, Seeder seeder,
                            Servers servers, Consumer<String> progress) throws SQLException, InterruptedException {
        progress.accept("database reference (" + sizes.referenceRows() + " rows)");
        DatabaseReference.Figures reference = database.measure(sizes.referenceRows());
        Scenarios scenarios = new Scenarios(client, realm, sizes, seeder);
        Results.Versus<Results.Throughput> ingest = new Results.Versus<>(new ArrayList<>(), new ArrayList<>());
        CpuMeter.Reading[] start = new CpuMeter.Reading[1];
        CpuMeter.Reading serverIngestCpu = CpuMeter.Reading.ZERO;
        CpuMeter.Reading floorIngestCpu = CpuMeter.Reading.ZERO;
        for (int run = 1; run <= sizes.repeats(); run++) {
            progress.accept("ingest (" + sizes.ingestRows() + " rows, 100 a sync), floor then server, run " + run);
            ingest.floor().add(scenarios.ingest(Optional.of(servers.floor()), () -> start[0] = servers.cpu().read()));
            floorIngestCpu = floorIngestCpu.plus(start[0], servers.cpu().read());
            scenarios.verifyIngest();
            ingest.server().add(scenarios.ingest(Optional.empty(), () -> start[0] = servers.cpu().read()));
            serverIngestCpu = serverIngestCpu.plus(start[0], servers.cpu().read());
        }
        int ingestSyncs = sizes.repeats() * ((sizes.ingestRows() + BenchDevice.PUSH_BATCH - 1) / BenchDevice.PUSH_BATCH);
        Results.CpuPerSync ingestCpu = Results.CpuPerSync.of(serverIngestCpu, ingestSyncs, floorIngestCpu, ingestSyncs);
        progress.accept("bare calls (" + sizes.bareCalls() + ", no database)");
        Results.BareCalls bareCalls = scenarios.bareCalls(servers.cpu());
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
        Results.Versus<Results.Steady> steady = new Results.Versus<>(new ArrayList<>(), new ArrayList<>());
        CpuMeter.Reading serverCpu = CpuMeter.Reading.ZERO;
        CpuMeter.Reading floorCpu = CpuMeter.Reading.ZERO;
        for (int run = 1; run <= sizes.repeats(); run++) {
            progress.accept("steady (" + sizes.steadyUsers() + " users, " + sizes.steadyTime().toSeconds()
                    + " s), floor then server, run " + run);
            steady.floor().add(scenarios.steady(sizes.steadyUsers(), Optional.of(servers.floor()),
                    () -> start[0] = servers.cpu().read()));
            floorCpu = floorCpu.plus(start[0], servers.cpu().read());
            steady.server().add(scenarios.steady(sizes.steadyUsers(), Optional.empty(),
                    () -> start[0] = servers.cpu().read()));
            serverCpu = serverCpu.plus(start[0], servers.cpu().read());
        }
        Results.CpuPerSync cpu = Results.CpuPerSync.of(serverCpu,
                steady.server().stream().mapToInt(Results.Steady::syncs).sum(), floorCpu,
                steady.floor().stream().mapToInt(Results.Steady::syncs).sum());
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
                incremental, events, idle, cpu, ingestCpu, bareCalls);
    }
}
