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

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.syncserver.spaces.Members.item;

/** Rows shared between users through spaces (PROTOCOL §12), with devices doing what sync_client does. */
class SharedSpacesTest {

    private static final String ITEMS = "items";
    private static RealmConfig realm;
    private static TestServer server;
    private static Accounts accounts;
    private static Members members;
    private static ConsoleClient operator;

    @BeforeAll
    static void start() {
        realm = TestPostgres.newRealm("default");
        server = TestConfig.realms(realm).sharing("default", Map.of(ITEMS, "space_id"))
                .admin(ConsoleClient.admin(1_000)).start();
        accounts = new Accounts(server);
        members = new Members(server, "default");
        operator = new ConsoleClient(server).loggedIn();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Accounts.Device newUser() {
        return accounts.device("default", UUID.randomUUID() + "@example.com", "pw", true);
    }

    private static Accounts.Device anotherDevice(Accounts.Device of) {
        return accounts.device("default", of.email(), "pw", false);
    }

    private static SyncDevice device(Accounts.Device account) {
        return new SyncDevice(server, account, false);
    }


    @Test
    void twoUsersShareAListAndEachSeesTheOthersRowsAfterOneSyncWhilePrivateRowsStayPrivate() {
        SyncDevice alice = device(newUser());
        SyncDevice bob = device(newUser());
        UUID list = UUID.randomUUID();
        UUID milk = alice.insert(ITEMS, item(list, "milk"));
        UUID diary = alice.insert(Map.of("text", "alice's private note"));
        UUID bobsDiary = bob.insert(Map.of("text", "bob's private note"));
        alice.sync();
        bob.sync();
        members.share(alice.account(), list, bob.account(), "editor");

        bob.sync();
        assertThat(bob.rows()).containsKey(milk).doesNotContainKey(diary);
        UUID bread = bob.insert(ITEMS, item(list, "bread"));
        bob.sync();
        alice.sync();
        assertThat(alice.rows()).containsKeys(milk, bread).doesNotContainKey(bobsDiary);
        assertThat(alice.rows().get(bread)).containsEntry("text", "bread");
        JsonNode spaces = members.spaces(bob.account());
        assertThat(spaces).hasSize(1);
        assertThat(spaces.get(0).get("role").asText()).isEqualTo("editor");
        assertThat(spaces.get(0).get("rows").asLong()).isEqualTo(2);
        assertThat(spaces.get(0).get("members")).hasSize(2);
    }

    @Test
    void concurrentEditsBetweenUsersConvergeByLastWriterWinsAndBothSeeTheConflict() throws Exception {
        Members.SharedList shared = members.sharedList("editor");
        SyncDevice alice = shared.owner();
        SyncDevice bob = shared.member();
        UUID list = shared.list();
        UUID milk = shared.milk();

        alice.update(milk, item(list, "oat milk"));
        Thread.sleep(5);
        bob.update(milk, item(list, "whole milk"));
        alice.sync();
        bob.sync();
        alice.sync();
        assertThat(alice.rows().get(milk)).containsEntry("text", "whole milk");
        assertThat(bob.rows().get(milk)).containsEntry("text", "whole milk");
        for (SyncDevice device : List.of(alice, bob)) {
            Accounts.Device account = device.account();
            JsonNode conflicts = server.get("/conflicts/default/" + account.clientId(), account).json()
                    .get("conflicts");
            assertThat(conflicts).as("the conflict between two users is shown to both").hasSize(1);
            assertThat(conflicts.get(0).get("kind").asText()).isEqualTo("overwritten");
            assertThat(conflicts.get(0).get("loser").get("rowData").get("text").asText()).isEqualTo("oat milk");
        }
    }

    @Test
    void aNewMembersFreshDeviceGetsTheWholeSpaceAndARemovedMembersDevicesGetADForEveryRowAndNothingLater() {
        SyncDevice alice = device(newUser());
        Accounts.Device bobAccount = newUser();
        SyncDevice bob = device(bobAccount);
        UUID list = UUID.randomUUID();
        List<UUID> items = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            items.add(alice.insert(ITEMS, item(list, "item " + i)));
        }
        alice.delete(items.remove(0));
        alice.sync();
        bob.sync();
        members.share(alice.account(), list, bob.account(), "editor");
        SyncDevice bobsTablet = device(anotherDevice(bobAccount));
        bobsTablet.sync();
        bob.sync();
        assertThat(bobsTablet.rows().keySet()).containsExactlyInAnyOrderElementsOf(items);
        assertThat(bob.rows().keySet()).containsExactlyInAnyOrderElementsOf(items);

        UUID bobsUserId = members.userId(bob.account(), list);
        Response removed = members.remove(alice.account(), list, bobsUserId);
        assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        UUID later = alice.insert(ITEMS, item(list, "after bob left"));
        alice.sync();
        bob.sync();
        bobsTablet.sync();
        assertThat(bob.rows()).as("every shared row left bob's phone").isEmpty();
        assertThat(bobsTablet.rows()).isEmpty();
        alice.update(items.get(0), item(list, "changed after bob left"));
        alice.sync();
        bob.sync();
        assertThat(bob.rows()).doesNotContainKeys(later, items.get(0));
        assertThat(members.spaces(bob.account())).isEmpty();
    }

