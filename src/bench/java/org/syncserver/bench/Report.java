package org.syncserver.bench;

import java.util.List;
import java.util.Locale;

/** Turns a run into docs/benchmarks.md and its chart. */
final class Report {

    /** The Node server (2026, rate limiter off) as measured on this machine kind; see issue "Benchmark". */
    private static final double NODE_INGEST = 1_128;
    private static final double NODE_BIG_PUSH = 1_609;
    private static final double NODE_BOOTSTRAP = 49_700;
    private static final double NODE_STEADY = 62;
    /** The PostgreSQL figures measured next to the Node server, to turn its figures into ratios. */
    private static final double NODE_RUN_REFERENCE_100 = 32_600;
    private static final double NODE_RUN_REFERENCE_1000 = 44_700;
    private static final double NODE_RUN_REFERENCE_READ = 195_000;

    private record Bar(String label, double node, double ours) {
    }

    /**
     * Whether the performance targets apply: they are set for the published sizes, and a quick run's tiny ones
     * (a second of steady load, a few hundred rows) say nothing about them. Correctness (no errors) always counts.
     */
    private record Targets(boolean apply) {
        String met(boolean met) {
            return apply ? yesNo(met) : "n/a (quick sizes)";
        }
    }

    private Report() {
    }

    /**
     * @param performanceLink where docs/performance.md is, seen from the report
     * @param publishedSizes  whether the run had the published sizes (not --quick's), for which the targets are set
     */
    static String markdown(BenchRun run, String machine, String settings, String chartFile, String performanceLink,
                           boolean publishedSizes) {
        var ref = run.reference();
        Targets targets = new Targets(publishedSizes);
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n")
                .append("Written by `bin/bench` (see the README); every figure below comes from one run. ")
                .append("Where the time goes, and what would close the gaps: [performance.md](").append(performanceLink)
                .append(").\n\n")
                .append(publishedSizes ? "" : "A quick run (`--quick`): tiny sizes that only check every scenario "
                        + "works. Its figures are not comparable with the published ones, and the targets, set for "
                        + "the published sizes, are not judged.\n\n")
                .append("## Machine and settings\n\n").append(machine).append("\n- ").append(settings)
                .append("\n- load generator: `bin/bench` (src/bench), a separate JVM on the same machine, simulating "
                        + "sync_client (gzip bodies; refresh → pull → refresh → push in batches of 100 → refresh → "
                        + "cancelSync) on virtual threads; a warm-up run (every scenario at smaller sizes, about half a minute) precedes the measured one\n")
                .append("- PostgreSQL reference: the same rows (same table shape, same ~200-byte JSON) stored with "
                        + "batched JDBC inserts in transactions of 100 and 1,000 (median of 3 runs), and read back with "
                        + "a streamed SELECT (median of 5), on the same database in the same run\n")
                .append("- the floor: the same client calls answered in the load generator's JVM by the server's own "
                        + "SQL (its repository methods, parameters, transactions, commit durability and pool size: "
                        + "`SyncFloor`), through JDBC on the same database, with no HTTP, gzip, JSON parsing or "
                        + "answer writing; same devices, same concurrency; ingest and steady run against the floor "
                        + "and the server alternately, ").append(run.ingestRuns().server().size())
                .append(" times each\n\n")
                .append("![Throughput as a share of what PostgreSQL itself does](").append(chartFile).append(")\n\n")
                .append("## Against the floor\n\n");
        floorSection(md, run, targets);
        md.append("## Results\n\n")
                .append("| figure | Sync Server | PostgreSQL reference | ratio | target | met | Node 2026 |\n")
                .append("|---|---|---|---|---|---|---|\n");
        throughputRow(md, "ingest: 100 changes a sync, full client protocol", run.ingest(), ref.insertsPerSecondIn100s(),
                "transactions of 100", 0.5, NODE_INGEST, targets);
        throughputRow(md, "big push: 1,000 changes a push", run.bigPush(), ref.insertsPerSecondIn1000s(),
                "transactions of 1,000", 0.5, NODE_BIG_PUSH, targets);
        throughputRow(md, "bootstrap: fresh device pulls " + count(run.bootstrap().rows()) + " rows (median of 3 devices)",
                run.bootstrap(), ref.readsPerSecond(), "streamed read", 0.5, NODE_BOOTSTRAP, targets);
        throughputRow(md, "bootstrap: fresh device pulls " + count(run.bootstrapLarge().rows())
                + " rows, server heap 256 MB", run.bootstrapLarge(), ref.readsPerSecond(), "streamed read", 0.5, Double.NaN,
                targets);
        steadyRow(md, run.steady(), true);
        Results.CpuPerSync cpu = run.cpu();
        md.append("| steady, 50 users: CPU seconds per 1,000 syncs | server ").append(seconds(cpu.server()))
                .append(", PostgreSQL ").append(seconds(cpu.postgres())).append(", load generator ")
                .append(seconds(cpu.generator())).append(" | PostgreSQL under the floor: ")
                .append(seconds(cpu.floorPostgres())).append(" | — | server ≤ PostgreSQL | ")
                .append(Double.isNaN(cpu.server()) ? "—" : targets.met(cpu.server() <= cpu.postgres())).append(" | — |\n");
        steadyRow(md, run.steadyHigh(), false);
        md.append("| fanout: one device pushes a row, three others syncing in a loop have it | median ")
                .append(ms(run.fanout().medianMs())).append(", max ").append(ms(run.fanout().maxMs()))
                .append(" (").append(run.fanout().latenciesMs().size()).append(" rounds) | — | — | — | — | — |\n");
        for (Results.Events events : run.events()) {
            md.append("| events: poke latency from a push's answer, ").append(count(events.streams()))
                    .append(" open streams (").append(events.listening()).append(" of them the other device's), ")
                    .append(events.where()).append(" | p50 ").append(ms(events.p50Ms()))
                    .append(", p99 ").append(ms(events.p99Ms())).append(" (").append(count(events.latenciesMs().size()))
                    .append(" events of ").append(events.rounds()).append(" pushes, ").append(events.missed())
                    .append(" missed) | — | — | p50 ≤ 20 ms, p99 ≤ 100 ms, none missed | ")
                    .append(events.missed() > 0 ? yesNo(false)
                            : targets.met(events.p50Ms() <= 20 && events.p99Ms() <= 100))
                    .append(" | — |\n");
        }
        idleRow(md, run.idle(), run.steady(), targets);
        var inc = run.incremental();
        md.append("| incremental: a 10-change sync, user with ").append(count(inc.smallRows())).append(" vs ")
                .append(count(inc.largeRows())).append(" rows | ").append(ms(inc.smallMedianMs())).append(" vs ")
                .append(ms(inc.largeMedianMs())).append(" (median) | — | ").append(String.format(Locale.ROOT, "%.2f×", inc.ratio()))
                .append(" | ≤ 2× | ").append(targets.met(inc.ratio() <= 2)).append(" | — |\n\n");
        md.append("Ratios are Sync Server ÷ PostgreSQL reference. Node 2026 figures were measured on this machine kind "
                + "with its rate limiter off (issue \"Benchmark\"); its PostgreSQL reference then was 32,600 / 44,700 "
                + "rows/s written and 195,000 rows/s read.\n");
        return md.toString();
    }

