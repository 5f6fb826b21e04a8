package org.syncserver.db;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.config.RealmConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The zero-set-up database: a real PostgreSQL (binaries from Maven Central, via zonky) whose data directory
 * survives restarts. Only listens on loopback.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);

    private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres;

    private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    public static EmbeddedPostgres start(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            var postgres = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .start();
            log.info("Embedded PostgreSQL started on 127.0.0.1:{}, data in {}", postgres.getPort(),
                    dataDir.toAbsolutePath());
            return new EmbeddedPostgres(postgres);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the embedded PostgreSQL in " + dataDir.toAbsolutePath(), e);
        }
    }

    /** The realm that lives in this database's {@code postgres} database. */
    public RealmConfig realm(String name) {
        return new RealmConfig(name, postgres.getJdbcUrl("postgres", "postgres"), "postgres", null,
                RealmConfig.DEFAULT_POOL_SIZE);
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            log.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
        }
    }
}
