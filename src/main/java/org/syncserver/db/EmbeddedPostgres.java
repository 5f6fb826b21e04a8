package org.syncserver.db;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.config.RealmConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The zero-set-up database: a real PostgreSQL whose data survives restarts and crashes. The data folder holds
 * <ul>
 *   <li>{@code postgresql/}, PostgreSQL's own data directory;</li>
 *   <li>{@code postgres-password}, the generated password of its only user (mode 0600): it listens on
 *       127.0.0.1 only, takes no Unix-socket connections and asks every connection for that password;</li>
 *   <li>{@code binaries/VERSION/}, the PostgreSQL programs unpacked from the jar;</li>
 *   <li>{@code sync-server.lock}, held while a server uses the folder.</li>
 * </ul>
 * Commits are durable (fsync and full-page writes on). A PostgreSQL left running by a server process that was
 * killed is stopped at the next start; a folder made by another PostgreSQL major version is refused, never
 * converted or reinitialised.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
    private static final String USER = "postgres";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    /** Backends of a killed PostgreSQL may hold its shared memory for a moment: starting is retried meanwhile. */
    private static final int START_ATTEMPTS = 10;
    private static final Duration START_RETRY_PAUSE = Duration.ofSeconds(2);

    /** Written at every start, included last by postgresql.conf: these settings always win. */
    private static final String SETTINGS = """
            # Written by Sync Server at every start (edits are overwritten); included at the end of postgresql.conf.
            listen_addresses = '127.0.0.1'
            unix_socket_directories = ''
            password_encryption = 'scram-sha-256'
            fsync = on
            full_page_writes = on
            synchronous_commit = on
            timezone = 'UTC'
            logging_collector = on
            log_directory = 'log'
            log_filename = 'postgresql-%a.log'
            log_truncate_on_rotation = on
            log_rotation_age = 1d
            log_rotation_size = 0
            """;
    private static final String HBA = """
            # Written by Sync Server at every start (edits are overwritten): password logins over loopback TCP only.
            host all all 127.0.0.1/32 scram-sha-256
            """;
    private static final String INCLUDE = "include 'sync-server.conf'";

    private final DataFolder folder;
    private final PostgresBinaries binaries;
    private final FileLock lock;
    private final String password;
    private final int port;
    /** Where PostgreSQL copies each completed WAL segment (README "Backups and restore"); empty: no archiving. */
    private final Optional<Path> walArchive;

    private EmbeddedPostgres(DataFolder folder, PostgresBinaries binaries, FileLock lock, String password, int port,
                             Optional<Path> walArchive) {
        this.folder = folder;
        this.binaries = binaries;
        this.lock = lock;
        this.password = password;
        this.port = port;
        this.walArchive = walArchive;
    }

    /**
     * @param postgresVersion version of the bundled binaries, e.g. {@code 18.4.0}
     * @throws EmbeddedDatabaseException when the folder cannot be used, with a message saying why and what to do
     */
    public static EmbeddedPostgres start(Path dataDir, String postgresVersion) {
        return start(dataDir, postgresVersion, Optional.empty());
    }

    /** @param walArchive where every completed WAL segment is copied, for point-in-time restores */
    public static EmbeddedPostgres start(Path dataDir, String postgresVersion, Optional<Path> walArchive) {
        DataFolder folder = new DataFolder(dataDir.toAbsolutePath());
        FileLock lock = folder.lock();
        try {
            folder.checkMajorVersion(majorOf(postgresVersion));
            PostgresBinaries binaries = PostgresBinaries.unpack(folder.binaries(), postgresVersion);
            EmbeddedPostgres postgres = new EmbeddedPostgres(folder, binaries, lock, prepare(folder, binaries), freePort(),
                    walArchive);
            postgres.stopOrphan();
            postgres.writeSettings();
            postgres.startServer();
            log.info("Embedded PostgreSQL {} started on 127.0.0.1:{}, data in {}", postgresVersion, postgres.port,
                    folder.root());
            return postgres;
        } catch (RuntimeException e) {
            release(lock);
            throw e;
        }
    }

    /** The realm that lives in this database's {@code postgres} database. */
    public RealmConfig realm(String name) {
        return realmOn(name, port, password, RealmConfig.DEFAULT_POOL_SIZE);
    }

    private static RealmConfig realmOn(String name, int port, String password, int poolSize) {
        return new RealmConfig(name, "jdbc:postgresql://127.0.0.1:" + port + "/postgres", USER, password, poolSize);
    }

    /**
     * What a data folder holds, found without creating, locking or starting anything, so that it can be checked
     * beside a running server (check-config).
     *
     * @param state   one line on the folder, e.g. "not created yet (the server creates it at its first start)"
     * @param running the realm of the folder's PostgreSQL, while one runs on it (a server's)
     */
    public record Inspection(String state, Optional<RealmConfig> running) {
    }

    /** @throws EmbeddedDatabaseException when a server could not use the folder, saying why */
    public static Inspection inspect(Path dataDir, String postgresVersion, String realmName) {
        DataFolder folder = new DataFolder(dataDir.toAbsolutePath());
        folder.checkMajorVersion(majorOf(postgresVersion));
        if (!folder.isInitialised()) {
            return new Inspection("not created yet (the server creates it at its first start)", Optional.empty());
        }
        String password = folder.readPassword();
        Optional<Integer> port = folder.runningPort();
        return port.map(p -> new Inspection("PostgreSQL " + majorOf(postgresVersion) + " running on 127.0.0.1:" + p,
                        Optional.of(realmOn(realmName, p, password, 1))))
                .orElseGet(() -> new Inspection("PostgreSQL " + majorOf(postgresVersion)
                        + " database, not running (it starts with the server)", Optional.empty()));
    }

    private static int majorOf(String postgresVersion) {
        return Integer.parseInt(postgresVersion.substring(0, postgresVersion.indexOf('.')));
    }

    /** A new folder gets its database and password; an existing one keeps both. @return the password */
    private static String prepare(DataFolder folder, PostgresBinaries binaries) {
        if (folder.isInitialised()) {
            return folder.readPassword();
        }
        String password = generatePassword();
        folder.writePassword(password);
        run(binaries.command("initdb", "-D", folder.postgres().toString(), "-U", USER, "-E", "UTF8", "--no-locale",
                "--auth=scram-sha-256", "--pwfile=" + folder.password()), "initdb");
        return password;
    }

    /**
     * A server process killed without stopping its PostgreSQL (SIGKILL, the OOM killer) leaves it running and
     * holding the data directory; it is stopped here. A lock file whose process is gone, or is another program
     * under a reused process id, is removed.
     */
    private void stopOrphan() {
        Optional<Long> pid = folder.postmasterPid();
        if (pid.isEmpty()) {
            return;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid.get()).filter(ProcessHandle::isAlive);
        if (process.isPresent() && isPostgres(process.get())) {
            log.warn("PostgreSQL (pid {}) was left running on {} by a server process that ended without stopping it;"
                    + " stopping it", pid.get(), folder.postgres());
            stopServer(process.get());
        } else {
            log.info("Removing the lock file of a PostgreSQL (pid {}) that no longer runs", pid.get());
            folder.removePostmasterPid();
        }
    }

    private static boolean isPostgres(ProcessHandle process) {
        return process.info().command().map(command -> command.contains("postgres")).orElse(false);
    }

    private void writeSettings() {
        writeSettings(folder.postgres(), SETTINGS + walArchive.map(EmbeddedPostgres::archiving).orElse(NOT_ARCHIVING));
    }

    /** The settings of a data directory, written at every start; {@code settings} replaces sync-server.conf. */
    static void writeSettings(Path postgresDir, String settings) {
        DataFolder folder = new DataFolder(postgresDir.getParent());
        folder.write("sync-server.conf", settings);
        folder.write("pg_hba.conf", HBA);
        folder.appendLineOnce("postgresql.conf", INCLUDE);
    }

    /** The settings every start writes, without those of WAL archiving: for recoveries (see PostgresRecovery). */
    static String baseSettings() {
        return SETTINGS + NOT_ARCHIVING;
    }

    private static final String NOT_ARCHIVING = "archive_mode = off\n";

    /**
     * Each completed WAL segment is copied into the archive under a temporary name, flushed to disk, then renamed:
     * an archive never holds half a segment. A segment already there (archived before a crash) counts as done when
     * it is identical, and is an error otherwise. archive_timeout bounds what a lost machine takes with it.
     */
    private static String archiving(Path archive) {
        String target = archive.toAbsolutePath() + "/%f";
        return """
                wal_level = replica
                archive_mode = on
                archive_timeout = %d
                archive_command = 'if [ -f ''%s'' ]; then cmp -s %%p ''%s''; else cp %%p ''%s.part'' && sync ''%s.part'' && mv ''%s.part'' ''%s''; fi'
                """.formatted(ARCHIVE_TIMEOUT.toSeconds(), target, target, target, target, target, target);
    }

    /** At most this much of the last writes is not yet archived when the machine is lost. */
    public static final Duration ARCHIVE_TIMEOUT = Duration.ofSeconds(60);

    private void startServer() {
        for (int attempt = 1; ; attempt++) {
            try {
                folder.createLogFolder();
                run(binaries.command("pg_ctl", "start", "-D", folder.postgres().toString(), "-w",
                        "-t", String.valueOf(START_TIMEOUT.toSeconds()), "-l", folder.startLog().toString(),
                        "-o", "-p " + port), "pg_ctl start");
                return;
            } catch (EmbeddedDatabaseException e) {
                if (attempt == START_ATTEMPTS) {
                    throw e;
                }
                log.warn("Embedded PostgreSQL did not start (attempt {} of {}), retrying: {}", attempt, START_ATTEMPTS,
                        e.getMessage());
                pause(START_RETRY_PAUSE);
            }
        }
    }

    /** Stops the PostgreSQL of the folder, its own way; one that does not stop in time is killed. */
    private void stopServer(ProcessHandle postmaster) {
        try {
            run(binaries.command("pg_ctl", "stop", "-D", folder.postgres().toString(), "-m", "fast", "-w",
                    "-t", String.valueOf(STOP_TIMEOUT.toSeconds())), "pg_ctl stop");
        } catch (EmbeddedDatabaseException e) {
            log.warn("Embedded PostgreSQL did not stop in time, killing it: {}", e.getMessage());
            postmaster.destroyForcibly();
            postmaster.onExit().orTimeout(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
        }
    }

    @Override
    public void close() {
        try {
            folder.postmasterPid().flatMap(ProcessHandle::of).ifPresent(this::stopServer);
            log.info("Embedded PostgreSQL stopped");
        } finally {
            release(lock);
        }
    }

    /** Runs one of PostgreSQL's programs to its end; its output goes to the exception when it fails. */
    static void run(List<String> command, String what) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new EmbeddedDatabaseException(what + " failed: " + output.strip());
            }
            log.debug("{}: {}", what, output.strip());
        } catch (IOException e) {
            throw new EmbeddedDatabaseException(what + " could not be run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedDatabaseException(what + " was interrupted");
        }
    }

    private static String generatePassword() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A loopback port free now, for an embedded PostgreSQL (the server's, or one replaying a backup). */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port for an embedded PostgreSQL", e);
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedDatabaseException("Interrupted while starting the embedded PostgreSQL");
        }
    }

    private static void release(FileLock lock) {
        try {
            lock.channel().close();
        } catch (IOException e) {
            log.warn("Could not release the lock of the data folder: {}", e.getMessage());
        }
    }

    /** The data folder of the embedded database and what is in it. */
    private record DataFolder(Path root) {

        Path postgres() {
            return root.resolve("postgresql");
        }

        Path password() {
            return root.resolve("postgres-password");
        }

        Path binaries() {
            return root.resolve("binaries");
        }

        Path startLog() {
            return postgres().resolve("log").resolve("startup.log");
        }

        /** One server per folder: a second one would stop the first one's PostgreSQL as an orphan. */
        FileLock lock() {
            try {
                Files.createDirectories(root);
                restrict(root, "rwx------");
                FileChannel channel = FileChannel.open(root.resolve("sync-server.lock"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    channel.close();
                    throw new EmbeddedDatabaseException("Another Sync Server is using the data folder " + root
                            + ": stop it first, or give this one another folder with --data-dir");
                }
                return lock;
            } catch (IOException e) {
                throw new EmbeddedDatabaseException("Cannot use the data folder " + root + ": " + e.getMessage());
            }
        }

        boolean isInitialised() {
            return Files.exists(postgres().resolve("PG_VERSION"));
        }

        /**
         * Refuses a folder of another PostgreSQL major version: its files cannot be read by these binaries, and
         * reinitialising it would lose every user's data. Before this release the folder itself was PostgreSQL's
         * data directory (PostgreSQL 14).
         */
        void checkMajorVersion(int bundledMajor) {
            Path earlierLayout = root.resolve("PG_VERSION");
            Path versionFile = Files.exists(earlierLayout) ? earlierLayout : postgres().resolve("PG_VERSION");
            if (!Files.exists(versionFile)) {
                return;
            }
            String found = read(versionFile).strip();
            if (versionFile.equals(earlierLayout) || !found.equals(String.valueOf(bundledMajor))) {
                throw new EmbeddedDatabaseException("The data folder " + root + " was created by PostgreSQL " + found
                        + (versionFile.equals(earlierLayout) ? " of an earlier Sync Server release" : "")
                        + ", and this Sync Server runs PostgreSQL " + bundledMajor + ". A data folder is never "
                        + "converted or reinitialised by itself: upgrade it once as README's 'Upgrading the embedded "
                        + "database' shows (keep a copy of the folder first), or go on with the release that created it.");
            }
        }

        String readPassword() {
            if (!Files.exists(password())) {
                throw new EmbeddedDatabaseException("The data folder " + root + " has a database but no "
                        + "postgres-password file: restore that file from your backup of the folder");
            }
            return read(password()).strip();
        }

        void writePassword(String value) {
            try {
                Files.deleteIfExists(password());
                Files.createFile(password());
                restrict(password(), "rw-------");
                Files.writeString(password(), value + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Optional<Long> postmasterPid() {
            Path pidFile = postgres().resolve("postmaster.pid");
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            String first = read(pidFile).lines().findFirst().orElse("").strip();
            try {
                return Optional.of(Long.parseLong(first));
            } catch (NumberFormatException e) {
                return Optional.of(-1L);
            }
        }

        /** The port of the PostgreSQL running on this folder: line 4 of postmaster.pid, while its process lives. */
        Optional<Integer> runningPort() {
            Path pidFile = postgres().resolve("postmaster.pid");
            Optional<ProcessHandle> postmaster = postmasterPid().flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
            if (postmaster.isEmpty() || !Files.exists(pidFile)) {
                return Optional.empty();
            }
            List<String> lines = read(pidFile).lines().toList();
            try {
                return lines.size() > 3 ? Optional.of(Integer.parseInt(lines.get(3).strip())) : Optional.empty();
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        void removePostmasterPid() {
            try {
                Files.deleteIfExists(postgres().resolve("postmaster.pid"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void createLogFolder() {
            try {
                Files.createDirectories(startLog().getParent());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void write(String file, String content) {
            try {
                Files.writeString(postgres().resolve(file), content);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void appendLineOnce(String file, String line) {
            Path path = postgres().resolve(file);
            if (!read(path).lines().anyMatch(line::equals)) {
                try {
                    Files.writeString(path, "\n" + line + "\n", StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        private static String read(Path file) {
            try {
                return Files.readString(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static void restrict(Path path, String permissions) throws IOException {
            try {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
            } catch (UnsupportedOperationException e) {
                // Windows: the folder's access list applies
            }
        }
    }
}
