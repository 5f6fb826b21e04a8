package org.syncserver.backup;

import org.syncserver.metrics.Metrics;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The backups as metrics, served whether backups are on or not, so that the alert rules of deploy/prometheus find
 * their series on every server ({@code sync_backup_enabled} tells them apart).
 */
public final class BackupFigures {

    private volatile boolean enabled;
    private volatile long lastSuccessSeconds;
    private volatile long walArchiveLagSeconds;
    private volatile boolean walArchiveFailing;
    private final AtomicLong failures = new AtomicLong();

    private BackupFigures() {
    }

    /** For a command run once ({@code sync-server backup}): nothing scrapes it. */
    public static BackupFigures unserved() {
        return new BackupFigures();
    }

    public BackupFigures(Metrics metrics) {
        metrics.gauge("sync.backup.enabled", "1 when backups of the embedded database are configured",
                () -> enabled ? 1 : 0);
        metrics.gauge("sync.backup.last.success.timestamp.seconds", "when the newest verified base backup ended "
                + "(Unix time; 0: none yet)", () -> lastSuccessSeconds);
        metrics.gauge("sync.backup.failures", "base backups that could not be taken or verified since start",
                failures::get);
        metrics.gauge("sync.backup.wal.archive.lag.seconds", "age of the oldest completed WAL segment not yet "
                + "archived (0: all archived): what a lost disk would take with it", () -> walArchiveLagSeconds);
        metrics.gauge("sync.backup.wal.archive.failing", "1 while PostgreSQL's last attempt to archive a WAL segment "
                + "failed", () -> walArchiveFailing ? 1 : 0);
    }

    void enabled() {
        enabled = true;
    }

    void succeeded(Instant endedAt) {
        lastSuccessSeconds = endedAt.getEpochSecond();
    }

    void failed() {
        failures.incrementAndGet();
    }

    void walArchive(long lagSeconds, boolean failing) {
        walArchiveLagSeconds = lagSeconds;
        walArchiveFailing = failing;
    }
}