    @Test
    void aSpaceOfMoreRowsOrBytesThanOnePullReadsAtOnceIsStreamedWholeAndNotSentAgain() {
        SyncDevice alice = device(newUser());
        UUID manyRows = UUID.randomUUID();
        UUID fewLargeRows = UUID.randomUUID();
        for (int i = 0; i < 520; i++) {
            alice.insert(ITEMS, item(manyRows, "item " + i));
        }
        for (int i = 0; i < 4; i++) {
            alice.insert(ITEMS, item(fewLargeRows, i + "x".repeat(300_000)));
        }
        alice.sync();
        SyncDevice bob = device(newUser());
        bob.sync();

        members.share(alice.account(), manyRows, bob.account(), "reader");
        bob.sync();
        assertThat(bob.rows()).as("more rows than a first page").hasSize(520);
        members.share(alice.account(), fewLargeRows, bob.account(), "reader");
        bob.sync();
        assertThat(bob.rows()).as("more bytes than a first page").hasSize(524);
        long imported = bob.imported();
        bob.sync();
        assertThat(bob.imported()).as("the cursor the streamed answers named holds").isEqualTo(imported);
    }

    @Test
    void aReadersEditIsRefusedJournalledAndCorrectedOnItsNextPull() {
        Members.SharedList shared = members.sharedList("reader");
        SyncDevice alice = shared.owner();
        SyncDevice reader = shared.member();
        UUID list = shared.list();
        UUID milk = shared.milk();

        reader.update(milk, item(list, "vandalised"));
        UUID added = reader.insert(ITEMS, item(list, "reader's own"));
        reader.sync();
        alice.sync();
        assertThat(alice.rows().get(milk)).containsEntry("text", "milk");
        assertThat(alice.rows()).doesNotContainKey(added);
        reader.sync();
        assertThat(reader.rows().get(milk)).as("the reader's device is corrected").containsEntry("text", "milk");
        assertThat(reader.rows()).as("a row it may not add is deleted from it").doesNotContainKey(added);
        Accounts.Device account = reader.account();
        JsonNode conflicts = server.get("/conflicts/default/" + account.clientId(), account).json().get("conflicts");
        assertThat(conflicts).extracting(c -> c.get("kind").asText()).containsOnly("refused");
        assertThat(conflicts).extracting(c -> c.get("loser").get("rowData").get("text").asText())
                .containsExactlyInAnyOrder("vandalised", "reader's own");
    }

    @Test
    void aDeviceThatNamesAnotherUsersSpaceNeitherWritesNorReadsIt() {
        SyncDevice alice = device(newUser());
        SyncDevice mallory = device(newUser());
        UUID list = UUID.randomUUID();
        UUID milk = alice.insert(ITEMS, item(list, "milk"));
        alice.sync();
        mallory.sync();
        UUID forged = mallory.insert(ITEMS, item(list, "injected"));
        members.share(alice.account(), list, device(newUser()).account(), "reader"); // the list now lists alice's id
        UUID alicesId = members.userId(alice.account(), list);
        UUID intoAlicesRows = mallory.insert(ITEMS, item(alicesId, "into alice's private rows"));
        mallory.sync();
        mallory.sync();
        alice.sync();
        assertThat(alice.rows()).doesNotContainKeys(forged, intoAlicesRows);
        assertThat(mallory.rows()).doesNotContainKeys(forged, milk);
        assertThat(members.spaces(mallory.account())).isEmpty();
    }

