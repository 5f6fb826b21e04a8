package org.syncserver.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.syncserver.config.TokenMode;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.NodeTokens;
import org.syncserver.support.Response;
import org.syncserver.support.RunningServer;
import org.syncserver.support.TestPostgres;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.syncserver.auth.OpaqueTokenTest.TOKEN_ACCEPTED;
import static org.syncserver.auth.OpaqueTokenTest.TOKEN_REFUSED;
import static org.syncserver.auth.OpaqueTokenTest.unregisterProbe;

/** Token mode "jwt": the answer's shape, claims, rotation, and the Node server's tokens. */
class JwtTokenTest {

    @RegisterExtension
    static final RunningServer running = RunningServer.withRealm("integration_test", TokenMode.JWT);




    @Test
    void loginAnswersSignedJwtsCarryingUserAndEmail() throws Exception {
        UUID clientId = UUID.randomUUID();
        running.accounts().register("integration_test", "jwt@example.com", "pw", clientId, true);

        Response response = running.accounts().login("integration_test", "jwt@example.com", "pw", clientId);

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
        Device device = running.accounts().device("integration_test", "jwtrotate@example.com", "pw", true);
        Device refreshed = running.accounts().refreshed(device);

        assertThat(running.accounts().refresh("integration_test", device.refreshToken()).status()).isEqualTo(403);
        assertThat(unregisterProbe(running.server(), device)).isEqualTo(TOKEN_REFUSED);
        assertThat(unregisterProbe(running.server(), refreshed)).isEqualTo(TOKEN_ACCEPTED);
    }

    @Test
    void anAccessTokenIsNotARefreshTokenNorTheOtherWayRound() {
        Device device = running.accounts().device("integration_test", "jwtswap@example.com", "pw", true);
        assertThat(running.accounts().refresh("integration_test", device.accessToken()).status()).isEqualTo(403);
        Device swapped = new Device(device.realm(), device.email(), device.password(), device.clientId(),
                device.refreshToken(), device.accessToken());
        assertThat(unregisterProbe(running.server(), swapped)).isEqualTo(TOKEN_REFUSED);
    }

    @Test
    void nodeServerAccessTokensWithMillisecondIatAreAcceptedFor24Hours() throws Exception {
        Device device = running.accounts().device("integration_test", "legacy@example.com", "pw", true);
        String userId = userId("legacy@example.com");
        String nodeToken = NodeTokens.accessToken(userId, "legacy@example.com", running.server().clock().millis(), "test-access-secret");
        Device legacy = new Device(device.realm(), device.email(), device.password(), device.clientId(), nodeToken, null);

        assertThat(unregisterProbe(running.server(), legacy)).isEqualTo(TOKEN_ACCEPTED);

        String dayOld = NodeTokens.accessToken(userId, "legacy@example.com",
                running.server().clock().millis() - Duration.ofHours(25).toMillis(), "test-access-secret");
        Device old = new Device(device.realm(), device.email(), device.password(), device.clientId(), dayOld, null);
        assertThat(unregisterProbe(running.server(), old)).isEqualTo(TOKEN_REFUSED);
    }

    @Test
    void tokensSignedWithAnotherKeyAre403() throws Exception {
        Device device = running.accounts().device("integration_test", "forged@example.com", "pw", true);
        String forged = NodeTokens.accessToken(userId("forged@example.com"), "forged@example.com", running.server().clock().millis(),
                "some-other-secret-that-is-long-enough");
        Device attacker = new Device(device.realm(), device.email(), device.password(), device.clientId(), forged, null);
        assertThat(unregisterProbe(running.server(), attacker)).isEqualTo(TOKEN_REFUSED);
    }

    private static String userId(String email) {
        return TestPostgres.queryValue(running.realm(), "SELECT id FROM users WHERE email = '" + email + "'").toString();
    }
}
