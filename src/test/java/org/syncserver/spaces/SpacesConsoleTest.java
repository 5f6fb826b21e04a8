package org.syncserver.spaces;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.ConsoleClient;
import org.syncserver.support.Response;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** What an operator sees of spaces (PROTOCOL §12.4), and what deleting a member does to the others' journals. */
class SpacesConsoleTest {

    private static final String ITEMS = "items";
    private static RealmConfig realm;
    private static TestServer server;
    private static Accounts accounts;
    private static Members members;

    @BeforeAll
    static void start() {
        realm = TestPostgres.newRealm("default");
        server = TestConfig.realms(realm).sharing("default", Map.of(ITEMS, "space_id"))
                .admin(ConsoleClient.admin(1_000)).start();
        accounts = new Accounts(server);
        members = new Members(server, "default");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theOperatorSeesSpacesAndAUsersExportHoldsTheSharedRowsItWroteAndItsDeletionScrubsTheJournals()
            throws Exception {
        SyncDevice alice = new SyncDevice(server, accounts.device("default", UUID.randomUUID() + "@example.com",
                "pw", true), false);
        SyncDevice bob = new SyncDevice(server, accounts.device("default", UUID.randomUUID() + "@example.com",
                "pw", true), false);
        UUID list = UUID.randomUUID();
        UUID milk = alice.insert(ITEMS, Map.of("space_id", list.toString(), "text", "milk"));
        alice.sync();
        members.share(alice.account(), list, bob.account(), "editor");
        bob.sync();
        UUID bread = bob.insert(ITEMS, Map.of("space_id", list.toString(), "text", "bread"));
        bob.sync();
        bob.update(milk, Map.of("space_id", list.toString(), "text", "bob's milk"));
        Thread.sleep(5);
        alice.update(milk, Map.of("space_id", list.toString(), "text", "alice's milk"));
        bob.sync();
        alice.sync(); // alice's newer edit overwrites bob's: journalled under the space with bob's text
        UUID bobId = members.userId(bob.account(), list);

        ConsoleClient operator = new ConsoleClient(server).loggedIn();
        JsonNode spaces = operator.get("/api/realms/default/spaces").json().get("spaces");
        JsonNode space = spaces.findParents("id").stream().filter(s -> s.get("id").asText().equals(list.toString()))
                .findFirst().orElseThrow();
        assertThat(space.get("members").asInt()).isEqualTo(2);
        assertThat(space.get("rows").asLong()).isEqualTo(2);
        assertThat(space.get("bytes").asLong()).isPositive();
        JsonNode bobsSpaces = operator.get("/api/realms/default/users/" + bobId + "/spaces").json().get("spaces");
        assertThat(bobsSpaces).hasSize(1);
        assertThat(bobsSpaces.get(0).get("role").asText()).isEqualTo("editor");

        Response page = operator.get("/realms/default/users/" + bobId);
        assertThat(page.body()).contains("Shared spaces").contains(list.toString()).contains("editor");

        JsonNode export = operator.get("/api/realms/default/users/" + bobId + "/export").json();
        assertThat(export.get("rows")).extracting(row -> row.get("rowguid").asText())
                .as("the shared row bob wrote, not alice's").contains(bread.toString())
                .doesNotContain(milk.toString());

        String scrubbed = "SELECT count(*) FROM sync_conflicts WHERE userid = '" + list
                + "' AND CAST(loser_json AS TEXT) LIKE '%bob''s milk%'";
        assertThat(((Number) TestPostgres.queryValue(realm, scrubbed)).longValue()).isEqualTo(1);
        Response deleted = operator.delete("/api/realms/default/users/" + bobId);
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
        assertThat(((Number) TestPostgres.queryValue(realm, scrubbed)).longValue())
                .as("bob's text is gone from the space's journal").isZero();
        assertThat(members.spaces(alice.account()).get(0).get("members")).hasSize(1);
        alice.sync();
        assertThat(alice.rows()).as("bob's rows stay with the space").containsKeys(milk, bread);
    }

    /**
     * The owner names a space (an editor may not; a name past its limit is refused) and the operator's page of the
     * realm's spaces shows it, escaped, with its members, rows and storage.
     */
    @Test
    void theRealmsSpacesPageShowsEachSpaceByTheNameItsOwnerGaveIt() {
        Members.SharedList shared = members.sharedList("editor");
        String name = "Groceries <b>& more</b>";
        Response byEditor = members.rename(shared.member().account(), shared.list(), "mine now");
        assertThat(byEditor.status()).as(byEditor.body()).isEqualTo(403);
        Response tooLong = members.rename(shared.owner().account(), shared.list(), "x".repeat(1_000));
        assertThat(tooLong.status()).as(tooLong.body()).isEqualTo(400);
        Response renamed = members.rename(shared.owner().account(), shared.list(), name);
        assertThat(renamed.status()).as(renamed.body()).isEqualTo(200);
        assertThat(members.spaces(shared.member().account()).get(0).get("name").asText()).isEqualTo(name);

        ConsoleClient operator = new ConsoleClient(server).loggedIn();
        assertThat(operator.get("/realms").body()).contains("href=\"/realms/default/spaces\"");
        Response page = operator.get("/realms/default/spaces");
        assertThat(page.status()).isEqualTo(200);
        int id = page.body().indexOf(shared.list().toString());
        assertThat(id).as("the space is on the page").isNotNegative();
        String row = page.body().substring(page.body().lastIndexOf("<tr>", id), page.body().indexOf("</tr>", id));
        assertThat(row).contains("<td>Groceries &lt;b&gt;&amp; more&lt;/b&gt;</td>")
                .contains("<td class=\"n\">2</td><td class=\"n\">1</td>"); // members, rows
    }
}
