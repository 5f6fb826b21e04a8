package org.syncserver.backup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.config.BackupConfig;
import org.syncserver.config.RealmConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Backups of the embedded database: a verified base backup every {@code backup.every} (the first at once when the
 * folder has none, or the last is overdue), the newest {@code backup.keep} kept with the WAL they need, and the WAL
 * archive watched. PostgreSQL archives the WAL itself (EmbeddedPostgres' archive_command).
 */
public final class Backups implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Backups.class);
    /** How often the WAL archive's progress is read for the metrics. */
    private static final Duration WAL_CHECK_EVERY = Duration.ofSeconds(15);
    /** Segments of 16 MiB: how WAL file names count (timeline, then log and segment, 8 hex digits each). */
    private static final long SEGMENTS_PER_LOG = 0x100;

    private final BackupConfig config;
    private final BackupFolder folder;
    private final Path dataDir;
    private final RealmConfig database;
    private final Restorer restorer;
    private final Clock clock;
    private final BackupFigures figures;
    private final ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("backups").daemon().factory());
    private final ScheduledExecutorService walWatch = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("wal-archive-watch").daemon().factory());

    /**
     * @param dataDir  the embedded database's data folder
     * @param database its realm (the superuser's connection)
     */
    public Backups(BackupConfig config, Path dataDir, RealmConfig database, String postgresVersion, Clock clock,
                   BackupFigures figures) {
        this.config = config;
        this.folder = new BackupFolder(config.dir());
        this.dataDir = dataDir.toAbsolutePath();
        this.database = database;
        this.restorer = new Restorer(this.dataDir.resolve("binaries"), postgresVersion);
        this.clock = clock;
        this.figures = figures;
        folder.create();
        figures.enabled();
        folder.lastVerified().ifPresent(last -> figures.succeeded(last.manifest().ended()));
    }

    /** Where PostgreSQL archives the WAL for these backups. */
    public static Path walArchive(BackupConfig config) {
        BackupFolder folder = new BackupFolder(config.dir());
        folder.create();
        return folder.wal();
    }

    /** Schedules the base backups and the WAL watch. */
    public void start() {
        Duration due = folder.lastVerified().map(last -> Duration.between(clock.instant(),
                last.manifest().ended().plus(config.every()))).filter(wait -> !wait.isNegative()).orElse(Duration.ZERO);
        log.info("Backups into {}: next base backup in {} min", config.describe(), due.toMinutes());
        schedule.scheduleAtFixedRate(this::takeScheduled, due.toMillis(), config.every().toMillis(),
                TimeUnit.MILLISECONDS);
        walWatch.scheduleWithFixedDelay(this::checkWalArchive, 0, WAL_CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void takeScheduled() {
        try {
            takeNow();
        } catch (RuntimeException e) {
            // already logged and counted
        }
    }

    /** Takes a base backup, verifies it by restoring it, and removes what the newest {@code keep} no longer need. */
    /** @return the new base backup's folder */
    public synchronized Path takeNow() {
        try {
            copyPassword();
            BackupFolder.Base base = BaseBackup.take(database, dataDir.resolve("postgresql"), folder, clock);
            BackupVerifier.verify(base, folder, restorer);
            BackupFolder.write(base.dir(), base.manifest().asVerified());
            figures.succeeded(base.manifest().ended());
            log.info("Base backup {} taken and verified (restored to its end in a scratch folder)",
                    base.dir().getFileName());
            prune();
            return base.dir();
        } catch (RuntimeException e) {
            figures.failed();
            log.error("Backup FAILED: {}", e.getMessage());
            throw e instanceof BackupException backup ? backup : new BackupException(e.getMessage(), e);
        }
    }

    private void copyPassword() {
        try {
            Files.copy(dataDir.resolve("postgres-password"), folder.password(), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Keeps the newest {@code keep} verified base backups, and the WAL from the oldest of them on. */
    private void prune() {
        List<BackupFolder.Base> verified = folder.bases().stream().filter(b -> b.manifest().verified()).toList();
        List<BackupFolder.Base> kept = verified.subList(Math.max(0, verified.size() - config.keep()), verified.size());
        folder.bases().stream().filter(b -> !kept.contains(b) && b.manifest().ended().isBefore(
                kept.getFirst().manifest().ended())).forEach(old -> BackupFolder.deleteTree(old.dir()));
        String oldestNeeded = startWalFile(kept.getFirst());
        try (Stream<Path> segments = Files.list(folder.wal())) {
            for (Path segment : segments.toList()) {
                String name = segment.getFileName().toString();
                // history files are tiny and every timeline needs them; segments sort by name within a timeline
                if (name.length() >= 24 && !name.endsWith(".history") && name.substring(8, 24)
                        .compareTo(oldestNeeded.substring(8, 24)) < 0) {
                    Files.delete(segment);
                }
            }
        } catch (IOException e) {
            log.warn("Old WAL segments could not be removed from {}: {}", folder.wal(), e.getMessage());
        }
    }

    /** The first WAL segment a base backup needs: its backup_label's START WAL LOCATION. */
    private static String startWalFile(BackupFolder.Base base) {
        try {
            String label = Files.readString(base.postgres().resolve("backup_label"));
            int file = label.indexOf("(file ");
            return label.substring(file + 6, file + 30);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads PostgreSQL's archiver statistics: how old the oldest completed segment not archived is, if any. */
    private void checkWalArchive() {
        String sql = """
                SELECT last_archived_wal, last_archived_time, last_failed_time,
                       pg_walfile_name(pg_current_wal_lsn()) AS current_wal
                  FROM pg_stat_archiver
                """;
        try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), database.user(),
                database.password()); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            String archived = rows.getString("last_archived_wal");
            var archivedAt = rows.getTimestamp("last_archived_time");
            var failedAt = rows.getTimestamp("last_failed_time");
            boolean failing = failedAt != null && (archivedAt == null || failedAt.after(archivedAt));
            long pending = archived == null || archived.length() < 24 ? 0
                    : segment(rows.getString("current_wal")) - segment(archived) - 1;
            long lag = pending > 0 && archivedAt != null
                    ? Math.max(0, Duration.between(archivedAt.toInstant(), clock.instant()).toSeconds()) : 0;
            figures.walArchive(lag, failing);
        } catch (SQLException | RuntimeException e) {
            log.debug("WAL archive check failed: {}", e.getMessage());
        }
    }

    private static long segment(String walFile) {
        return Long.parseLong(walFile.substring(8, 16), 16) * SEGMENTS_PER_LOG + Long.parseLong(walFile.substring(16, 24), 16);
    }

    public Path dir() {
        return folder.root();
    }

    @Override
    public void close() {
        schedule.shutdownNow();
        walWatch.shutdownNow();
    }

    /** When the newest verified backup ended, if any. */
    public java.util.Optional<Instant> lastVerified() {
        return folder.lastVerified().map(base -> base.manifest().ended());
    }
}
