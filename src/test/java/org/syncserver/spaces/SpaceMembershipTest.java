package org.syncserver.spaces;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.syncserver.config.MailConfig;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.syncserver.spaces.Members.item;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Membership over time: invitations by e-mail, failed imports, leave and rejoin, a deleted owner, change events. */
class SpaceMembershipTest {

    @RegisterExtension
    static final GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
            .withPerMethodLifecycle(false);

    private static final String ITEMS = "items";
    private static TestServer server;
    private static Accounts accounts;
    private static Members members;

    @BeforeAll
    static void start() {
        RealmConfig realm = TestPostgres.newRealm("default");
        MailConfig mail = new MailConfig("Shopping", "noreply@example.com", "127.0.0.1", smtp.getSmtp().getPort(),
                null, null, Map.of("default", "Shopping List"));
        server = TestConfig.realms(realm).mail(mail).sharing("default", Map.of(ITEMS, "space_id")).start();
        accounts = new Accounts(server);
        members = new Members(server, "default");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Accounts.Device newUser() {
        return accounts.device("default", UUID.randomUUID() + "@example.com", "pw", true);
    }


    @Test
    void anInvitationIsEmailedWithTheAppAndTheInvitersNameAndExpires() throws Exception {
        SyncDevice alice = new SyncDevice(server, newUser(), false);
        UUID list = UUID.randomUUID();
        alice.insert(ITEMS, item(list, "milk"));
        alice.sync();
        String invitee = "friend-" + UUID.randomUUID() + "@example.com";
        Response invited = members.invite(alice.account(), list, invitee, "reader");
        assertThat(invited.status()).as(invited.body()).isEqualTo(201);
        assertThat(invited.json().get("expiresAt").asLong()).isGreaterThan(System.currentTimeMillis());

        MimeMessage mail = awaitMail(invitee);
        assertThat(GreenMailUtil.getBody(mail)).contains("Shopping List").contains("invites you");
        Accounts.Device friend = accounts.device("default", invitee, "pw", true);
        JsonNode invitations = members.invitations(friend);
        assertThat(invitations).hasSize(1);
        assertThat(invitations.get(0).get("role").asText()).isEqualTo("reader");
        assertThat(invitations.get(0).get("from").get("email").asText()).isEqualTo(alice.account().email());
        assertThat(members.invitations(newUser())).as("only the invitee sees it").isEmpty();
        assertThat(members.accept(newUser(), invitations.get(0).get("id").asText()).status()).isEqualTo(404);
    }

    private static MimeMessage awaitMail(String to) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            MimeMessage[] mails = smtp.getReceivedMessagesForDomain(to);
            if (mails.length > 0) {
                return mails[0];
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no mail to " + to);
    }

    @Test
    void aDeviceWhoseImportFailsGetsTheSameAnswerAgainUntilItSucceeds() {
        SyncDevice alice = new SyncDevice(server, newUser(), false);
        Accounts.Device bobAccount = newUser();
        SyncDevice bob = new SyncDevice(server, bobAccount, false);
        UUID list = UUID.randomUUID();
        UUID milk = alice.insert(ITEMS, item(list, "milk"));
        alice.sync();
        bob.sync();
        long before = bob.lastSync();
        members.share(alice.account(), list, bob.account(), "editor");

        bob.knowOnlyTables(Set.of(SyncDevice.TABLE)); // an app version without the shared table
        assertThatThrownBy(bob::sync).hasMessageContaining("Null check operator");
        assertThat(bob.lastSync()).isEqualTo(before);
        Accounts.Device probe = bob.account();
        JsonNode first = rawPull(probe, before);
        JsonNode second = rawPull(probe, before);
        assertThat(second.get("data")).as("the same lastSync, the same answer").isEqualTo(first.get("data"));
        assertThat(first.get("data")).extracting(row -> row.get("rowguid").asText()).containsExactly(milk.toString());

        bob.knowOnlyTables(Set.of(SyncDevice.TABLE, ITEMS));
        bob.sync();
        assertThat(bob.rows()).containsKey(milk);
    }

    /** A pull and cancelSync as the client sends them, without pending changes. */
    private static JsonNode rawPull(Accounts.Device device, long lastSync) {
        Response pulled = server.post("/pull/default/" + device.clientId(), Map.of("clientId",
                device.clientId().toString(), "lastSync", lastSync, "changes", List.of()), "Authorization",
                device.bearer());
        assertThat(pulled.status()).as(pulled.body()).isEqualTo(200);
        server.post("/cancelSync/default", Map.of("clientId", device.clientId().toString()), "Authorization",
                device.bearer());
        return pulled.json();
    }

    @Test
    void aLeaveAndARejoinBetweenTwoSyncsNetOut() {
        Members.SharedList shared = members.sharedList("editor");
        SyncDevice alice = shared.owner();
        SyncDevice bob = shared.member();
        UUID list = shared.list();
        UUID milk = shared.milk();
        UUID bobId = members.userId(bob.account(), list);
        assertThat(members.remove(alice.account(), list, bobId).status()).isEqualTo(200);
        members.share(alice.account(), list, bob.account(), "reader");

        JsonNode answer = rawPull(bob.account(), bob.lastSync());
        assertThat(answer.get("data")).as("no D, no re-sent rows").isEmpty();
        bob.sync();
        assertThat(bob.rows()).containsKey(milk);
    }

    @Test
    void whenTheLastOwnerIsDeletedTheLongestStandingEditorOwnsTheSpaceAndItsRowsStay() {
        Accounts.Device aliceAccount = newUser();
        SyncDevice alice = new SyncDevice(server, aliceAccount, false);
        SyncDevice bob = new SyncDevice(server, newUser(), false);
        SyncDevice carol = new SyncDevice(server, newUser(), false);
        UUID list = UUID.randomUUID();
        UUID milk = alice.insert(ITEMS, item(list, "milk"));
        alice.sync();
        members.share(alice.account(), list, carol.account(), "reader");
        members.share(alice.account(), list, bob.account(), "editor");

        Accounts.Device deleting = accounts.refreshed(alice.account());
        Response gone = accounts.unregister(deleting, true);
        assertThat(gone.status()).as(gone.body()).isEqualTo(200);
        JsonNode spaces = members.spaces(bob.account());
        assertThat(spaces).hasSize(1);
        assertThat(spaces.get(0).get("role").asText()).isEqualTo("owner");
        assertThat(spaces.get(0).get("members")).hasSize(2);
        bob.sync();
        carol.sync();
        assertThat(bob.rows()).containsKey(milk);
        assertThat(carol.rows()).containsKey(milk);
    }

    @Test
    void aPushIntoASpaceWakesEveryMembersWaitingDevice() throws Exception {
        SyncDevice alice = new SyncDevice(server, newUser(), false);
        Accounts.Device bob = newUser();
        UUID list = UUID.randomUUID();
        alice.insert(ITEMS, item(list, "milk"));
        alice.sync();
        members.share(alice.account(), list, bob, "editor");
        long since = 1; // bob has no rows of his own: only the space's notice can wake him
        CompletableFuture<Response> waiting = CompletableFuture.supplyAsync(() -> server.send(HttpRequest.newBuilder(
                        server.uri("/events/default/" + bob.clientId() + "?since=" + since + "&wait=20"))
                .header("Authorization", bob.bearer()).GET()));
        Thread.sleep(1_500);
        List<UUID> added = new ArrayList<>();
        added.add(alice.insert(ITEMS, item(list, "bread")));
        alice.sync();
        Response woken = waiting.get(15, TimeUnit.SECONDS);
        assertThat(woken.status()).as(woken.body()).isEqualTo(200);
        assertThat(woken.json().get("clock").asLong()).isGreaterThan(since);
        assertThat(added).hasSize(1);
    }

    /**
     * A notification is best effort (a listener connection may be down when a push commits): the events' safety
     * check must find a push into a space as it finds a push of the user's other device, and poke no one who is up
     * to date.
     */
    @Test
    void theSafetyCheckWakesAMemberWhoseNotificationWasLostAndNoOneElse() throws Exception {
        RealmConfig realm = TestPostgres.newRealm("default");
        try (TestServer checked = withFastSafetyCheck(realm)) {
            Members.SharedList shared = new Members(checked, "default").sharedList("editor");
            CompletableFuture<Response> waiting = longPoll(checked, shared.member());
            Thread.sleep(2_000); // two safety checks: bob has everything
            assertThat(waiting).as("bob, up to date, is not woken").isNotDone();

            try (Connection admin = DriverManager.getConnection(realm.jdbcUrl().replaceFirst("/[^/?]+(\\?|$)",
                    "/postgres$1"), "postgres", null); Statement sql = admin.createStatement()) {
                String database = realm.jdbcUrl().replaceAll(".*/([^/?]+).*", "$1");
                // The listeners are cut off and, refused a new connection for two seconds, wait longer after each
                // try (0.5, 1, 2 s): the push just after comes while no instance listens. No client call is made
                // while the realm refuses connections (the pool might need a new one).
                sql.execute("ALTER DATABASE " + database + " ALLOW_CONNECTIONS false");
                try {
                    ResultSet killed = sql.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                            + " WHERE application_name = 'sync-server-listener' AND datname = '" + database + "'");
                    killed.next();
                    assertThat(killed.getLong(1)).as("listener connections killed").isPositive();
                    Thread.sleep(2_000);
                } finally {
                    sql.execute("ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
                }
            }
            shared.owner().insert(ITEMS, item(shared.list(), "bread"));
            shared.owner().sync();

            Response woken = waiting.get(10, TimeUnit.SECONDS);
            assertThat(woken.status()).as(woken.body()).isEqualTo(200);
            assertThat(woken.json().get("clock").asLong()).isGreaterThan(shared.member().lastSync());
        }
    }

    /**
     * A push into a space takes the space's stamp, then stores its rows and commits; a member's pull in between
     * reads the space's clock from before it and names its cursor after it. The push's notice, compared with that
     * name, wakes no one; the safety check compares the space's rows with the space's clock in the pull's vector,
     * and wakes the member, whose next sync brings the row.
     */
    @Test
    void aPushCommittedAfterAMembersPullThatItsStampPrecedesStillWakesTheMember() throws Exception {
        RealmConfig realm = TestPostgres.newRealm("default");
        try (TestServer checked = withFastSafetyCheck(realm);
             Connection locker = DriverManager.getConnection(realm.jdbcUrl(), "postgres", null)) {
            Members.SharedList shared = new Members(checked, "default").sharedList("editor");
            locker.setAutoCommit(false);
            // the push's statement that stores rows also writes the journal: it waits here, its stamp taken
            locker.createStatement().execute("LOCK TABLE sync_conflicts IN SHARE MODE");
            UUID bread = shared.owner().insert(ITEMS, item(shared.list(), "bread"));
            CompletableFuture<Void> pushing = CompletableFuture.runAsync(shared.owner()::sync);
            try {
                assertThat(TestPostgres.aLockIsAwaitedOn(realm, "sync_conflicts")).as("the push waits, stamped")
                        .isTrue();
                shared.member().sync();
            } finally {
                locker.rollback();
            }
            pushing.get(10, TimeUnit.SECONDS);
            assertThat(shared.member().rows()).as("the pull came before the push's commit").doesNotContainKey(bread);

            Response woken = longPoll(checked, shared.member()).get(10, TimeUnit.SECONDS);
            assertThat(woken.status()).as(woken.body()).isEqualTo(200);
            shared.member().sync();
            assertThat(shared.member().rows()).containsKey(bread);
        }
    }

    /** A server whose events' safety check runs every 0.7 s, so that a test sees it work. */
    private static TestServer withFastSafetyCheck(RealmConfig realm) {
        return TestConfig.realms(realm).sharing("default", Map.of(ITEMS, "space_id"))
                .notifications(TestConfig.FAST_NOTIFICATIONS).start();
    }

    /** The device's long poll from its cursor, waiting up to 20 s. */
    private static CompletableFuture<Response> longPoll(TestServer server, SyncDevice device) {
        Accounts.Device account = device.account();
        return CompletableFuture.supplyAsync(() -> server.send(HttpRequest.newBuilder(server.uri("/events/default/"
                + account.clientId() + "?since=" + device.lastSync() + "&wait=20"))
                .header("Authorization", account.bearer()).GET()));
    }
}
