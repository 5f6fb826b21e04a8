package org.syncserver.ops;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.syncserver.cli.Commands;
import org.syncserver.config.Config;
import org.syncserver.config.MailConfig;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;
import org.syncserver.version.BuildInfo;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code migrate} and {@code check-config}, as a self-hoster runs them before an upgrade or a first start. */
class CommandsTest {

    @RegisterExtension
    static final GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
            .withPerMethodLifecycle(false);

    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final Commands commands = new Commands(new PrintStream(output, true, StandardCharsets.UTF_8),
            BuildInfo.load());

    @Test
    void migrateBringsEveryRealmToTheCurrentSchema() {
        RealmConfig realm = TestPostgres.newRealm("todos");

        assertThat(commands.migrate(TestConfig.realms(realm).build())).isZero();

        assertThat(output()).contains("realm todos: migrated");
        assertThat(TestPostgres.count(realm, "sync_rows")).isZero();
    }

    @Test
    void checkConfigReportsReachableRealmsAndSmtp() {
        Config config = TestConfig.realms(TestPostgres.newRealm("todos"))
                .mail(new MailConfig("Sync", "noreply@example.com", "127.0.0.1", smtp.getSmtp().getPort(), null, null,
                        Map.of()))
                .build();

        assertThat(commands.checkConfig(config)).isZero();

        assertThat(output()).contains("realm todos: database reached (PostgreSQL", "smtp 127.0.0.1:", ": reached");
    }

    @Test
    void checkConfigFailsNamingTheRealmAndSmtpServerItCannotReach() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        RealmConfig unreachable = new RealmConfig("notes", "jdbc:postgresql://127.0.0.1:" + closedPort + "/db",
                "postgres", null, 2);
        Config config = TestConfig.realms(TestPostgres.newRealm("todos"), unreachable)
                .mail(new MailConfig("Sync", "noreply@example.com", "127.0.0.1", closedPort, null, null, Map.of()))
                .timeouts(TestConfig.SHORT_TIMEOUTS)
                .build();

        assertThat(commands.checkConfig(config)).isEqualTo(1);

        assertThat(output()).contains("realm todos: database reached", "realm notes: FAILED", "smtp: FAILED");
    }

    @Test
    void checkConfigOfAnEmbeddedDataFolderNotYetCreatedCreatesNothing(@TempDir Path parent) {
        Path dataDir = parent.resolve("data");

        assertThat(commands.checkConfig(embedded(dataDir))).isZero();

        assertThat(output()).contains("embedded database in " + dataDir.toAbsolutePath() + ": not created yet");
        assertThat(dataDir).doesNotExist();
    }

    @Test
    void checkConfigReachesTheEmbeddedDatabaseOfARunningServerAndLeavesTheServerRunning(@TempDir Path dataDir) {
        Config config = embedded(dataDir);
        try (TestServer server = TestServer.start(config)) {

            assertThat(commands.checkConfig(config)).isZero();

            assertThat(output()).contains("running on 127.0.0.1:", "realm default: database reached (PostgreSQL 18");
            assertThat(new Accounts(server).register("default", "after-check@example.com", "pw", UUID.randomUUID(), true)
                    .status()).isEqualTo(200);
        }
    }

    private static Config embedded(Path dataDir) {
        return TestConfig.embedded(dataDir);
    }

    private String output() {
        return output.toString(StandardCharsets.UTF_8);
    }
}
