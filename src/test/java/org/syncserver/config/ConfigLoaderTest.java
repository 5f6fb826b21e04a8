package org.syncserver.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

        assertThat(config.tokens().mode()).isEqualTo(TokenMode.JWT);
        assertThat(config.tokens()).isEqualTo(new Config.Tokens.Jwt("k1", "k2"));
        assertThat(config.server().port()).isEqualTo(4000);
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
    void aRealmOnSeveralHostsConnectsOnlyToTheirPrimary() throws IOException {
        Config config = load("""
                {"db": {"realms": {
                    "ha": "postgresql://u:pw@db1:5432,db2:5432/sync",
                    "libpq": "postgresql://u:pw@db1,db2/sync?sslmode=require&target_session_attrs=read-write",
                    "reads": "postgresql://u:pw@db1,db2/sync?targetServerType=preferSecondary",
                    "single": "postgresql://u:pw@db1/sync" }}}""", Map.of());

        assertThat(config.realms()).extracting(RealmConfig::jdbcUrl).containsExactly(
                "jdbc:postgresql://db1:5432,db2:5432/sync?targetServerType=primary&hostRecheckSeconds=5",
                "jdbc:postgresql://db1,db2/sync?sslmode=require&targetServerType=primary&hostRecheckSeconds=5",
                "jdbc:postgresql://db1,db2/sync?targetServerType=preferSecondary&hostRecheckSeconds=5",
                "jdbc:postgresql://db1/sync");
        assertThat(config.realms().getFirst().address()).isEqualTo("db1:5432,db2:5432");
    }

    @Test
    void fileWithoutServerBlockMeansOpaqueTokensOnPort3000() throws IOException {
        Config config = load("{\"db\":{\"realms\":{\"default\":\"postgresql://u:p@localhost/db\"}}}", Map.of());
        assertThat(config.tokens().mode()).isEqualTo(TokenMode.OPAQUE);
        assertThat(config.server().port()).isEqualTo(3000);
        assertThat(config.mail()).isEmpty();
    }

    @Test
    void portAndRateLimitComeFromTheEnvironment() throws IOException {
        Config config = load("{\"server\":{\"port\":4000},\"db\":{\"realms\":{\"default\":\"postgresql://h/db\"}}}",
                Map.of("PORT", "8080", "RATE_LIMIT_DISABLE", "1"));
        assertThat(config.server().port()).isEqualTo(8080);
        assertThat(config.rateLimits().disabled()).isTrue();
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
    void backupsAreForTheEmbeddedDatabaseOffUnlessSetAndCheckedAtStart() throws IOException {
        assertThat(load("{}", Map.of()).backup()).isEmpty();
        assertThat(load("{}", Map.of()).describe()).contains("backup=off");
        Config config = load("{\"backup\": {\"dir\": \"" + dir.resolve("b") + "\", \"every\": \"6h\", \"keep\": 3}}", Map.of());
        assertThat(config.backup()).hasValue(new BackupConfig(dir.resolve("b"), Duration.ofHours(6), 3));
        assertThat(load("{\"backup\": {\"dir\": \"/b\"}}", Map.of()).backup().orElseThrow())
                .isEqualTo(new BackupConfig(Path.of("/b"), Duration.ofDays(1), 7));

        assertError("{\"backup\": {\"every\": \"1d\"}}", "backup.dir is required");
        assertError("{\"backup\": {\"dir\": \"/b\", \"every\": \"daily\"}}", "backup.every must be minutes, hours or days");
        assertError("{\"backup\": {\"dir\": \"/b\", \"keep\": 0}}", "backup.keep must be a whole number of at least 1");
        assertError("{\"backup\": {\"dir\": \"/b's\"}}", "backup.dir must not contain a quote");
        assertError("{\"db\":{\"realms\":{\"d\":\"postgresql://h/d\"}}, \"backup\": {\"dir\": \"/b\"}}",
                "backup is for the embedded database only");
    }

    @Test
    void quotasAndThePurgePeriodAreReadPerRealmAndCheckedAtStart() throws IOException {
        Config config = load("""
                {"db": {"realms": {"Todos": "postgresql://h/todos", "notes": "postgresql://h/notes"}},
                 "quotas": {"todos": {"rowsPerUser": 1000, "rowBytes": 65536}},
                 "tombstones": {"purgeEveryMinutes": 5}}""", Map.of());
        assertThat(config.lifecycle().quotas("todos").rowsPerUser()).hasValue(1000);
        assertThat(config.lifecycle().quotas("todos").rowBytes()).hasValue(65536);
        assertThat(config.lifecycle().quotas("todos").bytesPerUser()).isEmpty();
        assertThat(config.lifecycle().quotas("notes")).isEqualTo(Quotas.NONE);
        assertThat(config.lifecycle().purgeEvery()).isEqualTo(java.time.Duration.ofMinutes(5));
        assertThat(config.warnings()).isEmpty();

        assertError("{\"db\":{\"realms\":{\"d\":\"postgresql://h/d\"}},\"quotas\":{\"other\":{\"rowsPerUser\":1}}}",
                "quotas.other names no configured realm (realms: [d])");
        assertError("{\"db\":{\"realms\":{\"d\":\"postgresql://h/d\"}},\"quotas\":{\"d\":{\"rowsPerUser\":-1}}}",
                "quotas.d.rowsPerUser must be a positive whole number");
        assertError("{\"quotas\":{\"default\":{\"devicesPerUser\":\"many\"}}}",
                "quotas.default.devicesPerUser must be a positive whole number");
        assertThat(load("{\"quotas\":{\"default\":{\"devicesPerUser\":3}}}", Map.of()).lifecycle()
                .quotas("default").devicesPerUser()).as("the embedded database's one realm").hasValue(3);
    }

    @Test
    void sharedTablesAreReadPerRealmAndEachNameIsCheckedAtStart() throws IOException {
        Config config = load("""
                {"db": {"realms": {"Family": "postgresql://h/family", "notes": "postgresql://h/notes"}},
                 "sharing": {"family": {"tables": {"lists": "space_id", "items": "list_space"}}}}""", Map.of());
        assertThat(config.sharing().tables("family")).containsEntry("lists", "space_id")
                .containsEntry("items", "list_space");
        assertThat(config.sharing().shares("notes")).isFalse();
        assertThat(config.warnings()).isEmpty();

        String realms = "{\"db\":{\"realms\":{\"d\":\"postgresql://h/d\"}},";
        assertError(realms + "\"sharing\":{\"other\":{\"tables\":{\"lists\":\"space_id\"}}}}",
                "sharing.other names no configured realm (realms: [d])");
        assertError(realms + "\"sharing\":{\"d\":{\"tables\":{\"lists\":\" \"}}}}",
                "sharing.d.tables.lists must be the name of the rowData field that holds the space id");
        assertError(realms + "\"sharing\":{\"d\":{\"tables\":{}}}}",
                "sharing.d.tables must name the shared tables");
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

    @Test
    void secretsAndDatabaseUrlsComeFromTheEnvironmentThroughPlaceholders() throws IOException {
        Config config = load("""
                {"server": {"authentication": "jwt", "secret_key": "${JWT_ACCESS}",
                            "secret_key_refresh": "${JWT_REFRESH:-fallback-refresh-key-of-at-least-32-bytes}"},
                 "db": {"realms": {"default": "postgresql://sync:${DB_PASSWORD}@${DB_HOST}:5432/sync"}}}""",
                Map.of("JWT_ACCESS", "access-key-from-the-environment-0123456789", "DB_PASSWORD", "s3cr3t",
                        "DB_HOST", "db.internal"));

        assertThat(config.tokens()).isEqualTo(new Config.Tokens.Jwt("access-key-from-the-environment-0123456789",
                "fallback-refresh-key-of-at-least-32-bytes"));
        assertThat(config.realms().get(0).jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:5432/sync");
        assertThat(config.realms().get(0).password()).isEqualTo("s3cr3t");
        assertThat(config.warnings()).isEmpty();
        assertError("{\"db\":{\"realms\":{\"default\":\"${MISSING_DB_URL}\"}}}",
                "db.realms.default refers to ${MISSING_DB_URL}, which is not set in the environment");
    }

    @Test
    void unknownKeysAreReportedByName() throws IOException {
        Config config = load("""
                {"server": {"port": 4000, "prot": 1},
                 "rateLimits": {"sync": 5},
                 "db": {"realms": {"default": {"connectionString": "postgresql://h/db",
                                               "pool": {"max": 5, "idleTimeoutMillis": 1000}}}},
                 "email": {"smtp": "mail", "fromEmail": "a@b.c", "apps": {"any-realm": "App"}}}""", Map.of());

        assertThat(config.warnings()).containsExactlyInAnyOrder(
                "config.json: unknown key server.prot is ignored (misspelt?)",
                "config.json: unknown key rateLimits is ignored (misspelt?)",
                "config.json: unknown key db.realms.default.pool.idleTimeoutMillis is ignored (misspelt?)");
    }

    @Test
    void placeholderAndShortJwtSecretsAreWarnedAbout() throws IOException {
        Config config = load("""
                {"server": {"authentication": "jwt", "secret_key": "change-me-to-a-long-random-secret",
                            "secret_key_refresh": "short"},
                 "db": {"realms": {"default": "postgresql://h/db"}}}""", Map.of());

        assertThat(config.warnings()).hasSize(2);
        assertThat(config.warnings().get(0)).startsWith("server.secret_key looks like a placeholder");
        assertThat(config.warnings().get(1)).startsWith("server.secret_key_refresh is shorter than 32 bytes");
    }

    @Test
    void hostAndLogSettingsComeFromTheFileOrTheEnvironment() throws IOException {
        String json = """
                {"server": {"host": "127.0.0.1", "logFormat": "json", "logLevel": "debug"},
                 "db": {"realms": {"default": "postgresql://h/db"}}}""";
        Config fromFile = load(json, Map.of());
        assertThat(fromFile.server().host()).isEqualTo("127.0.0.1");
        assertThat(fromFile.logging()).isEqualTo(new LogSettings(LogSettings.Format.JSON, LogSettings.Level.DEBUG));

        Config fromEnv = load(json, Map.of("HOST", "::1", "LOG_FORMAT", "text", "LOG_LEVEL", "warn"));
        assertThat(fromEnv.server().host()).isEqualTo("::1");
        assertThat(fromEnv.logging()).isEqualTo(new LogSettings(LogSettings.Format.TEXT, LogSettings.Level.WARN));

        assertThat(load("{\"db\":{\"realms\":{\"default\":\"postgresql://h/db\"}}}", Map.of()).server().host())
                .isEqualTo("0.0.0.0");
        assertError("{\"server\":{\"logFormat\":\"xml\"},\"db\":{\"realms\":{\"default\":\"postgresql://h/db\"}}}",
                "server.logFormat must be \"text\" or \"json\", not \"xml\"");
    }

    @Test
    void theDockerSampleTakesEverySecretFromTheEnvironment() throws IOException {
        Path sample = Path.of("config.docker.json");
        Config config = new ConfigLoader(Map.of("JWT_SECRET", "a".repeat(48), "JWT_REFRESH_SECRET", "b".repeat(48),
                "DB_PASSWORD", "pw")).load(Optional.of(sample), sample, dir);

        assertThat(config.warnings()).isEmpty();
        assertThat(config.realms().get(0).password()).isEqualTo("pw");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(Optional.of(sample), sample, dir))
                .hasMessageContaining("server.secret_key refers to ${JWT_SECRET}, which is not set in the environment");
    }

    @Test
    void theConsoleIsOffUnlessConfiguredAndThenOnlyOnLoopbackWithHashedSecrets() throws IOException {
        String hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
        assertThat(load("{\"db\":{\"realms\":{\"default\":\"postgresql://h/db\"}}}", Map.of()).admin()).isEmpty();

        Config config = load("{\"admin\":{\"operators\":{\"alice\":\"" + hash + "\"},\"apiTokens\":[\"" + hash
                + "\"]}}", Map.of());

        assertThat(config.admin()).hasValueSatisfying(admin -> {
            assertThat(admin.host()).isEqualTo("127.0.0.1");
            assertThat(admin.port()).isEqualTo(3001);
            assertThat(admin.operators()).containsOnlyKeys("alice");
            assertThat(admin.apiTokenHashes()).hasSize(1);
            assertThat(admin.sessionIdle()).isEqualTo(Config.Admin.DEFAULT_SESSION_IDLE);
        });
        assertThat(config.embeddedDataDir()).as("no db block: the embedded database").isPresent();
        assertThat(config.describe()).contains("console=127.0.0.1:3001").doesNotContain(hash);
        assertThat(config.warnings()).isEmpty();
    }

    @Test
    void consoleSecretsInClearTextOrOnThePublicPortAreRefused() {
        assertError("{\"admin\":{\"operators\":{\"alice\":\"hunter2\"}}}",
                "admin.operators.alice must be an Argon2id hash ($argon2id$...), never the secret itself");
        assertError("{\"admin\":{\"apiTokens\":[\"plain-token\"]}}", "admin.apiTokens[0] must be an Argon2id hash");
        assertError("{\"admin\":{}}", "admin needs at least one operator");
        assertError("{\"server\":{\"port\":3001},\"admin\":{\"operators\":{\"a\":\"$argon2id$x\"}}}",
                "admin.port must differ from the public port 3001");
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
