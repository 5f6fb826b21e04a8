package org.syncserver.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.TokenMode;
import org.syncserver.support.Accounts;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.NodeTokens;
import org.syncserver.support.Response;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.syncserver.auth.OpaqueTokenTest.TOKEN_ACCEPTED;
import static org.syncserver.auth.OpaqueTokenTest.TOKEN_REFUSED;
import static org.syncserver.auth.OpaqueTokenTest.unregisterProbe;

/** Token mode "jwt": the answer's shape, claims, rotation, and the Node server's tokens. */
class JwtTokenTest {

    private static RealmConfig realm;
    private static TestServer server;
    private static Accounts accounts;

    @BeforeAll
    static void start() {
        realm = TestPostgres.newRealm("integration_test");
        server = TestServer.start(TokenMode.JWT, realm);
        accounts = new Accounts(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void loginAnswersSignedJwtsCarryingUserAndEmail() throws Exception {
        UUID clientId = UUID.randomUUID();
        accounts.register("integration_test", "jwt@example.com", "pw", clientId, true);

        Response response = accounts.login("integration_test", "jwt@example.com", "pw", clientId);

        assertThat(response.status()).isEqualTo(200);
        SignedJWT access = SignedJWT.parse(response.json().get("accessToken").asText());
        SignedJWT refresh = SignedJWT.parse(response.json().get("refreshToken").asText());
        assertThat(access.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
        assertThat(access.getJWTClaimsSet().getStringClaim("email")).isEqualTo("jwt@example.com");
        assertThat(access.getJWTClaimsSet().getStringClaim("userid")).isNotBlank();
        Duration accessLife = Duration.between(access.getJWTClaimsSet().getIssueTime().toInstant(),
                access.getJWTClaimsSet().getExpirationTime().toInstant());
        assertThat(accessLife).isEqualTo(Duration.ofHours(24));
        assertThat(refresh.getJWTClaimsSet().getExpirationTime())
                .isAfter(access.getJWTClaimsSet().getExpirationTime());
    }

    @Test
    void refreshRotatesAndARefreshTokenWorksOnce() {
        Device device = accounts.device("integration_test", "jwtrotate@example.com", "pw", true);
        Device refreshed = accounts.refreshed(device);

        assertThat(accounts.refresh("integration_test", device.refreshToken()).status()).isEqualTo(403);
        assertThat(unregisterProbe(server, device)).isEqualTo(TOKEN_REFUSED);
        assertThat(unregisterProbe(server, refreshed)).isEqualTo(TOKEN_ACCEPTED);
    }

    @Test
    void anAccessTokenIsNotARefreshTokenNorTheOtherWayRound() {
        Device device = accounts.device("integration_test", "jwtswap@example.com", "pw", true);
        assertThat(accounts.refresh("integration_test", device.accessToken()).status()).isEqualTo(403);
        Device swapped = new Device(device.realm(), device.email(), device.password(), device.clientId(),
                device.refreshToken(), device.accessToken());
        assertThat(unregisterProbe(server, swapped)).isEqualTo(TOKEN_REFUSED);
    }

    @Test
    void nodeServerAccessTokensWithMillisecondIatAreAcceptedFor24Hours() throws Exception {
        Device device = accounts.device("integration_test", "legacy@example.com", "pw", true);
        String userId = userId("legacy@example.com");
        String nodeToken = NodeTokens.accessToken(userId, "legacy@example.com", server.clock().millis(), "test-access-secret");
        Device legacy = new Device(device.realm(), device.email(), device.password(), device.clientId(), nodeToken, null);

        assertThat(unregisterProbe(server, legacy)).isEqualTo(TOKEN_ACCEPTED);

        String dayOld = NodeTokens.accessToken(userId, "legacy@example.com",
                server.clock().millis() - Duration.ofHours(25).toMillis(), "test-access-secret");
        Device old = new Device(device.realm(), device.email(), device.password(), device.clientId(), dayOld, null);
        assertThat(unregisterProbe(server, old)).isEqualTo(TOKEN_REFUSED);
    }

    @Test
    void tokensSignedWithAnotherKeyAre403() throws Exception {
        Device device = accounts.device("integration_test", "forged@example.com", "pw", true);
        String forged = NodeTokens.accessToken(userId("forged@example.com"), "forged@example.com", server.clock().millis(),
                "some-other-secret-that-is-long-enough");
        Device attacker = new Device(device.realm(), device.email(), device.password(), device.clientId(), forged, null);
        assertThat(unregisterProbe(server, attacker)).isEqualTo(TOKEN_REFUSED);
    }

    private static String userId(String email) {
        return TestPostgres.queryValue(realm, "SELECT id FROM users WHERE email = '" + email + "'").toString();
    }
}