    /** Two lists of alice's, made by her sync: groceries with "nails" in it, hardware with "hammer". */
    private record Lists(UUID groceries, UUID hardware, UUID nails) {
    }

    private static Lists listsOf(SyncDevice alice) {
        UUID groceries = UUID.randomUUID();
        UUID hardware = UUID.randomUUID();
        UUID nails = alice.insert(ITEMS, item(groceries, "nails"));
        alice.insert(ITEMS, item(hardware, "hammer"));
        alice.sync();
        return new Lists(groceries, hardware, nails);
    }

    @Test
    void aRowMovedBetweenSpacesLeavesTheOldSpacesMembersAndArrivesOnceForMembersOfBoth() {
        SyncDevice alice = device(newUser());
        SyncDevice bob = device(newUser());
        SyncDevice carol = device(newUser());
        Lists lists = listsOf(alice);
        UUID groceries = lists.groceries();
        UUID hardware = lists.hardware();
        UUID nails = lists.nails();
        members.share(alice.account(), groceries, bob.account(), "editor");
        members.share(alice.account(), groceries, carol.account(), "editor");
        members.share(alice.account(), hardware, carol.account(), "editor");
        bob.sync();
        carol.sync();
        assertThat(bob.rows()).containsKey(nails);

        alice.update(nails, item(hardware, "nails"));
        alice.sync();
        bob.sync();
        carol.sync();
        assertThat(bob.rows()).as("bob sees only groceries").doesNotContainKey(nails);
        assertThat(carol.rows().get(nails)).as("carol sees both: the row moved, not deleted")
                .containsEntry("space_id", hardware.toString());
    }

    @Test
    void aRemovedMembersOfflineMoveOfARowIntoAnotherSpaceIsRefusedAndTheRowLivesOnce() {
        SyncDevice alice = device(newUser());
        SyncDevice bob = device(newUser());
        Lists lists = listsOf(alice);
        UUID groceries = lists.groceries();
        UUID hardware = lists.hardware();
        UUID nails = lists.nails();
        members.share(alice.account(), groceries, bob.account(), "editor");
        members.share(alice.account(), hardware, bob.account(), "editor");
        bob.sync();
        assertThat(bob.rows()).containsKey(nails);

        // Bob is removed from groceries while his phone, offline, moves the row into hardware.
        Response removed = members.remove(alice.account(), groceries, members.userId(bob.account(), groceries));
        assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        bob.update(nails, item(hardware, "nails, moved by bob"));
        bob.sync();
        bob.sync();
        alice.sync();

        assertThat(alice.rows().get(nails)).as("the row stays where it lives, unchanged")
                .containsEntry("space_id", groceries.toString()).containsEntry("text", "nails");
        assertThat(bob.rows()).as("bob no longer sees it").doesNotContainKey(nails);
        assertThat(liveCopies(nails)).as("owners under which the row is live").isEqualTo(1);
    }

    @Test
    void aDeleteLandingWhereARowMovedAwayKeepsItMovedSoAnOfflineEditElsewhereCannotMakeItLiveTwice() {
        SyncDevice alice = device(newUser());
        SyncDevice carol = device(newUser());
        SyncDevice dave = device(newUser());
        Lists lists = listsOf(alice);
        UUID groceries = lists.groceries();
        UUID hardware = lists.hardware();
        UUID nails = lists.nails();
        UUID garden = UUID.randomUUID();
        alice.insert(ITEMS, item(garden, "rake"));
        alice.sync();
        members.share(alice.account(), groceries, carol.account(), "editor");
        members.share(alice.account(), groceries, dave.account(), "editor");
        members.share(alice.account(), garden, dave.account(), "editor");
        carol.sync();
        dave.sync();

        alice.update(nails, item(hardware, "nails")); // moved where neither carol nor dave sees it
        alice.sync();
        carol.delete(nails); // offline: her delete lands where the row was
        carol.sync();
        dave.update(nails, item(garden, "nails, moved by dave")); // offline too, from his old copy
        dave.sync();
        alice.sync();

        assertThat(alice.rows().get(nails)).as("the row stays where alice moved it")
                .containsEntry("space_id", hardware.toString());
        assertThat(liveCopies(nails)).as("owners under which the row is live").isEqualTo(1);
    }

