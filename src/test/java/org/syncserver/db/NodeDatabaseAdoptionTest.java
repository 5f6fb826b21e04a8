package org.syncserver.db;

import com.fasterxml.jackson.databind.JsonNode;
import org.bouncycastle.crypto.generators.SCrypt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.TokenMode;
import org.syncserver.support.Accounts;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** A database created and filled by the Node server is adopted in place, and its users keep their passwords. */
class NodeDatabaseAdoptionTest {

    private static final UUID SHA_USER = UUID.randomUUID();
    private static final UUID SCRYPT_USER = UUID.randomUUID();
    private static final UUID SHA_CLIENT = UUID.randomUUID();
    private static final UUID SCRYPT_CLIENT = UUID.randomUUID();
    private static final UUID ROW = UUID.randomUUID();
    private static final UUID DELETED_ROW = UUID.randomUUID();

    private RealmConfig realm;

    @BeforeEach
    void nodeDatabase() throws Exception {
        realm = TestPostgres.newRealm("default");
        TestPostgres.execute(realm, resource("/node_server_schema.sql"));
        String shaSalt = UUID.randomUUID().toString();
        String scryptSalt = UUID.randomUUID().toString();
        TestPostgres.execute(realm, """
                INSERT INTO users (id, name, email, password, salt, language) VALUES
                  ('%s', 'Old Sha', 'sha@example.com', '%s', '%s', 'it'),
                  ('%s', 'Old Scrypt', 'scrypt@example.com', '%s', '%s', 'en');
                INSERT INTO user_clients (clientid, userid, lastsync, syncing, clientdetails) VALUES
                  ('%s', '%s', 1700000000000, NULL, '{"name":"old phone"}'),
                  ('%s', '%s', NULL, NULL, NULL);
                INSERT INTO user_tokens (clientid, token, refreshtoken, lastrefresh)
                  VALUES ('%s', '%s', '%s', 1700000000000);
                INSERT INTO data (rowguid, json) VALUES ('%s', '{"title":"kept"}');
                INSERT INTO sync_data (userid, clientid, tablename, rowguid, operation, clientdate, serverdate) VALUES
                  ('%s', '%s', 'todos', '%s', 'I', 1700000000000, 1700000000100),
                  ('%s', '%s', 'todos', '%s', 'I', 1700000000000, 1700000000100),
                  ('%s', '%s', 'todos', '%s', 'D', 1700000000500, 1700000000600);
                """.formatted(
                SHA_USER, sha512Hex("old-password" + shaSalt), shaSalt,
                SCRYPT_USER, scryptHex("new-password", scryptSalt), scryptSalt,
                SHA_CLIENT, SHA_USER, SCRYPT_CLIENT, SCRYPT_USER,
                SHA_CLIENT, UUID.randomUUID(), UUID.randomUUID(),
                ROW, SHA_USER, SHA_CLIENT, ROW,
                SHA_USER, SHA_CLIENT, DELETED_ROW, SHA_USER, SHA_CLIENT, DELETED_ROW));
    }

    @Test
    void existingTablesAndRowsSurviveAdoptionAndARestart() {
        try (TestServer ignored = TestServer.start(TokenMode.OPAQUE, realm)) {
            assertThat(TestPostgres.count(realm, "users")).isEqualTo(2);
            assertThat(TestPostgres.queryValue(realm, "SELECT json->>'title' FROM data WHERE rowguid = '" + ROW + "'"))
                    .isEqualTo("kept");
            assertThat(TestPostgres.count(realm, "sync_data")).isEqualTo(3);
            assertThat(TestPostgres.queryValue(realm, "SELECT lastsync FROM user_clients WHERE clientid = '" + SHA_CLIENT + "'"))
                    .isEqualTo(1700000000000L);
        }
        try (TestServer ignored = TestServer.start(TokenMode.OPAQUE, realm)) {
            assertThat(TestPostgres.count(realm, "users")).as("second start migrates nothing twice").isEqualTo(2);
        }
    }

    @Test
    void usersWithSha512OrScryptHashesLogInAndAreMovedToArgon2id() {
        try (TestServer server = TestServer.start(TokenMode.OPAQUE, realm)) {
            Accounts accounts = new Accounts(server);

            assertThat(accounts.login("default", "sha@example.com", "old-password", SHA_CLIENT).status()).isEqualTo(200);
            assertThat(accounts.login("default", "scrypt@example.com", "new-password", SCRYPT_CLIENT).status())
                    .isEqualTo(200);
            assertThat(accounts.login("default", "scrypt@example.com", "wrong", SCRYPT_CLIENT).status()).isEqualTo(403);

            assertThat((String) TestPostgres.queryValue(realm, "SELECT password FROM users WHERE id = '" + SHA_USER + "'"))
                    .startsWith("$argon2id$");
            assertThat(accounts.login("default", "sha@example.com", "old-password", SHA_CLIENT).status())
                    .as("after re-hashing").isEqualTo(200);
        }
    }

    @Test
    void aNewDeviceOfAnAdoptedUserPullsTheNodeServersRowsAndDeletes() {
        try (TestServer server = TestServer.start(TokenMode.OPAQUE, realm)) {
            Accounts.Device device = new Accounts(server).device("default", "sha@example.com", "old-password", false);

            var answer = server.post("/pull/default/" + device.clientId(), Map.of("clientId",
                    device.clientId().toString(), "lastSync", 0, "changes", List.of()), "Authorization", device.bearer());

            assertThat(answer.status()).isEqualTo(200);
            Map<String, JsonNode> rows = new HashMap<>();
            answer.json().get("data").forEach(row -> rows.put(row.get("rowguid").asText(), row));
            assertThat(rows.get(ROW.toString()).get("rowData").get("title").asText()).isEqualTo("kept");
            assertThat(rows.get(DELETED_ROW.toString()).get("operation").asText()).isEqualTo("D");
            assertThat(rows).hasSize(2);
        }
    }

    private static String sha512Hex(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String scryptHex(String password, String salt) {
        return HexFormat.of().formatHex(SCrypt.generate(password.getBytes(StandardCharsets.UTF_8),
                salt.getBytes(StandardCharsets.UTF_8), 16_384, 8, 1, 64));
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = NodeDatabaseAdoptionTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
