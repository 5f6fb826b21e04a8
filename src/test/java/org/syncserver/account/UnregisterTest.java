package org.syncserver.account;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.syncserver.config.TokenMode;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.Response;
import org.syncserver.support.RunningServer;
import org.syncserver.support.TestPostgres;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class UnregisterTest {

    @RegisterExtension
    static final RunningServer running = RunningServer.withRealm("default", TokenMode.OPAQUE);




    @Test
    void unregisterRemovesOnlyThatDeviceAndItsTokens() {
        Device first = running.accounts().device("default", "keep@example.com", "pw", true);
        Device second = running.accounts().device("default", "keep@example.com", "pw", false);

        Response response = unregister(second, second.password(), false);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("code").asInt()).isEqualTo(200);
        assertThat(response.message()).isEqualTo("User and Client unregistered successfully!");
        assertThat(clientCount("keep@example.com")).isEqualTo(1L);
        assertThat(running.accounts().refresh("default", second.refreshToken()).status()).isEqualTo(403);
        assertThat(running.accounts().refresh("default", first.refreshToken()).status()).isEqualTo(200);
    }

    @Test
    void unregisterWithDeleteRemoteDataRemovesTheUser() {
        Device device = running.accounts().device("default", "gone@example.com", "pw", true);

        assertThat(unregister(device, device.password(), true).status()).isEqualTo(200);

        assertThat(TestPostgres.queryValue(running.realm(), "SELECT count(*) FROM users WHERE email = 'gone@example.com'"))
                .isEqualTo(0L);
        assertThat(clientCount("gone@example.com")).isEqualTo(0L);
    }

    @Test
    void unregisterNeedsTheRightPasswordAndChangesNothingOtherwise() {
        Device device = running.accounts().device("default", "stay@example.com", "pw", true);

        Response response = unregister(device, "wrong", true);

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.message()).isEqualTo("Wrong username or password");
        assertThat(clientCount("stay@example.com")).isEqualTo(1L);
    }

    @Test
    void aTokenCannotUnregisterAnotherUsersDevice() {
        Device attacker = running.accounts().device("default", "attacker@example.com", "pw", true);
        Device victim = running.accounts().device("default", "victim@example.com", "pw", true);
        Map<String, Object> body = body(victim, victim.password(), true);

        Response response = running.server().post("/unregister/default", body, "Authorization", attacker.bearer());

        assertThat(response.status()).isEqualTo(403);
        assertThat(clientCount("victim@example.com")).isEqualTo(1L);
    }

    @Test
    void unregisterWithoutBearerTokenIs401() {
        Device device = running.accounts().device("default", "nobearer@example.com", "pw", true);
        Response response = running.server().post("/unregister/default", body(device, "pw", false));
        assertThat(response.status()).isEqualTo(401);
        assertThat(response.message()).isEqualTo("Missing bearer token");
    }

    private static Response unregister(Device device, String password, boolean deleteRemoteData) {
        return running.server().post("/unregister/default", body(device, password, deleteRemoteData),
                "Authorization", device.bearer());
    }

    private static Map<String, Object> body(Device device, String password, boolean deleteRemoteData) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", null);
        body.put("email", device.email());
        body.put("password", password);
        body.put("clientId", device.clientId().toString());
        body.put("clientDescription", null);
        body.put("newRegistration", null);
        body.put("deleteRemoteData", deleteRemoteData);
        return body;
    }

    private static Object clientCount(String email) {
        return TestPostgres.queryValue(running.realm(), "SELECT count(*) FROM user_clients c JOIN users u ON u.id = c.userid"
                + " WHERE u.email = '" + email + "'");
    }
}