    @Test
    void anOlderOfflineMoveOfARowDeletedMeanwhileLosesToTheDeleteOnEveryDevice() {
        SyncDevice laptop = device(newUser());
        Lists lists = listsOf(laptop);
        UUID hardware = lists.hardware();
        UUID nails = lists.nails();
        SyncDevice phone = device(anotherDevice(laptop.account()));
        phone.sync();
        assertThat(phone.rows()).containsKey(nails);

        // The phone, its clock a minute behind, moves the row into hardware offline; the laptop deletes it later.
        phone.skewClock(-60_000);
        phone.update(nails, item(hardware, "nails, moved on the phone"));
        laptop.delete(nails);
        laptop.sync();
        phone.sync(); // imports the newer delete, and pushes its older move all the same
        laptop.sync();
        phone.sync();

        assertThat(liveCopies(nails)).as("owners under which the row is live").isZero();
        assertThat(phone.rows()).as("the phone").doesNotContainKey(nails);
        assertThat(laptop.rows()).as("the laptop").doesNotContainKey(nails);
        assertThat(TestPostgres.queryValue(realm, "SELECT count(*) FROM sync_conflicts WHERE rowguid = '" + nails
                + "' AND kind = 'skipped'")).as("the move, journalled").isEqualTo(1L);
    }

    /** The report of SharedConvergenceTest's "a row visible twice" in CI, replayed in its order. */
    @Test
    void aNewerEditThatBringsADeletedRowBackInAnotherSpaceMovesItSoAnEditWhereItWasCannotMakeItLiveTwice() {
        SyncDevice laptop = device(newUser());
        Lists lists = listsOf(laptop);
        UUID groceries = lists.groceries();
        UUID hardware = lists.hardware();
        UUID nails = lists.nails();
        SyncDevice phone = device(anotherDevice(laptop.account()));
        SyncDevice bob = device(newUser());
        members.share(laptop.account(), groceries, bob.account(), "editor");
        phone.sync();
        bob.sync();
        assertThat(bob.rows()).containsKey(nails);

        // The phone deletes the row in groceries; later the laptop, offline, moves it into hardware, which bob does
        // not see; later still bob, offline too, edits his old copy in groceries.
        phone.delete(nails);
        phone.sync();
        laptop.skewClock(1_000);
        laptop.update(nails, item(hardware, "nails, moved on the laptop"));
        laptop.sync(); // imports the delete, and pushes its newer move: the row lives again, in hardware
        bob.skewClock(2_000);
        bob.update(nails, item(groceries, "nails, edited by bob"));
        bob.sync();
        bob.sync();
        phone.sync();
        laptop.sync();

        assertThat(liveCopies(nails)).as("owners under which the row is live").isEqualTo(1);
        assertThat(phone.rows().get(nails)).as("the phone").containsEntry("space_id", hardware.toString());
        assertThat(laptop.rows().get(nails)).as("the laptop").containsEntry("space_id", hardware.toString());
        assertThat(bob.rows()).as("bob does not see hardware").doesNotContainKey(nails);
    }

    /**
     * A member who may not write the space where a row was deleted (a reader, or removed from it) cannot take the row
     * from there with a newer edit, into a space of its own or private: refused, so that an editor's newer edit of
     * its stale copy there brings it back once, not a second time beside it (found by a probe of the placement).
     */
    @Test
    void aReaderOfTheSpaceWhereARowWasDeletedCannotBringItBackElsewhere() {
        Trio trio = aliceBobAndCarol("reader");
        Lists lists = trio.lists();

        trio.deleteTakeElsewhereAndEditWhereItWas(() -> { }, item(lists.hardware(), "moved by bob"));

        assertThat(liveCopies(lists.nails())).as("owners under which the row is live").isEqualTo(1);
        assertThat(trio.bob().rows().get(lists.nails())).as("bob reads groceries")
                .containsEntry("text", "edited by carol");
        assertThat(trio.alice().rows().get(lists.nails())).as("alice").containsEntry("text", "edited by carol");
        assertThat(TestPostgres.queryValue(realm, "SELECT winner_operation || ' over ' || loser_operation"
                + " FROM sync_conflicts WHERE kind = 'refused' AND rowguid = '" + lists.nails() + "'"))
                .as("bob's move, journalled as refused: the delete stays").isEqualTo("D over U");
    }

