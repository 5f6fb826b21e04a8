package org.syncserver.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.syncserver.config.TokenMode;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.RunningServer;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Login and refresh in the default token mode, and what a bearer token may do. */
class OpaqueTokenTest {

    @RegisterExtension
    static final RunningServer running = RunningServer.withRealm("default", TokenMode.OPAQUE);

    static final String TOKEN_REFUSED = "Invalid or expired token";
    static final String TOKEN_ACCEPTED = "Wrong username or password";




    @Test
    void loginAnswersTheNodeServersTokenShape() {
        UUID clientId = UUID.randomUUID();
        running.accounts().register("default", "shape@example.com", "pw", clientId, true);
        long before = running.server().clock().millis();

        Response response = running.accounts().login("default", "shape@example.com", "pw", clientId);

        assertThat(response.status()).isEqualTo(200);
        var json = response.json();
        assertThat(json.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(json.get("access_token").asText()).hasSizeGreaterThanOrEqualTo(36);
        assertThat(json.get("refresh_token").asText()).isNotEqualTo(json.get("access_token").asText());
        assertThat(json.get("expires_in").asLong()).isEqualTo(86_400);
        assertThat(json.get("expires_on").asLong()).isEqualTo(before + 86_400_000);
    }

    @Test
    void tokensAreStoredOnlyAsDigests() {
        Device device = running.accounts().device("default", "digest@example.com", "pw", true);
        Object stored = TestPostgres.queryValue(running.realm(),
                "SELECT token FROM user_tokens WHERE clientid = '" + device.clientId() + "'");
        assertThat(stored).isNotNull().isNotEqualTo(device.accessToken());
    }

    @Test
    void loginIsCaseInsensitiveOnTheEmailAndAcceptsColonsInPasswords() {
        UUID clientId = UUID.randomUUID();
        running.accounts().register("default", "colon@example.com", "a:b:c", clientId, true);
        assertThat(running.accounts().login("default", "COLON@example.com", "a:b:c", clientId).status()).isEqualTo(200);
    }

    @Test
    void wrongPasswordOrUnknownEmailIs403WithTheContractualText() {
        UUID clientId = UUID.randomUUID();
        running.accounts().register("default", "wrong@example.com", "pw", clientId, true);

        Response wrongPassword = running.accounts().login("default", "wrong@example.com", "nope", clientId);
        Response unknownEmail = running.accounts().login("default", "unknown@example.com", "pw", clientId);

        assertThat(wrongPassword.status()).isEqualTo(403);
        assertThat(wrongPassword.message()).isEqualTo("Wrong username or password");
        assertThat(unknownEmail.status()).isEqualTo(403);
        assertThat(unknownEmail.message()).isEqualTo("Wrong username or password");
    }

    @Test
    void loginWithAnotherUsersClientIdIs403() {
        UUID mine = UUID.randomUUID();
        UUID theirs = UUID.randomUUID();
        running.accounts().register("default", "mine@example.com", "pw", mine, true);
        running.accounts().register("default", "theirs@example.com", "pw", theirs, true);

        Response response = running.accounts().login("default", "mine@example.com", "pw", theirs);

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.message()).isEqualTo("Invalid clientid for current username and password");
    }

    @Test
    void loginWithoutBasicAuthIs403AsTheNodeServerAnswersAndWithoutClientIdIs400() {
        Response noHeader = running.server().post("/login/default", Map.of("clientId", UUID.randomUUID().toString()));
        assertThat(noHeader.status()).isEqualTo(403);

        Response noClient = running.server().post("/login/default", Map.of(), "Authorization", Accounts.basic("a@b.c", "pw"));
        assertThat(noClient.status()).isEqualTo(400);
        assertThat(noClient.message()).isEqualTo("'clientId' is required");
    }

    @Test
    void refreshReplacesThePairAndTheOldTokensStopWorking() {
        Device device = running.accounts().device("default", "rotate@example.com", "pw", true);

        Device refreshed = running.accounts().refreshed(device);

        assertThat(refreshed.accessToken()).isNotEqualTo(device.accessToken());
        assertThat(running.accounts().refresh("default", device.refreshToken()).status()).as("old refresh token").isEqualTo(403);
        assertThat(unregisterProbe(device)).as("old access token").isEqualTo(TOKEN_REFUSED);
        assertThat(unregisterProbe(refreshed)).as("new access token").isEqualTo(TOKEN_ACCEPTED);
    }

    @Test
    void loginReplacesTheClientsPreviousTokens() {
        Device device = running.accounts().device("default", "relogin@example.com", "pw", true);
        assertThat(running.accounts().login("default", device.email(), "pw", device.clientId()).status()).isEqualTo(200);
        assertThat(running.accounts().refresh("default", device.refreshToken()).status()).isEqualTo(403);
    }

    @Test
    void accessTokenExpiresAfter24Hours() {
        Device device = running.accounts().device("default", "expire@example.com", "pw", true);
        running.server().clock().advance(Duration.ofHours(24).plusSeconds(1));
        assertThat(unregisterProbe(device)).isEqualTo(TOKEN_REFUSED);
        assertThat(running.accounts().refresh("default", device.refreshToken()).status())
                .as("the refresh token outlives the access token").isEqualTo(200);
    }

    @Test
    void unknownOrGarbageTokensAre403() {
        assertThat(running.server().post("/unregister/default", Map.of(), "Authorization", "Bearer nonsense").status())
                .isEqualTo(403);
        assertThat(running.accounts().refresh("default", "nonsense").status()).isEqualTo(403);
        assertThat(running.server().post("/login/default/refreshToken", Map.of()).status()).isEqualTo(400);
    }

    /**
     * An authenticated call that changes nothing: unregister with a wrong password. The token is checked first,
     * so the message tells whether the token was accepted.
     */
    static String unregisterProbe(TestServer server, Device device) {
        return server.post("/unregister/" + device.realm(), Map.of("email", device.email(), "password", "not-the-password",
                "clientId", device.clientId().toString()), "Authorization", device.bearer()).message();
    }

    private static String unregisterProbe(Device device) {
        return unregisterProbe(running.server(), device);
    }
}
