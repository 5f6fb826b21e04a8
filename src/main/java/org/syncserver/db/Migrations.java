package org.syncserver.db;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.config.RealmConfig;

/**
 * Brings a realm database to the current schema. A database made by the Node server (tables, no history) is
 * adopted: it is baselined at version 0, and the migrations, written to tolerate existing tables, move it forward
 * without touching its rows.
 */
public final class Migrations {

    private static final Logger log = LoggerFactory.getLogger(Migrations.class);

    private Migrations() {
    }

    /**
     * Migrates on connections of its own, not the realm's pool: Flyway holds two at once (one for its lock), more
     * than a pool configured with {@code "max": 1} has.
     */
    public static void migrate(RealmConfig realm) {
        MigrateResult result = Flyway.configure()
                .dataSource(realm.jdbcUrl(), realm.user(), realm.password())
                .locations("classpath:db/migration")
                .table("sync_server_schema_history")
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
        log.info("realm {}: schema at version {} ({} migrations applied)", realm.name(),
                result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion,
                result.migrationsExecuted);
    }
}
