package org.syncserver.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.syncserver.config.Config;
import org.syncserver.config.MailConfig;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.ConsoleClient;
import org.syncserver.support.Response;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator API (PROTOCOL §11.4) over HTTP against the real server and database: who may call it, what each
 * action does to devices and data, and that every action and login is audited.
 */
class ConsoleApiTest {

    @RegisterExtension
    static final GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
            .withPerMethodLifecycle(false);

    private static RealmConfig realm;
    private static TestServer server;
    private static Accounts accounts;

    @BeforeAll
    static void start() {
        realm = TestPostgres.newRealm("default");
        MailConfig mail = new MailConfig("Sync Server", "noreply@example.com", "127.0.0.1",
                smtp.getSmtp().getPort(), null, null, Map.of());
        server = TestConfig.realms(realm).mail(mail).admin(ConsoleClient.admin(1_000)).start();
        accounts = new Accounts(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static ConsoleClient operator() {
        return new ConsoleClient(server).loggedIn();
    }

    @Test
    void nothingIsAnsweredWithoutCredentials() {
        ConsoleClient anonymous = new ConsoleClient(server);
        Device device = newUser("anonymous");

        assertThat(anonymous.get("/api/realms").status()).isEqualTo(401);
        assertThat(anonymous.get("/api/audit").status()).isEqualTo(401);
        assertThat(anonymous.post("/api/realms/default/devices/" + device.clientId() + "/revoke").status())
                .isEqualTo(401);
        Response page = anonymous.get("/realms");
        assertThat(page.status()).isEqualTo(303);
        assertThat(page.header("Location")).isEqualTo("/login");
        assertThat(accounts.refresh("default", device.refreshToken()).status()).isEqualTo(200);
    }

    @Test
    void aWrongPasswordOrUnknownOperatorIs401AlikeAndAudited() {
        ConsoleClient client = new ConsoleClient(server);
        Response wrongPassword = client.login(ConsoleClient.OPERATOR, "not the password");
        Response unknown = client.login("mallory", ConsoleClient.PASSWORD);

        assertThat(wrongPassword.status()).isEqualTo(401);
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.message()).isEqualTo(wrongPassword.message());
        assertThat(wrongPassword.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(auditEntries(operator(), "login")).anySatisfy(entry -> {
            assertThat(entry.get("operator").asText()).isEqualTo("mallory");
            assertThat(entry.get("outcome").asText()).startsWith("failed");
            assertThat(entry.get("address").asText()).isEqualTo("127.0.0.1");
        });
    }

    @Test
    void theSessionCookieIsHttpOnlyAndSameSiteStrict() {
        Response login = new ConsoleClient(server).login(ConsoleClient.OPERATOR, ConsoleClient.PASSWORD);

        assertThat(login.status()).isEqualTo(200);
        assertThat(login.header("Set-Cookie")).contains("HttpOnly").contains("SameSite=Strict").doesNotContain("Secure");
        assertThat(login.json().get("csrfToken").asText()).hasSizeGreaterThan(30);
        Response behindTls = new ConsoleClient(server).send("POST", "/api/login", Map.of("name", ConsoleClient.OPERATOR,
                "password", ConsoleClient.PASSWORD), Map.of("X-Forwarded-Proto", "https"));
        assertThat(behindTls.header("Set-Cookie")).contains("Secure");
    }

    @Test
    void aChangeWithoutTheSessionsCsrfTokenIsRefusedAndChangesNothing() {
        ConsoleClient operator = operator();
        Device device = newUser("csrf");
        String revoke = "/api/realms/default/devices/" + device.clientId() + "/revoke";

        assertThat(operator.send("POST", revoke, Map.of(), Map.of()).status()).isEqualTo(403);
        assertThat(operator.send("POST", revoke, Map.of(), Map.of("X-CSRF-Token", "forged")).status()).isEqualTo(403);
        assertThat(accounts.refresh("default", device.refreshToken()).status()).isEqualTo(200);
    }

    @Test
    void aConsoleFormPostedWithoutTheCsrfTokenIsRefused() {
        ConsoleClient operator = operator();
        Device device = newUser("form-csrf");

        Response forged = operator.send("POST", "/realms/default/devices/" + device.clientId() + "/revoke", null,
                Map.of("Content-Type", "application/x-www-form-urlencoded"));

        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.body()).contains("did not come from the console");
        assertThat(accounts.refresh("default", device.refreshToken()).status()).isEqualTo(200);
    }

    @Test
    void aSessionEndsAfterItsIdleTime() {
        ConsoleClient operator = operator();
        assertThat(operator.get("/api/realms").status()).isEqualTo(200);

        server.clock().advance(Config.Admin.DEFAULT_SESSION_IDLE.plusSeconds(1));

        assertThat(operator.get("/api/realms").status()).isEqualTo(401);
        assertThat(operator.get("/realms").status()).isEqualTo(303);
    }

    @Test
    void anApiTokenWorksWithoutASessionAndAWrongOneIs401() {
        ConsoleClient script = new ConsoleClient(server);

        Response realms = script.send("GET", "/api/realms", null,
                Map.of("Authorization", "Bearer " + ConsoleClient.API_TOKEN));
        Response wrong = script.send("GET", "/api/realms", null, Map.of("Authorization", "Bearer not-the-token"));

        assertThat(realms.status()).isEqualTo(200);
        assertThat(wrong.status()).isEqualTo(401);
    }

    @Test
    void failedLoginsFromOneAddressAreThrottledEvenWithTheRightPasswordAfterwards() {
        RealmConfig own = TestPostgres.newRealm("default");
        try (TestServer throttled = TestConfig.realms(own).admin(ConsoleClient.admin(3)).start()) {
            ConsoleClient client = new ConsoleClient(throttled);
            for (int i = 0; i < 3; i++) {
                assertThat(client.login(ConsoleClient.OPERATOR, "guess " + i).status()).isEqualTo(401);
            }
            Response refused = client.login(ConsoleClient.OPERATOR, ConsoleClient.PASSWORD);

            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.header("Retry-After")).isNotNull();
            assertThat(client.send("GET", "/api/realms", null, Map.of("Authorization", "Bearer "
                    + ConsoleClient.API_TOKEN)).status()).isEqualTo(429);
        }
    }

