package org.syncserver.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.syncserver.Main;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.ServerProcess;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;
import org.syncserver.version.BuildInfo;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What an operator sets and reads besides config.json's Node keys: version, JSON logs, environment, bind address. */
class OperatorSwitchesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void versionFlagNamesTheReleaseTheCommitAndThePostgres() throws Exception {
        Process process = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "--version").redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(process.waitFor()).isZero();
        BuildInfo build = BuildInfo.load();
        assertThat(build.version()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(build.postgres()).startsWith("18.");
        assertThat(output.strip()).isEqualTo("Sync Server " + build.version() + " (commit " + build.commit()
                + ", embedded PostgreSQL " + build.postgres() + ")");
    }

    @Test
    void versionEndpointAndBuildInfoMetricTellWhatRuns() {
        try (TestServer server = TestConfig.realms(TestPostgres.newRealm("default")).start()) {
            BuildInfo build = BuildInfo.load();
            JsonNode version = server.get("/version").json();
            assertThat(version.get("version").asText()).isEqualTo(build.version());
            assertThat(version.get("commit").asText()).isEqualTo(build.commit());
            assertThat(version.get("postgres").asText()).isEqualTo(build.postgres());
            assertThat(server.get("/metrics").body()).contains("build_info{commit=\"" + build.commit()
                    + "\",postgres=\"" + build.postgres() + "\",version=\"" + build.version() + "\"} 1\n");
        }
    }

    /**
     * A container's way: config.json names its secret and database URL as ${VARIABLES}, the environment sets them,
     * HOST binds the public port to one address, and LOG_FORMAT=json makes every log line a JSON object.
     */
    @Test
    void secretsAndUrlsFromTheEnvironmentBindAddressAndJsonLogs() throws Exception {
        RealmConfig realm = TestPostgres.newRealm("default");
        Path config = Files.writeString(dir.resolve("config.json"), """
                {"server": {"authentication": "jwt", "secret_key": "${TEST_ACCESS_KEY}",
                            "secret_key_refresh": "${TEST_REFRESH_KEY}"},
                 "db": {"realms": {"default": "${TEST_DB_URL}"}}}""");
        String accessKey = "access-key-only-the-environment-knows-" + UUID.randomUUID();
        Path log = dir.resolve("server.log");
        Map<String, String> environment = Map.of("TEST_ACCESS_KEY", accessKey,
                "TEST_REFRESH_KEY", "refresh-key-only-the-environment-knows-" + UUID.randomUUID(),
                "TEST_DB_URL", TestPostgres.url(realm), "HOST", "127.0.0.2", "LOG_FORMAT", "json");

        try (ServerProcess process = ServerProcess.start(log, environment, "--config", config.toString())) {
            TestServer server = process.client();
            Accounts.Device device = new Accounts(server).device("default", "env@example.com", "pw", true);
            assertThat(SignedJWT.parse(device.accessToken()).verify(new MACVerifier(accessKey)))
                    .as("access tokens are signed with the key from the environment").isTrue();
            assertThat(TestPostgres.queryValue(realm, "SELECT count(*) FROM users")).isEqualTo(1L);
            assertThatThrownBy(() -> connect("127.0.0.1", process.port()))
                    .as("bound to 127.0.0.2 only").isInstanceOf(ConnectException.class);
            process.stop();
        }

        List<JsonNode> lines = jsonLines(log);
        assertThat(lines).anySatisfy(line -> assertThat(line.get("formattedMessage").asText())
                .startsWith("Starting Sync Server"));
        assertThat(lines).anySatisfy(line -> {
            assertThat(line.get("loggerName").asText()).isEqualTo("access");
            assertThat(line.get("level").asText()).isEqualTo("INFO");
            assertThat(line.get("kvpList").toString()).contains("{\"route\":\"/login/{realm}\"}", "{\"status\":\"200\"}",
                    "{\"realm\":\"default\"}", "{\"method\":\"POST\"}");
        });
        assertThat(Files.readString(log)).doesNotContain(accessKey);
    }

    /** Every line the server logged is one JSON object (the JVM's own warnings, if any, are not the server's). */
    private static List<JsonNode> jsonLines(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log).stream().filter(line -> !line.startsWith("WARNING: ")).toList();
        assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(line).startsWith("{").endsWith("}"));
        return lines.stream().map(line -> {
            try {
                return JSON.readTree(line);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + line, e);
            }
        }).toList();
    }

    private static void connect(String host, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2_000);
        }
    }
}