    /** Server and floor side by side: medians of the runs, with their spread. */
    private static void floorSection(StringBuilder md, BenchRun run, Targets targets) {
        var ingest = run.ingestRuns();
        var steady = run.steadyRuns();
        double ingestRatio = ingest.median(true, Results.Throughput::rowsPerSecond)
                / ingest.median(false, Results.Throughput::rowsPerSecond);
        double steadyRatio = steady.median(true, Results.Steady::syncsPerSecond)
                / steady.median(false, Results.Steady::syncsPerSecond);
        double p99Ratio = steady.median(true, Results.Steady::p99Ms) / steady.median(false, Results.Steady::p99Ms);
        md.append("| figure | Sync Server | floor | server ÷ floor | target | met |\n|---|---|---|---|---|---|\n");
        md.append("| ingest against the floor: 1 device, 100 changes a sync, ").append(count(run.ingest().rows()))
                .append(" rows | ").append(spread(ingest, true, Results.Throughput::rowsPerSecond, " rows/s"))
                .append(" | ").append(spread(ingest, false, Results.Throughput::rowsPerSecond, " rows/s"))
                .append(" | ").append(percent(ingestRatio)).append(" | ≥ 80 % | ").append(targets.met(ingestRatio >= 0.8))
                .append(" |\n");
        md.append("| steady against the floor: ").append(run.steady().users()).append(" users, 10 changes a sync, ")
                .append(Math.round(run.steady().seconds())).append(" s | ")
                .append(spread(steady, true, Results.Steady::syncsPerSecond, " syncs/s")).append("; p99 ")
                .append(spread(steady, true, Results.Steady::p99Ms, " ms")).append(" | ")
                .append(spread(steady, false, Results.Steady::syncsPerSecond, " syncs/s")).append("; p99 ")
                .append(spread(steady, false, Results.Steady::p99Ms, " ms")).append(" | ").append(percent(steadyRatio))
                .append("; p99 ").append(String.format(Locale.ROOT, "%.1f×", p99Ratio))
                .append(" | ≥ 70 %; p99 ≤ 2× the floor's | ").append(targets.met(steadyRatio >= 0.7 && p99Ratio <= 2))
                .append(" |\n\n");
        md.append(cpuRow("ingest", run.ingestCpu())).append(cpuRow("steady, 50 users", run.cpu()));
        md.append(bareCallsRow(run.bareCalls(), ingest.median(true, Results.Throughput::seconds) * 1_000
                / (run.ingest().rows() / (double) BenchDevice.PUSH_BATCH))).append("\n");
        md.append("Each figure is the median of the runs, with the lowest and highest in brackets. The floor is the "
                + "least any server speaking this protocol with this SQL must spend; what the server adds is HTTP, "
                + "gzip, JSON, and its own bookkeeping (see performance.md). CPU per sync, from /proc, over all runs "
                + "(registration excluded): against the floor the load generator also runs the floor's JDBC work, so "
                + "the server's cost is its own column plus the generator's difference between the two.\n\n");
    }

