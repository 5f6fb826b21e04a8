package org.syncserver.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * CPU time of the processes a benchmark runs on one machine: the server JVM, PostgreSQL (its postmaster and every
 * backend), and the load generator itself, as the operating system counts it. Their differences over a scenario,
 * per sync, do not depend on how fast the machine is (issue "Performance against the protocol's floor").
 */
final class CpuMeter {

    /** CPU seconds used so far. @param server the server's process id, when the benchmark started it */
    record Reading(double server, double postgres, double generator) {
        static final Reading ZERO = new Reading(0, 0, 0);

        Reading plus(Reading before, Reading after) {
            return new Reading(server + after.server - before.server, postgres + after.postgres - before.postgres,
                    generator + after.generator - before.generator);
        }

        /** These CPU seconds spread over this many syncs: milliseconds a sync. */
        Reading msPerSync(long syncs) {
            double ms = 1_000.0 / syncs;
            return new Reading(server * ms, postgres * ms, generator * ms);
        }

        double serverAndPostgres() {
            return server + postgres;
        }

        double all() {
            return server + postgres + generator;
        }
    }

    private final OptionalLong serverPid;
    private final OptionalLong postmasterPid;

    CpuMeter(OptionalLong serverPid, BenchDatabase database) {
        this.serverPid = serverPid;
        this.postmasterPid = postmaster(database);
    }

    Reading read() {
        return new Reading(serverPid.isPresent() ? seconds(ProcessHandle.of(serverPid.getAsLong())) : Double.NaN,
                postmasterPid.isPresent() ? treeSeconds(postmasterPid.getAsLong()) : Double.NaN,
                seconds(Optional.of(ProcessHandle.current())));
    }

    /** The postmaster is the parent of any backend: found through the benchmark's own connection, when local. */
    private static OptionalLong postmaster(BenchDatabase database) {
        try (Connection connection = database.connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT pg_backend_pid()")) {
            rows.next();
            return ProcessHandle.of(rows.getLong(1)).flatMap(ProcessHandle::parent)
                    .map(parent -> OptionalLong.of(parent.pid())).orElse(OptionalLong.empty());
        } catch (SQLException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * The root's own CPU, its children's that have exited (autovacuum workers come and go: a child's time moves to
     * its parent's count when the parent reaps it), and the CPU of those alive now.
     */
    private static double treeSeconds(long pid) {
        Optional<ProcessHandle> root = ProcessHandle.of(pid);
        return seconds(root) + reapedChildrenSeconds(pid) + root.map(process -> process.descendants()
                .mapToDouble(CpuMeter::secondsIfAlive).sum()).orElse(0.0);
    }

    /**
     * A child's CPU and that of the children it has reaped (the archiver's archive_command shells); one that exits
     * while it is read counts at its parent's next reading instead.
     */
    private static double secondsIfAlive(ProcessHandle child) {
        double seconds = seconds(Optional.of(child));
        return Double.isNaN(seconds) ? 0 : seconds + reapedChildrenSeconds(child.pid());
    }

    /** Linux's /proc/PID/stat: cutime and cstime, in clock ticks of 1/100 s (USER_HZ); 0 where there is none. */
    private static double reapedChildrenSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // fields after the command name, which is in parentheses and may hold spaces: state is field 3
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[CUTIME - 3]) + Long.parseLong(fields[CSTIME - 3])) / USER_HZ;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static final int CUTIME = 16;
    private static final int CSTIME = 17;
    private static final double USER_HZ = 100.0;

    private static double seconds(Optional<ProcessHandle> process) {
        return process.flatMap(handle -> handle.info().totalCpuDuration()).map(Duration::toNanos)
                .map(nanos -> nanos / 1e9).orElse(Double.NaN);
    }
}
