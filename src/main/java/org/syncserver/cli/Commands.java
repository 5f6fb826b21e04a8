package org.syncserver.cli;

import org.syncserver.backup.BackupException;
import org.syncserver.backup.BackupFigures;
import org.syncserver.backup.Backups;
import org.syncserver.config.BackupConfig;
import org.syncserver.config.Config;
import org.syncserver.config.RealmConfig;
import org.syncserver.db.ConnectionFailure;
import org.syncserver.db.Database;
import org.syncserver.db.EmbeddedPostgres;
import org.syncserver.db.Migrations;
import org.syncserver.mail.SmtpMailer;
import org.syncserver.version.BuildInfo;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The self-hoster's subcommands besides serving: {@code migrate}, {@code check-config} and {@code backup}. Each returns an exit code. */
public final class Commands {

    /** How long check-config waits for a database that does not answer: long enough for a slow network. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

    private final PrintStream out;
    private final BuildInfo build;

    public Commands(PrintStream out, BuildInfo build) {
        this.out = out;
        this.build = build;
    }

    /** Brings every realm database to the current schema, then exits: for upgrades run before the new server. */
    public int migrate(Config config) {
        return withRealms(config, realm -> {
            Migrations.migrate(realm);
            out.println("realm " + realm.name() + ": migrated");
            return true;
        });
    }

    /**
     * Reports on the configuration, every realm's database and the SMTP server; exit code 1 when any fails. It
     * changes nothing: it creates no data folder, starts no embedded PostgreSQL, migrates nothing, so it runs beside
     * a running server (whose embedded database it then reaches).
     */
    public int checkConfig(Config config) {
        out.println("configuration: " + config.describe());
        config.warnings().forEach(warning -> out.println("warning: " + warning));
        boolean databases = config.embeddedDataDir().map(this::checkEmbedded)
                .orElseGet(() -> eachRealm(config.realms(), this::reach));
        return databases & checkMail(config) ? 0 : 1;
    }

    /**
     * Takes one verified base backup of the embedded database: through the PostgreSQL of the server running on the
     * folder, or one started for it (archiving into the backup folder, as the server's does).
     */
    public int backup(Config config) {
        if (config.embeddedDataDir().isEmpty() || config.backup().isEmpty()) {
            out.println("backup: no \"backup\" block in config.json for the embedded database; see README "
                    + "\"Backups and restore\"");
            return 1;
        }
        Path dataDir = config.embeddedDataDir().get();
        BackupConfig backup = config.backup().get();
        Optional<RealmConfig> running = EmbeddedPostgres.inspect(dataDir, build.postgres(), "default").running();
        Optional<EmbeddedPostgres> started = running.isPresent() ? Optional.empty()
                : Optional.of(EmbeddedPostgres.start(dataDir, build.postgres(), Optional.of(Backups.walArchive(backup))));
        try {
            RealmConfig database = running.orElseGet(() -> started.get().realm("default"));
            Backups backups = new Backups(backup, dataDir, database, build.postgres(), Clock.systemUTC(),
                    BackupFigures.unserved());
            out.println("backup: base backup " + backups.takeNow() + " taken and verified");
            return 0;
        } catch (BackupException e) {
            out.println("backup: FAILED: " + e.getMessage());
            return 1;
        } finally {
            started.ifPresent(EmbeddedPostgres::close);
        }
    }

    private boolean checkEmbedded(Path dataDir) {
        String where = "embedded database in " + dataDir.toAbsolutePath();
        try {
            EmbeddedPostgres.Inspection inspection = EmbeddedPostgres.inspect(dataDir, build.postgres(), "default");
            out.println(where + ": " + inspection.state());
            return inspection.running().map(realm -> eachRealm(List.of(realm), this::reach)).orElse(true);
        } catch (RuntimeException e) {
            out.println(where + ": FAILED: " + e.getMessage());
            return false;
        }
    }

    private boolean reach(RealmConfig realm) {
        String version = Database.probe(realm, PROBE_TIMEOUT);
        out.println("realm " + realm.name() + ": database reached (PostgreSQL " + version + ")");
        return true;
    }

    private boolean checkMail(Config config) {
        return config.mail().map(mailConfig -> {
            try {
                new SmtpMailer(mailConfig, config.timeouts().smtp()).checkConnection();
                out.println("smtp " + mailConfig.host() + ":" + mailConfig.port() + ": reached");
                return true;
            } catch (RuntimeException e) {
                out.println("smtp: FAILED: " + e.getMessage());
                return false;
            }
        }).orElseGet(() -> {
            out.println("smtp: not configured (no \"email\" block): password-reset PINs cannot be sent");
            return true;
        });
    }

    private interface RealmCheck {
        boolean run(RealmConfig realm);
    }

    private int withRealms(Config config, RealmCheck check) {
        Optional<EmbeddedPostgres> embedded = config.embeddedDataDir()
                .map(dir -> EmbeddedPostgres.start(dir, build.postgres()));
        try {
            List<RealmConfig> realms = embedded.map(db -> List.of(db.realm("default"))).orElse(config.realms());
            return eachRealm(realms, check) ? 0 : 1;
        } finally {
            embedded.ifPresent(EmbeddedPostgres::close);
        }
    }

    /** Runs the check on every realm, also after one failed. @return whether all passed */
    private boolean eachRealm(List<RealmConfig> realms, RealmCheck check) {
        boolean allPassed = true;
        for (RealmConfig realm : realms) {
            try {
                allPassed &= check.run(realm);
            } catch (RuntimeException e) {
                out.println("realm " + realm.name() + ": FAILED: " + ConnectionFailure.describe(realm, e));
                allPassed = false;
            }
        }
        return allPassed;
    }

}