    @Test
    void aMemberRemovedFromTheSpaceWhereARowWasDeletedCannotBringItBackElsewhere() {
        Trio trio = aliceBobAndCarol("editor");
        Lists lists = trio.lists();
        Runnable bobRemoved = () -> assertThat(members.remove(trio.alice().account(), lists.groceries(),
                members.userId(trio.bob().account(), lists.groceries())).status()).isEqualTo(200);

        trio.deleteTakeElsewhereAndEditWhereItWas(bobRemoved, item(lists.hardware(), "moved by bob"));

        assertThat(liveCopies(lists.nails())).as("owners under which the row is live").isEqualTo(1);
        assertThat(trio.bob().rows()).as("bob no longer sees groceries").doesNotContainKey(lists.nails());
        assertThat(trio.alice().rows().get(lists.nails())).as("alice").containsEntry("text", "edited by carol");
    }

    @Test
    void aReaderCannotTakeARowDeletedInTheSpacePrivate() {
        Trio trio = aliceBobAndCarol("reader");
        Lists lists = trio.lists();

        trio.deleteTakeElsewhereAndEditWhereItWas(() -> { }, Map.of("text", "kept by bob"));

        assertThat(liveCopies(lists.nails())).as("owners under which the row is live").isEqualTo(1);
        assertThat(trio.bob().rows().get(lists.nails())).as("bob reads groceries")
                .containsEntry("text", "edited by carol");
    }

    /** Alice owns groceries (with its row nails) and hardware; bob has a role in groceries and edits hardware. */
    private static Trio aliceBobAndCarol(String bobInGroceries) {
        SyncDevice alice = device(newUser());
        SyncDevice bob = device(newUser());
        SyncDevice carol = device(newUser());
        Lists lists = listsOf(alice);
        members.share(alice.account(), lists.groceries(), bob.account(), bobInGroceries);
        members.share(alice.account(), lists.hardware(), bob.account(), "editor");
        members.share(alice.account(), lists.groceries(), carol.account(), "editor");
        return new Trio(alice, bob, carol, lists);
    }

    private record Trio(SyncDevice alice, SyncDevice bob, SyncDevice carol, Lists lists) {
        /**
         * Bob and carol hold nails; alice deletes it, then {@code meanwhile} happens; later bob, offline, edits his
         * copy into {@code bobs}, later still carol, offline, edits hers in groceries; then everyone syncs twice.
         */
        void deleteTakeElsewhereAndEditWhereItWas(Runnable meanwhile, Map<String, Object> bobs) {
            UUID row = lists.nails();
            bob.sync();
            carol.sync();
            assertThat(bob.rows()).containsKey(row);
            assertThat(carol.rows()).containsKey(row);
            alice.delete(row);
            alice.sync();
            meanwhile.run();
            bob.skewClock(1_000);
            bob.update(row, bobs);
            bob.sync();
            carol.skewClock(2_000);
            carol.update(row, item(lists.groceries(), "edited by carol"));
            carol.sync();
            for (int round = 0; round < 2; round++) {
                for (SyncDevice device : List.of(alice, bob, carol)) {
                    device.sync();
                }
            }
        }
    }

    @Test
    void whereTablesAreSharedATombstoneIsPurgedOnlyOnceEveryDeviceHasAcknowledgedIt() {
        Accounts.Device account = newUser();
        SyncDevice active = device(account);
        SyncDevice offline = device(anotherDevice(account));
        UUID row = active.insert(Map.of("title", "private"));
        active.sync();
        offline.sync();
        active.delete(row);
        active.sync();

        purge();
        assertThat(tombstones(row)).as("the offline device has not received the delete").isEqualTo(1);
        offline.sync();
        purge();
        assertThat(tombstones(row)).as("received, not acknowledged: its import could have failed").isEqualTo(1);
        offline.sync();
        purge();
        assertThat(tombstones(row)).as("its next pull named a vector past it").isZero();
        assertThat(offline.rows()).isEmpty();
    }

