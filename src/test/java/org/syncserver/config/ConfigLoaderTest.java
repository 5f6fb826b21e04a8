package org.syncserver.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** config.json as existing deployments write it, and errors that name the key at fault. */
class ConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void readsTheNodeServersSampleFile() throws IOException {
        Config config = load("""
                {
                  "server": { "authentication": "jwt", "secret_key": "k1", "secret_key_refresh": "k2", "port": 4000 },
                  "db": { "realms": {
                      "default": "postgresql://user:p%40ss@db.example.com:5433/sync?sslmode=require",
                      "Todos": { "connectionString": "postgresql://u:pw@host/todos", "pool": { "max": 20 } } } },
                  "email": { "from": "Sync Server", "fromEmail": "noreply@example.com", "smtp": "smtp.example.com",
                             "port": "587", "username": "user", "password": "secret",
                             "apps": { "default": "Sync Server App", "todos": "ToDos App" } }
                }""", Map.of());

        assertThat(config.tokenMode()).isEqualTo(TokenMode.JWT);
        assertThat(config.jwtSecrets()).hasValue(new Config.JwtSecrets("k1", "k2"));
        assertThat(config.port()).isEqualTo(4000);
        assertThat(config.realms()).containsExactly(
                new RealmConfig("default", "jdbc:postgresql://db.example.com:5433/sync?sslmode=require", "user", "p@ss", 10),
                new RealmConfig("todos", "jdbc:postgresql://host/todos", "u", "pw", 20));
        assertThat(config.mail()).hasValueSatisfying(mail -> {
            assertThat(mail.port()).isEqualTo(587);
            assertThat(mail.appNameFor("todos")).isEqualTo("ToDos App");
            assertThat(mail.appNameFor("unknown")).isEqualTo("Sync Server App");
        });
        assertThat(config.describe()).doesNotContain("secret", "p@ss", "k1");
    }

    @Test
    void fileWithoutServerBlockMeansOpaqueTokensOnPort3000() throws IOException {
        Config config = load("{\"db\":{\"realms\":{\"default\":\"postgresql://u:p@localhost/db\"}}}", Map.of());
        assertThat(config.tokenMode()).isEqualTo(TokenMode.OPAQUE);
        assertThat(config.port()).isEqualTo(3000);
        assertThat(config.mail()).isEmpty();
    }

    @Test
    void portAndRateLimitComeFromTheEnvironment() throws IOException {
        Config config = load("{\"server\":{\"port\":4000},\"db\":{\"realms\":{\"default\":\"postgresql://h/db\"}}}",
                Map.of("PORT", "8080", "RATE_LIMIT_DISABLE", "1"));
        assertThat(config.port()).isEqualTo(8080);
        assertThat(config.rateLimitDisabled()).isTrue();
    }

    @Test
    void errorsNameTheKeyAtFault() {
        assertError("{\"db\":{\"realms\":{\"todos\":\"mysql://h/db\"}}}", "db.realms.todos must be a postgresql:// URL");
        assertError("{\"db\":{}}", "db.realms is required");
        assertError("{\"db\":{\"realms\":{\"t\":{\"pool\":{}}}}}", "db.realms.t.connectionString is required");
        assertError("{\"db\":{\"realms\":{\"t\":{\"connectionString\":\"postgresql://h/d\",\"pool\":{\"max\":\"lots\"}}}}}",
                "db.realms.t.pool.max must be a positive whole number");
        assertError("{\"server\":{\"authentication\":\"jwt\"},\"db\":{\"realms\":{\"d\":\"postgresql://h/d\"}}}",
                "server.secret_key is required");
        assertError("{\"db\":{\"realms\":{\"d\":\"postgresql://h/d\"}},\"email\":{\"smtp\":\"h\",\"fromEmail\":\"a@b\",\"port\":\"x\"}}",
                "email.port must be a positive whole number");
        assertError("{\"db\":{\"realms\":{\"d\":\"postgresql://h/d\"}},\"email\":{\"fromEmail\":\"a@b\"}}",
                "email.smtp is required");
        assertError("{\"db\": ", "is not valid JSON (line 1");
    }

    @Test
    void missingDefaultFileMeansEmbeddedButAMissingNamedFileIsAnError() {
        Path missing = dir.resolve("config.json");
        Config config = new ConfigLoader(Map.of()).load(Optional.empty(), missing, dir.resolve("data"));
        assertThat(config.embeddedDataDir()).hasValue(dir.resolve("data"));

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(Optional.of(missing), missing, dir))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("does not exist");
    }

    private void assertError(String json, String message) {
        assertThatThrownBy(() -> load(json, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }

    private Config load(String json, Map<String, String> env) throws IOException {
        Path file = Files.writeString(dir.resolve("config.json"), json);
        return new ConfigLoader(env).load(Optional.of(file), file, dir.resolve("data"));
    }
}
