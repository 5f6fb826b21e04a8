package org.syncserver.bench;

import java.time.Duration;

/**
 * How much each scenario does: the published run, or a smoke run that only proves every scenario works.
 *
 * @param repeats how often the ingest and steady scenarios run, each time against the server and against the floor
 *                (alternating): single runs here vary by a third, so the report gives medians and spreads
 */
record Sizes(int ingestRows, int bigPushRows, int bootstrapLargeRows, int steadyUsers, int steadyUsersHigh,
             Duration steadyTime, int fanoutRounds, int incrementalSmallRows, int incrementalSyncs, int referenceRows,
             int eventStreams, int eventRounds, int idleStreams, int repeats) {

    static final Sizes FULL = new Sizes(20_000, 20_000, 1_000_000, 50, 200, Duration.ofSeconds(20), 10, 1_000, 30,
            20_000, 1_000, 20, 10_000, 3);
    /**
     * Runs before the measured run, unreported: about half a minute of every scenario, so that the server is
     * measured as it runs after a while (compiled by the JIT), not while it starts.
     */
    static final Sizes WARM_UP = new Sizes(5_000, 5_000, 5_000, 50, 100, Duration.ofSeconds(8), 3, 100, 3, 500, 100, 5,
            100, 1);
    static final Sizes SMOKE = new Sizes(300, 2_000, 3_000, 3, 6, Duration.ofSeconds(1), 2, 100, 3, 500, 15, 2, 20, 1);

    /** Calls that reach no database, for what HTTP alone costs: 5,000 in the report, a few seconds. */
    int bareCalls() {
        return ingestRows / 4;
    }
}
