package org.syncserver.bench;

import java.util.List;

/** What the scenarios measured. */
final class Results {

    private Results() {
    }

    /**
     * Calls that reach no database, one after another: HTTP alone.
     *
     * @param serverCpuMs the server's CPU time a call; NaN when the server runs elsewhere
     */
    record BareCalls(int calls, double p50Ms, double serverCpuMs) {
    }

    record Throughput(int rows, double seconds) {
        double rowsPerSecond() {
            return rows / seconds;
        }
    }

    /** @param retried calls that failed on the network and succeeded when sent again, as sync_client does */
    record Steady(int users, double seconds, int syncs, int errors, int retried, double p50Ms, double p95Ms,
                  double p99Ms, double maxMs, String firstError) {
        double syncsPerSecond() {
            return syncs / seconds;
        }
    }

    record Fanout(List<Double> latenciesMs) {
        double medianMs() {
            return Percentiles.of(latenciesMs).at(50);
        }

        double maxMs() {
            return Percentiles.of(latenciesMs).at(100);
        }
    }

    /**
     * CPU seconds per 1,000 syncs of the steady scenario; NaN where the process is not known (external server).
     *
     * @param floorPostgres  PostgreSQL's CPU per 1,000 syncs answered by the floor: the same SQL should cost the same
     * @param floorGenerator the load generator's, which then runs the floor too (the server's SQL through JDBC)
     */
    record CpuPerSync(double server, double postgres, double generator, double floorPostgres,
                      double floorGenerator) {
        /** Sums of the readings' differences over the server's runs and over the floor's. */
        static CpuPerSync of(CpuMeter.Reading server, int serverSyncs, CpuMeter.Reading floor, int floorSyncs) {
            double per = 1_000.0 / Math.max(1, serverSyncs);
            double floorPer = 1_000.0 / Math.max(1, floorSyncs);
            return new CpuPerSync(server.server() * per, server.postgres() * per, server.generator() * per,
                    floor.postgres() * floorPer, floor.generator() * floorPer);
        }
    }

    /** Event latency from a push's answer to the events at the other device's streams. */
    /** @param listening the open streams that belong to the pushing user's other device, and so get each event */
    record Events(String where, int streams, int listening, int rounds, List<Double> latenciesMs, int missed) {
        double p50Ms() {
            return Percentiles.of(latenciesMs).at(50);
        }

        double p99Ms() {
            return Percentiles.of(latenciesMs).at(99);
        }
    }

    /** The server with many idle event streams open; the steady scenario measured meanwhile. */
    record IdleStreams(int streams, long heapBefore, long heapWith, java.util.OptionalLong rssBefore,
                       java.util.OptionalLong rssWith, Steady steady) {
    }

    record Incremental(int smallRows, int largeRows, double smallMedianMs, double largeMedianMs) {
        double ratio() {
            return largeMedianMs / smallMedianMs;
        }
    }

    /**
     * A scenario run several times against the server and against the floor (the server's SQL without the server),
     * alternating. Figures are medians, with the spread of the runs.
     */
    record Versus<T>(List<T> server, List<T> floor) {
        static double median(List<Double> values) {
            return Percentiles.of(values).at(50);
        }

        double median(boolean ofServer, java.util.function.ToDoubleFunction<T> figure) {
            return median((ofServer ? server : floor).stream().map(figure::applyAsDouble).toList());
        }

        double min(boolean ofServer, java.util.function.ToDoubleFunction<T> figure) {
            return (ofServer ? server : floor).stream().mapToDouble(figure).min().orElse(Double.NaN);
        }

        double max(boolean ofServer, java.util.function.ToDoubleFunction<T> figure) {
            return (ofServer ? server : floor).stream().mapToDouble(figure).max().orElse(Double.NaN);
        }

        /** The server's run whose figure is the median: it stands for the server in the other tables. */
        T medianServerRun(java.util.function.ToDoubleFunction<T> figure) {
            List<T> sorted = server.stream().sorted(java.util.Comparator.comparingDouble(figure)).toList();
            return sorted.get((sorted.size() - 1) / 2);
        }
    }

    /** Percentiles by nearest rank. */
    record Percentiles(double[] sorted) {
        static Percentiles of(List<Double> values) {
            return new Percentiles(values.stream().mapToDouble(Double::doubleValue).sorted().toArray());
        }

        double at(double percentile) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(percentile / 100 * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
        }
    }
}