    @Test
    void theRealmsOverviewCountsUsersDevicesAndRows() {
        Device device = newUser("overview");
        SyncDevice phone = new SyncDevice(server, device, false);
        phone.insert(Map.of("title", "one"));
        phone.sync();

        JsonNode realms = operator().get("/api/realms").json();

        assertThat(realms).hasSize(1);
        JsonNode only = realms.get(0);
        assertThat(only.get("name").asText()).isEqualTo("default");
        assertThat(only.get("ready").asBoolean()).isTrue();
        assertThat(only.get("users").asLong()).isEqualTo(TestPostgres.count(realm, "users"));
        assertThat(only.get("rows").asLong()).isPositive();
        assertThat(only.get("countsEstimated").asBoolean()).isFalse();
        assertThat(only.get("bytes").asLong()).isPositive();
        assertThat(only.get("pool").get("max").asInt()).isEqualTo(10);
    }

    @Test
    void userSearchFindsAnyPartOfTheEmailCaseInsensitivelyAPageAtATime() {
        String tag = "srch" + UUID.randomUUID().toString().substring(0, 8);
        Set<String> registered = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            registered.add(newUser(i + "." + tag).email());
        }
        ConsoleClient operator = operator();

        List<String> found = new ArrayList<>();
        String after = "";
        int pages = 0;
        do {
            JsonNode page = operator.get("/api/realms/default/users?q=" + tag.toUpperCase() + "&limit=2&after=" + after)
                    .json();
            page.get("users").forEach(user -> found.add(user.get("email").asText()));
            after = page.get("next").isNull() ? null : page.get("next").asText();
            pages++;
        } while (after != null);