    @Test
    void aSpacesTombstoneIsPurgedOnlyOnceNoDeviceCanPullItAnyMore() {
        Members.SharedList shared = members.sharedList("editor");
        SyncDevice owner = shared.owner();
        SyncDevice member = shared.member();
        owner.delete(shared.milk());
        owner.sync();

        purge();
        assertThat(tombstones(shared.milk())).as("the member's device has not received the delete").isEqualTo(1);
        member.sync();
        purge();
        assertThat(tombstones(shared.milk())).as("received, not acknowledged: its import could have failed")
                .isEqualTo(1);
        for (int sync = 0; sync < 4; sync++) { // until the vectors from before the delete are forgotten
            owner.sync();
            member.sync();
        }
        purge();
        assertThat(tombstones(shared.milk())).as("no vector a device may still send holds the space below it")
                .isZero();
        assertThat(member.rows()).doesNotContainKey(shared.milk()).isEqualTo(owner.rows());
    }

    private static long tombstones(UUID rowguid) {
        return TestPostgres.count(realm, "sync_rows WHERE operation = 'D' AND rowguid = '" + rowguid + "'");
    }

    private static void purge() {
        Response purged = operator.post("/api/realms/default/tombstones/purge");
        assertThat(purged.status()).as(purged.body()).isEqualTo(200);
    }

    @Test
    void deletingASpaceEndsItForEveryMemberAndItsIdCannotBeCreatedAgain() {
        Members.SharedList shared = members.sharedList("editor");
        SyncDevice alice = shared.owner();
        SyncDevice bob = shared.member();
        UUID list = shared.list();
        UUID milk = shared.milk();
        Response deleted = members.deleteSpace(alice.account(), list);
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
        UUID offline = bob.insert(ITEMS, item(list, "added offline"));
        bob.sync();
        alice.sync();
        bob.sync();
        assertThat(alice.rows()).doesNotContainKeys(milk, offline);
        assertThat(bob.rows()).doesNotContainKeys(milk, offline);
        assertThat(members.spaces(bob.account())).isEmpty();
        assertThat(members.spaces(alice.account())).isEmpty();
    }

    @Test
    void theLastOwnerCannotLeaveWhileOthersRemainAndInvitationsDoNotRevealAccounts() {
        Accounts.Device alice = newUser();
        SyncDevice aliceDevice = device(alice);
        Accounts.Device bob = newUser();
        UUID list = UUID.randomUUID();
        aliceDevice.insert(ITEMS, item(list, "milk"));
        aliceDevice.sync();
        members.share(aliceDevice.account(), list, bob, "editor");
        UUID aliceId = members.userId(aliceDevice.account(), list);
        Response leaving = members.remove(aliceDevice.account(), list, aliceId);
        assertThat(leaving.status()).isEqualTo(409);
        assertThat(leaving.message()).contains("last owner");

        Response unknown = members.invite(aliceDevice.account(), list, "nobody-" + UUID.randomUUID() + "@example.com",
                "reader");
        Response known = members.invite(aliceDevice.account(), list, newUser().email(), "reader");
        assertThat(unknown.status()).isEqualTo(known.status()).isEqualTo(201);
        assertThat(unknown.json().properties()).extracting(Map.Entry::getKey)
                .containsExactlyElementsOf(known.json().properties().stream().map(Map.Entry::getKey).toList());
        Response notOwner = members.invite(bob, list, "x@example.com", "editor");
        assertThat(notOwner.status()).isEqualTo(403);
        Response stranger = members.invite(newUser(), list, "x@example.com", "editor");
        assertThat(stranger.status()).as("a space one is not in is not there").isEqualTo(404);
    }

    /** Under how many owners (users, spaces) the row is live, read from the database. */
    private static long liveCopies(UUID rowguid) {
        try (Connection connection = DriverManager.getConnection(realm.jdbcUrl(), realm.user(), realm.password());
             PreparedStatement statement = connection.prepareStatement(
                     "SELECT count(*) FROM sync_rows WHERE rowguid = ? AND operation <> 'D'")) {
            statement.setObject(1, rowguid);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
