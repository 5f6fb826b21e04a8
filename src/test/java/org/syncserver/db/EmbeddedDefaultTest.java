package org.syncserver.db;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.syncserver.config.Config;
import org.syncserver.config.ConfigLoader;
import org.syncserver.support.Accounts;
import org.syncserver.support.ServerProcess;
import org.syncserver.support.TestServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Without config.json the server runs on its own PostgreSQL, and what it stores survives a restart. */
class EmbeddedDefaultTest {

    @Test
    void embeddedDatabaseKeepsItsDataAcrossRestarts(@TempDir Path dataDir) {
        Config config = new ConfigLoader(Map.of("HOST", "127.0.0.1", "PORT", String.valueOf(ServerProcess.freePort()),
                "RATE_LIMIT_DISABLE", "1")).embedded(dataDir);
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
