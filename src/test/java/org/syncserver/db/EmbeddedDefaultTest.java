package org.syncserver.db;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.syncserver.config.Config;
import org.syncserver.config.RateLimits;
import org.syncserver.config.TokenMode;
import org.syncserver.support.Accounts;
import org.syncserver.support.TestServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Without config.json the server runs on its own PostgreSQL, and what it stores survives a restart. */
class EmbeddedDefaultTest {

    @Test
    void embeddedDatabaseKeepsItsDataAcrossRestarts(@TempDir Path dataDir) {
        Config config = new Config(0, TokenMode.OPAQUE, Optional.empty(), List.of(), Optional.of(dataDir),
                Optional.empty(), Config.DEFAULT_MAX_BODY_BYTES, RateLimits.DEFAULTS, true,
                Optional.empty());
        UUID clientId = UUID.randomUUID();

        try (TestServer server = TestServer.start(config)) {
            var response = new Accounts(server).register("default", "embedded@example.com", "pw", clientId, true);
            assertThat(response.status()).isEqualTo(200);
            assertThat(new Accounts(server).register("other", "x@example.com", "pw", UUID.randomUUID(), true).status())
                    .as("only the default realm exists").isEqualTo(404);
        }
        assertThat(Files.exists(dataDir.resolve("postgresql/PG_VERSION"))).isTrue();

        try (TestServer server = TestServer.start(config)) {
            assertThat(new Accounts(server).login("default", "embedded@example.com", "pw", clientId).status())
                    .isEqualTo(200);
        }
    }
}
