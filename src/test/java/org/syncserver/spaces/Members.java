package org.syncserver.spaces;

import com.fasterxml.jackson.databind.JsonNode;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestServer;

import java.net.http.HttpRequest;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The membership API (PROTOCOL §12.2) as an app calls it, with a device's bearer token. */
final class Members {

    private final TestServer server;
    private final String realm;

    Members(TestServer server, String realm) {
        this.server = server;
        this.realm = realm;
    }

    /** A list of the owner's with one row in it, shared with a member whose device has pulled it. */
    record SharedList(SyncDevice owner, SyncDevice member, UUID list, UUID milk) {
    }

    /** Two new users: the owner makes a list with "milk" in it and shares it with the member in this role. */
    SharedList sharedList(String role) {
        Accounts accounts = new Accounts(server);
        SyncDevice owner = new SyncDevice(server, accounts.device(realm, UUID.randomUUID() + "@example.com", "pw",
                true), false);
        SyncDevice member = new SyncDevice(server, accounts.device(realm, UUID.randomUUID() + "@example.com", "pw",
                true), false);
        UUID list = UUID.randomUUID();
        UUID milk = owner.insert("items", item(list, "milk"));
        owner.sync();
        share(owner.account(), list, member.account(), role);
        member.sync();
        return new SharedList(owner, member, list, milk);
    }

    /** A row of the shared table {@code items} in the space, as the tests' apps write it. */
    static Map<String, Object> item(UUID space, String text) {
        return Map.of("space_id", space.toString(), "text", text);
    }

    JsonNode spaces(Accounts.Device device) {
        Response answer = server.get("/spaces/" + realm, device);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json().get("spaces");
    }

    Response invite(Accounts.Device owner, UUID spaceId, String email, String role) {
        return server.post("/spaces/" + realm + "/" + spaceId + "/invitations", Map.of("email", email, "role", role),
                "Authorization", owner.bearer());
    }

    JsonNode invitations(Accounts.Device device) {
        Response answer = server.get("/spaces/" + realm + "/invitations", device);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json().get("invitations");
    }

    Response accept(Accounts.Device device, String invitationId) {
        return server.post("/spaces/" + realm + "/invitations/" + invitationId + "/accept", Map.of(),
                "Authorization", device.bearer());
    }

    /** Invites the member's e-mail and accepts with the member's device. */
    void share(Accounts.Device owner, UUID spaceId, Accounts.Device member, String role) {
        Response invited = invite(owner, spaceId, member.email(), role);
        assertThat(invited.status()).as(invited.body()).isEqualTo(201);
        Response accepted = accept(member, invited.json().get("id").asText());
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
    }

    Response remove(Accounts.Device by, UUID spaceId, UUID userId) {
        return server.send(HttpRequest.newBuilder(server.uri("/spaces/" + realm + "/" + spaceId + "/members/" + userId))
                .header("Authorization", by.bearer()).DELETE());
    }

    Response rename(Accounts.Device by, UUID spaceId, String name) {
        return server.send(HttpRequest.newBuilder(server.uri("/spaces/" + realm + "/" + spaceId))
                .header("Authorization", by.bearer()).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(TestServer.json(Map.of("name", name)).toString())));
    }

    Response deleteSpace(Accounts.Device by, UUID spaceId) {
        return server.send(HttpRequest.newBuilder(server.uri("/spaces/" + realm + "/" + spaceId))
                .header("Authorization", by.bearer()).DELETE());
    }

    Response changeRole(Accounts.Device by, UUID spaceId, UUID userId, String role) {
        return server.send(HttpRequest.newBuilder(server.uri("/spaces/" + realm + "/" + spaceId + "/members/" + userId))
                .header("Authorization", by.bearer()).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"role\":\"" + role + "\"}")));
    }

    /** The user id of the device's account, as the membership API shows it. */
    UUID userId(Accounts.Device device, UUID anySpaceItSees) {
        for (JsonNode space : spaces(device)) {
            if (space.get("id").asText().equals(anySpaceItSees.toString())) {
                for (JsonNode member : space.get("members")) {
                    if (member.get("email").asText().equals(device.email())) {
                        return UUID.fromString(member.get("userId").asText());
                    }
                }
            }
        }
        throw new AssertionError(device.email() + " does not see space " + anySpaceItSees);
    }
}