        assertThat(found).containsExactlyInAnyOrderElementsOf(registered).isSorted();
        assertThat(pages).isEqualTo(3);
        assertThat(operator.get("/api/realms/default/users?q=%25" + tag).json().get("users")).isEmpty();
        assertThat(operator.get("/api/realms/default/users?limit=0").status()).isEqualTo(400);
        assertThat(operator.get("/api/realms/default/users?after=garbage").status()).isEqualTo(400);
    }

    @Test
    void theUserPageShowsDevicesTablesAndConflictsButNoSecret() {
        Device phoneAccount = newUser("detail");
        Device laptopAccount = accounts.device("default", phoneAccount.email(), phoneAccount.password(), false);
        editConcurrently(phoneAccount, laptopAccount);
        UUID userId = userIdOf(phoneAccount);

        Response answer = operator().get("/api/realms/default/users/" + userId);

        JsonNode user = answer.json();
        assertThat(user.get("user").get("email").asText()).isEqualTo(phoneAccount.email());
        assertThat(user.get("devices")).extracting(d -> d.get("clientId").asText())
                .containsExactlyInAnyOrder(phoneAccount.clientId().toString(), laptopAccount.clientId().toString());
        assertThat(user.get("devices").get(0).get("lastSync").asLong()).isPositive();
        assertThat(user.get("devices").get(0).get("description").get("name").asText()).isEqualTo("Pixel 8");
        assertThat(user.get("tables").get("todos").asLong()).isEqualTo(1);
        assertThat(user.get("rows").asLong()).isEqualTo(1);
        assertThat(user.get("conflicts")).isNotEmpty();
        String storedHash = (String) TestPostgres.queryValue(realm, "SELECT password FROM users WHERE id = '" + userId + "'");
        assertThat(answer.body()).doesNotContain(storedHash).doesNotContain("argon2")
                .doesNotContain(phoneAccount.accessToken()).doesNotContain(phoneAccount.refreshToken());
        String storedDigest = (String) TestPostgres.queryValue(realm, "SELECT refreshtoken FROM user_tokens WHERE clientid = '"
                + laptopAccount.clientId() + "'");
        assertThat(storedDigest).isNotNull();
        assertThat(answer.body()).doesNotContain(storedDigest);
    }

    @Test
    void aRevokedDeviceIsRefusedEverywhereWhileTheUsersRowsAndOtherDevicesStay() {
        Device stolen = newUser("revoke");
        Device other = accounts.device("default", stolen.email(), stolen.password(), false);
        SyncDevice stolenPhone = new SyncDevice(server, stolen, false);
        stolenPhone.insert(Map.of("title", "kept"));
        stolenPhone.sync();
        Device current = stolenPhone.account();

        Response revoked = operator().post("/api/realms/default/devices/" + stolen.clientId() + "/revoke");

        assertThat(revoked.status()).isEqualTo(200);
        assertThat(accounts.refresh("default", current.refreshToken()).status()).isEqualTo(403);
        assertThat(pull(current).status()).isEqualTo(403);
        assertThat(accounts.login("default", stolen.email(), stolen.password(), stolen.clientId()).status())
                .isEqualTo(403);
        assertThat(accounts.register("default", stolen.email(), stolen.password(), stolen.clientId(), false).status())
                .isEqualTo(409);
        SyncDevice laptop = new SyncDevice(server, other, false);
        laptop.sync();
        assertThat(laptop.rows()).hasSize(1);
        assertThat(auditEntries(operator(), "revoke-device")).anySatisfy(entry -> {
            assertThat(entry.get("target").asText()).isEqualTo("device " + stolen.clientId());
            assertThat(entry.get("operator").asText()).isEqualTo(ConsoleClient.OPERATOR);
        });
        assertThat(operator().post("/api/realms/default/devices/" + UUID.randomUUID() + "/revoke").status())
                .isEqualTo(404);
    }

    @Test
    void revokingARevokedDeviceAgainAnswersThatItIsRevokedAndChangesNothing() {
        Device stolen = newUser("revoke-twice");
        UUID userId = userIdOf(stolen);
        String revoke = "/api/realms/default/devices/" + stolen.clientId() + "/revoke";
        assertThat(operator().post(revoke).json().get("alreadyRevoked").asBoolean()).isFalse();

        Response again = operator().post(revoke);

        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("userId").asText()).isEqualTo(userId.toString());
        assertThat(again.json().get("alreadyRevoked").asBoolean()).isTrue();
        assertThat(operator().get("/api/realms/default/users/" + userId).json().get("revokedDevices")).hasSize(1);
        assertThat(operator().get("/realms/default/devices/" + stolen.clientId() + "/revoke").status()).isEqualTo(200);
        assertThat(auditEntries(operator(), "revoke-device")).anySatisfy(entry ->
                assertThat(entry.get("outcome").asText()).startsWith("already revoked"));
    }

    @Test
    void theUserPageNamesDevicesAsPeopleDoAndOffersToReleaseOnlyALockThatIsHeld() {
        Device phoneAccount = newUser("page");
        Device laptopAccount = accounts.device("default", phoneAccount.email(), phoneAccount.password(), false);
        editConcurrently(phoneAccount, laptopAccount);
        String page = "/realms/default/users/" + userIdOf(phoneAccount);

        String synced = operator().get(page).body();
        Device phoneNow = accounts.loggedIn("default", phoneAccount.email(), phoneAccount.password(),
                phoneAccount.clientId());
        assertThat(pull(phoneNow).status()).isEqualTo(200); // takes the phone's sync lock
        String syncing = operator().get(page).body();

        assertThat(synced).contains("<td>Pixel 8 · Android</td>").doesNotContain("{&quot;name&quot;")
                .doesNotContain("Release lock");
        assertThat(synced).as("the conflict says which device's change won and which lost")
                .containsPattern("<td>Pixel 8 · Android <span class=\"note\">updated · [^<]+</span></td>"
                        + "<td>Pixel 8 · Android <span class=\"note\">updated · [^<]+</span></td>");
        assertThat(syncing).containsOnlyOnce("Release lock").contains("held since");
    }

    @Test
    void releasingAStaleLockFreesTheDevice() {
        Device device = newUser("lock");
        assertThat(pull(device).status()).isEqualTo(200); // a pull takes the lock, its push frees it
        UUID userId = userIdOf(device);
        ConsoleClient operator = operator();
        assertThat(operator.get("/api/realms/default/users/" + userId).json().get("devices").get(0)
                .get("syncingSince").isNull()).isFalse();

        Response released = operator.post("/api/realms/default/devices/" + device.clientId() + "/release-lock");

        assertThat(released.status()).isEqualTo(200);
        assertThat(operator.get("/api/realms/default/users/" + userId).json().get("devices").get(0)
                .get("syncingSince").isNull()).isTrue();
        assertThat(auditEntries(operator, "release-lock")).anySatisfy(entry ->
                assertThat(entry.get("outcome").asText()).startsWith("released a lock held for"));
    }

    @Test
    void deletingAUserLeavesNoRowOfTheirsInAnyTable() {
        Device phoneAccount = newUser("delete");
        Device laptopAccount = accounts.device("default", phoneAccount.email(), phoneAccount.password(), false);
        SyncDevice phone = editConcurrently(phoneAccount, laptopAccount);                // a journal entry
        phone.insert(Map.of("title", "b"));
        phone.sync();
        server.post("/password/default/forgotten", Map.of("email", phoneAccount.email()));  // a PIN
        Device bystander = newUser("bystander");
        UUID userId = userIdOf(phoneAccount);
        ConsoleClient operator = operator();
        operator.post("/api/realms/default/devices/" + laptopAccount.clientId() + "/revoke");
        awaitPin(userId);

        Response deleted = operator.delete("/api/realms/default/users/" + userId);

        assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
        JsonNode counts = deleted.json().get("deleted");
        assertThat(counts.get("users").asInt()).isEqualTo(1);
        assertThat(counts.get("devices").asInt()).isEqualTo(1);
        assertThat(counts.get("rows").asInt()).isEqualTo(2);
        assertThat(counts.get("conflicts").asInt()).isPositive();
        assertThat(counts.get("pins").asInt()).isEqualTo(1);
        assertThat(counts.get("revokedDevices").asInt()).isEqualTo(1);
        for (String table : tablesWithUserColumn()) {
            assertThat(TestPostgres.queryValue(realm, "SELECT count(*) FROM " + table + " WHERE userid = '" + userId + "'"))
                    .as(table).isEqualTo(0L);
        }
        assertThat(TestPostgres.queryValue(realm, "SELECT count(*) FROM users WHERE id = '" + userId + "'")).isEqualTo(0L);
        assertThat(TestPostgres.queryValue(realm, "SELECT count(*) FROM user_tokens WHERE clientid IN ('"
                + phoneAccount.clientId() + "', '" + laptopAccount.clientId() + "')")).isEqualTo(0L);
        assertThat(accounts.refresh("default", bystander.refreshToken()).status()).isEqualTo(200);
        assertThat(operator.delete("/api/realms/default/users/" + userId).status()).isEqualTo(404);
        assertThat(auditEntries(operator, "delete-user")).anySatisfy(entry ->
                assertThat(entry.get("target").asText()).isEqualTo("user " + userId));
    }

    @Test
    void theExportHoldsTheProfileDevicesAndEveryRowButNoSecret() {
        Device device = newUser("export");
        SyncDevice phone = new SyncDevice(server, device, false);
        UUID kept = phone.insert(Map.of("title", "kept", "n", 1.5));
        UUID removed = phone.insert(Map.of("title", "removed"));
        phone.sync();
        phone.delete(removed);
        phone.sync();
        UUID userId = userIdOf(device);

        Response export = operator().get("/api/realms/default/users/" + userId + "/export");

        assertThat(export.status()).isEqualTo(200);
        assertThat(export.header("Content-Disposition")).contains("user-" + userId + ".json");
        JsonNode body = export.json();
        assertThat(body.get("user").get("email").asText()).isEqualTo(device.email());
        assertThat(body.get("devices")).hasSize(1);
        assertThat(body.get("rows")).extracting(r -> r.get("rowguid").asText())
                .containsExactlyInAnyOrder(kept.toString(), removed.toString());
        JsonNode keptRow = body.get("rows").findParents("rowguid").stream()
                .filter(r -> r.get("rowguid").asText().equals(kept.toString())).findFirst().orElseThrow();
        assertThat(keptRow.get("rowData").get("n").asDouble()).isEqualTo(1.5);
        JsonNode pulledRow = pull(accounts.device("default", device.email(), device.password(), false))
                .json().get("data").findParents("rowguid").stream()
                .filter(r -> r.get("rowguid").asText().equals(kept.toString())).findFirst().orElseThrow();
        assertThat(keptRow.fieldNames()).toIterable().as("a row is named as a pull names it")
                .containsExactlyInAnyOrderElementsOf(() -> pulledRow.fieldNames());
        assertThat(body.get("conflicts").isArray()).isTrue();
        assertThat(export.body()).doesNotContain("argon2").doesNotContain("password");
        assertThat(auditEntries(operator(), "export-user")).isNotEmpty();
    }

    @Test
    void aPasswordResetPinReachesTheUsersInbox() throws Exception {
        Device device = newUser("reset");
        UUID userId = userIdOf(device);

        Response reset = operator().post("/api/realms/default/users/" + userId + "/password-reset");

        assertThat(reset.status()).isEqualTo(202);
        assertThat(smtp.waitForIncomingEmail(10_000, 1)).isTrue();
        assertThat(List.of(smtp.getReceivedMessages())).anySatisfy(message -> {
            assertThat(message.getAllRecipients()[0].toString()).contains("<" + device.email() + ">");
            assertThat(GreenMailUtil.getBody(message)).containsPattern("\\d{6}");
        });
        assertThat(auditEntries(operator(), "password-reset")).anySatisfy(entry ->
                assertThat(entry.get("target").asText()).isEqualTo("user " + userId));
    }

    @Test
    void thePublicPortAnswers404ForEveryConsolePath() {
        String user = "/realms/default/users/" + UUID.randomUUID();
        String device = "/realms/default/devices/" + UUID.randomUUID();
        List<String> gets = List.of("/console.css", "/login", "/realms", "/realms/default/users", user, user + "/export",
                user + "/delete", device + "/revoke", "/audit", "/api/realms", "/api/realms/default/users",
                "/api/realms/default/users/" + UUID.randomUUID(), "/api/audit");
        List<String> posts = List.of("/login", "/logout", "/api/login", "/api/logout", user + "/delete",
                "/api" + device + "/revoke", "/api" + device + "/release-lock", "/api" + user + "/password-reset");
        for (String path : gets) {
            assertThat(server.get(path).status()).as("GET " + path).isEqualTo(404);
        }
        for (String path : posts) {
            assertThat(server.post(path, Map.of("name", ConsoleClient.OPERATOR, "password", ConsoleClient.PASSWORD))
                    .status()).as("POST " + path).isEqualTo(404);
        }
    }

    @Test
    void theConsoleIsOffWithoutAnAdminBlock() {
        try (TestServer plain = TestConfig.realms(TestPostgres.newRealm("default")).start()) {
            assertThat(plain.hasConsole()).isFalse();
        }
    }

    private Device newUser(String tag) {
        return accounts.device("default", tag + "-" + UUID.randomUUID() + "@example.com", "secret password", true);
    }

    /**
     * Both devices sync a row; the phone edits it, then the laptop, whose clock is an hour behind: its older edit
     * loses, and the conflict journal has an entry. @return the phone
     */
    private static SyncDevice editConcurrently(Device phoneAccount, Device laptopAccount) {
        SyncDevice phone = new SyncDevice(server, phoneAccount, false);
        SyncDevice laptop = new SyncDevice(server, laptopAccount, false);
        UUID row = phone.insert(Map.of("title", "first"));
        phone.sync();
        laptop.sync();
        phone.update(row, Map.of("title", "phone's edit"));
        phone.sync();
        laptop.skewClock(-3_600_000);
        laptop.update(row, Map.of("title", "laptop's older edit"));
        laptop.sync();
        return phone;
    }

    private static Response pull(Device device) {
        return server.post("/pull/default/" + device.clientId(), Map.of("clientId", device.clientId().toString(),
                "lastSync", 0, "isPartial", 0, "changes", List.of()), "Authorization", device.bearer());
    }

    private static UUID userIdOf(Device device) {
        return (UUID) TestPostgres.queryValue(realm,
                "SELECT userid FROM user_clients WHERE clientid = '" + device.clientId() + "'");
    }

    private static List<JsonNode> auditEntries(ConsoleClient operator, String action) {
        List<JsonNode> entries = new ArrayList<>();
        operator.get("/api/audit?limit=1000").json().get("entries").forEach(entry -> {
            if (entry.get("action").asText().equals(action)) {
                entries.add(entry);
            }
        });
        return entries;
    }

    private static List<String> tablesWithUserColumn() {
        List<String> tables = new ArrayList<>();
        String list = (String) TestPostgres.queryValue(realm, """
                SELECT string_agg(table_name, ',') FROM information_schema.columns
                 WHERE table_schema = current_schema() AND column_name = 'userid'""");
        tables.addAll(List.of(list.split(",")));
        assertThat(tables).contains("sync_rows", "sync_conflicts", "users_pin", "user_clients", "revoked_clients");
        return tables;
    }

    private static void awaitPin(UUID userId) {
        long deadline = System.currentTimeMillis() + 10_000;
        while (TestPostgres.count(realm, "users_pin WHERE userid = '" + userId + "'") == 0) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("no PIN was issued");
            }
            Thread.onSpinWait();
        }
    }
}