    /** What HTTP alone costs the six calls of a sync, measured with calls that reach no database. */
    private static String bareCallsRow(Results.BareCalls bare, double ingestMsPerSync) {
        return String.format(Locale.ROOT, "| HTTP alone: %s calls that reach no database (GET /healthz), one after "
                        + "another | %.2f ms a call (median), server CPU %.2f ms a call; six calls, as in a sync: "
                        + "%.1f ms, server CPU %.1f ms (an ingest sync takes %.1f ms) | — | — | — | — |%n",
                count(bare.calls()), bare.p50Ms(), bare.serverCpuMs(), 6 * bare.p50Ms(), 6 * bare.serverCpuMs(),
                ingestMsPerSync);
    }

    private static String cpuRow(String scenario, Results.CpuPerSync cpu) {
        return String.format(Locale.ROOT, "| CPU ms per sync, %s | server %.2f, PostgreSQL %.2f, load generator %.2f "
                        + "| PostgreSQL %.2f, load generator with the floor %.2f | — | — | — |%n", scenario, cpu.server(),
                cpu.postgres(), cpu.generator(), cpu.floorPostgres(), cpu.floorGenerator());
    }

    private static <T> String spread(Results.Versus<T> runs, boolean ofServer,
                                     java.util.function.ToDoubleFunction<T> figure, String unit) {
        return count(runs.median(ofServer, figure)) + unit + " (" + count(runs.min(ofServer, figure)) + "–"
                + count(runs.max(ofServer, figure)) + ")";
    }

    private static void idleRow(StringBuilder md, Results.IdleStreams idle, Results.Steady without, Targets targets) {
        double ratio = idle.steady().syncsPerSecond() / without.syncsPerSecond();
        md.append("| events: ").append(count(idle.streams())).append(" idle streams open, server heap 256 MB | heap ")
                .append(megabytes(idle.heapBefore())).append(" → ").append(megabytes(idle.heapWith())).append(", RSS ")
                .append(idle.rssBefore().isPresent() ? megabytes(idle.rssBefore().getAsLong()) : "?").append(" → ")
                .append(idle.rssWith().isPresent() ? megabytes(idle.rssWith().getAsLong()) : "?")
                .append("; steady ").append(idle.steady().users()).append(" users with them: ")
                .append(count(idle.steady().syncsPerSecond())).append(" syncs/s vs ")
                .append(count(without.syncsPerSecond())).append(" without, ").append(idle.steady().errors())
                .append(" errors | — | ").append(String.format(Locale.ROOT, "%.0f %%", ratio * 100))
                .append(" | ≥ 90 % of without | ")
                .append(idle.steady().errors() > 0 ? yesNo(false) : targets.met(ratio >= 0.9))
                .append(" | — |\n");
    }

    private static String seconds(double value) {
        return Double.isNaN(value) ? "?" : String.format(Locale.ROOT, "%.2f s", value);
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.0f MB", bytes / 1e6);
    }

    private static void throughputRow(StringBuilder md, String figure, Results.Throughput result, double reference,
                                      String referenceKind, double target, double node, Targets targets) {
        double ratio = result.rowsPerSecond() / reference;
        md.append("| ").append(figure).append(" | ").append(count(result.rowsPerSecond())).append(" rows/s (")
                .append(String.format(Locale.ROOT, "%.2f s", result.seconds())).append(") | ")
                .append(count(reference)).append(" rows/s, ").append(referenceKind).append(" | ")
                .append(percent(ratio)).append(" | ≥ ").append(percent(target)).append(" | ")
                .append(targets.met(ratio >= target)).append(" | ")
                .append(Double.isNaN(node) ? "—" : count(node) + " rows/s").append(" |\n");
    }

