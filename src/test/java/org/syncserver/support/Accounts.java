package org.syncserver.support;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The account calls of sync_client, for tests that need a registered, logged-in device. */
public final class Accounts {

    /** A device of a user, with its current tokens. */
    public record Device(String realm, String email, String password, UUID clientId, String accessToken,
                         String refreshToken) {
        public String bearer() {
            return "Bearer " + accessToken;
        }
    }

    private final TestServer server;

    public Accounts(TestServer server) {
        this.server = server;
    }

    public static Map<String, Object> registration(String email, String password, UUID clientId, boolean newUser) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", newUser ? "Test User" : "");
        body.put("email", email);
        body.put("password", password);
        body.put("clientId", clientId.toString());
        body.put("clientDescription", "{\"name\":\"Pixel 8\",\"systemName\":\"ANDROID\"}");
        body.put("newRegistration", newUser);
        body.put("deleteRemoteData", false);
        body.put("language", "en");
        return body;
    }

    public Response register(String realm, String email, String password, UUID clientId, boolean newUser) {
        return server.post("/register/" + realm, registration(email, password, clientId, newUser));
    }

    public static String basic(String email, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((email + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    public Response login(String realm, String email, String password, UUID clientId) {
        return server.post("/login/" + realm, Map.of("clientId", clientId.toString()),
                "Authorization", basic(email, password));
    }

    /** Unregisters the device, as sync_client's unregister sends it; with {@code deleteRemoteData} the whole user. */
    public Response unregister(Device device, boolean deleteRemoteData) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("email", device.email());
        body.put("password", device.password());
        body.put("clientId", device.clientId().toString());
        body.put("deleteRemoteData", deleteRemoteData);
        return server.post("/unregister/" + device.realm(), body, "Authorization", device.bearer());
    }

    public Response refresh(String realm, String refreshToken) {
        return server.post("/login/" + realm + "/refreshToken", Map.of("refreshToken", refreshToken));
    }

    /** Registers a new user (or, when {@code newUser} is false, a further device of it) and logs the device in. */
    public Device device(String realm, String email, String password, boolean newUser) {
        UUID clientId = UUID.randomUUID();
        assertThat(register(realm, email, password, clientId, newUser).status()).isEqualTo(200);
        Response tokens = login(realm, email, password, clientId);
        assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
        return withTokens(new Device(realm, email, password, clientId, null, null), tokens);
    }

    /** Logs in a device registered by the test itself. */
    public Device loggedIn(String realm, String email, String password, UUID clientId) {
        Response tokens = login(realm, email, password, clientId);
        assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
        return withTokens(new Device(realm, email, password, clientId, null, null), tokens);
    }

    /** Refreshes the device's tokens, as sync_client does before every authenticated call. */
    public Device refreshed(Device device) {
        Response tokens = refresh(device.realm(), device.refreshToken());
        assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
        return withTokens(device, tokens);
    }

    private static Device withTokens(Device device, Response tokens) {
        var json = tokens.json();
        String access = json.has("accessToken") ? json.get("accessToken").asText() : json.get("access_token").asText();
        String refresh = json.has("refreshToken") ? json.get("refreshToken").asText() : json.get("refresh_token").asText();
        return new Device(device.realm(), device.email(), device.password(), device.clientId(), access, refresh);
    }
}