    private static void steadyRow(StringBuilder md, Results.Steady steady, boolean withThroughputTarget) {
        boolean met = steady.errors() == 0;
        md.append("| steady: ").append(steady.users()).append(" users sync 10 changes each, concurrently, ")
                .append(Math.round(steady.seconds())).append(" s | ")
                .append(String.format(Locale.ROOT, "%.0f syncs/s; p50 %s, p95 %s, p99 %s, max %s; %d errors; "
                                + "%d calls sent twice after a network error",
                        steady.syncsPerSecond(), ms(steady.p50Ms()), ms(steady.p95Ms()), ms(steady.p99Ms()),
                        ms(steady.maxMs()), steady.errors(), steady.retried()))
                .append(steady.firstError() == null ? "" : " (first: " + steady.firstError().replace("|", "/") + ")")
                .append(" | — | — | ")
                .append(withThroughputTarget ? "0 errors (speed: against the floor, above)" : "0 errors, none waits forever")
                .append(" | ").append(yesNo(met)).append(" | ")
                .append(withThroughputTarget ? count(NODE_STEADY) + " syncs/s, p99 1,296 ms" : "—").append(" |\n");
    }

    /** Bars: each scenario's throughput as a share of the PostgreSQL reference, Node 2026 against this run. */
    static String svg(BenchRun run) {
        var ref = run.reference();
        List<Bar> bars = List.of(
                new Bar("ingest, 100 a sync", NODE_INGEST / NODE_RUN_REFERENCE_100,
                        run.ingest().rowsPerSecond() / ref.insertsPerSecondIn100s()),
                new Bar("big push, 1,000 a push", NODE_BIG_PUSH / NODE_RUN_REFERENCE_1000,
                        run.bigPush().rowsPerSecond() / ref.insertsPerSecondIn1000s()),
                new Bar("bootstrap, " + count(run.bootstrap().rows()) + " rows", NODE_BOOTSTRAP / NODE_RUN_REFERENCE_READ,
                        run.bootstrap().rowsPerSecond() / ref.readsPerSecond()),
                new Bar("bootstrap, " + count(run.bootstrapLarge().rows()) + " rows", Double.NaN,
                        run.bootstrapLarge().rowsPerSecond() / ref.readsPerSecond()));
        int left = 190;
        int width = 460;
        int rowHeight = 54;
        int height = 70 + bars.size() * rowHeight + 40;
        double max = Math.max(1.0, bars.stream().mapToDouble(Bar::ours).max().orElse(1));
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"Arial, Helvetica, sans-serif\" font-size=\"13\">%n", left + width + 80, height));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append("<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">Throughput as a share of PostgreSQL "
                + "itself (same rows, no HTTP)</text>\n");
        svg.append("<rect x=\"10\" y=\"34\" width=\"12\" height=\"12\" fill=\"#2b6cb0\"/><text x=\"28\" y=\"45\">Sync Server"
                + "</text><rect x=\"120\" y=\"34\" width=\"12\" height=\"12\" fill=\"#c0c0c0\"/><text x=\"138\" y=\"45\">"
                + "Node server 2026</text>\n");
        double x50 = left + width * 0.5 / max;
        svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"56\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d33\" "
                + "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%d\" fill=\"#d33\">target 50 %%</text>%n",
                x50, x50, height - 30, x50 - 30, height - 14));
        for (int i = 0; i < bars.size(); i++) {
            Bar bar = bars.get(i);
            int y = 64 + i * rowHeight;
            svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\">%s</text>%n", y + 20, bar.label()));
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"#2b6cb0\"/>"
                    + "<text x=\"%.1f\" y=\"%d\">%s</text>%n", left, y, width * bar.ours() / max,
                    left + width * bar.ours() / max + 6, y + 14, percent(bar.ours())));
            if (!Double.isNaN(bar.node())) {
                svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"14\" fill=\"#c0c0c0\"/>"
                        + "<text x=\"%.1f\" y=\"%d\" fill=\"#555\">%s</text>%n", left, y + 21, width * bar.node() / max,
                        left + width * bar.node() / max + 6, y + 33, percent(bar.node())));
            }
        }
        return svg.append("</svg>\n").toString();
    }

    private static String count(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    private static String percent(double ratio) {
        return String.format(Locale.ROOT, "%.0f %%", ratio * 100);
    }

    private static String ms(double millis) {
        return String.format(Locale.ROOT, millis < 10 ? "%.1f ms" : "%.0f ms", millis);
    }

    private static String yesNo(boolean met) {
        return met ? "yes" : "**no**";
    }
}
