package org.syncserver.account;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.syncserver.config.TokenMode;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.RunningServer;
import org.syncserver.support.TestPostgres;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class RegistrationTest {

    @RegisterExtension
    static final RunningServer running = RunningServer.withRealm("default", TokenMode.OPAQUE);




    @Test
    void newUserIsRegisteredAndTheAnswerEchoesTheRequestWithoutThePassword() {
        UUID clientId = UUID.randomUUID();
        Response response = running.accounts().register("default", "New.User@Example.com", "s3cret", clientId, true);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.message()).isEqualTo("User and Client registered successfully!");
        var user = response.json().get("user");
        assertThat(user.get("email").asText()).isEqualTo("New.User@Example.com");
        assertThat(user.get("clientId").asText()).isEqualTo(clientId.toString());
        assertThat(user.get("name").asText()).isEqualTo("Test User");
        assertThat(user.has("password")).isFalse();
        assertThat(response.body()).doesNotContain("s3cret");
        assertThat(TestPostgres.queryValue(running.realm(), "SELECT email FROM users WHERE email = 'new.user@example.com'"))
                .as("stored lower-case").isNotNull();
        assertThat(TestPostgres.queryValue(running.realm(),
                "SELECT clientdetails->>'systemName' FROM user_clients WHERE clientid = '" + clientId + "'"))
                .isEqualTo("ANDROID");
    }

    @Test
    void newPasswordsAreStoredWithArgon2id() {
        running.accounts().register("default", "argon@example.com", "correct horse battery staple", UUID.randomUUID(), true);
        assertThat((String) TestPostgres.queryValue(running.realm(), "SELECT password FROM users WHERE email = 'argon@example.com'"))
                .startsWith("$argon2id$").doesNotContain("horse");
    }

    @Test
    void takenEmailIsRefusedWhateverItsCase() {
        running.accounts().register("default", "taken@example.com", "pw", UUID.randomUUID(), true);
        Response response = running.accounts().register("default", "TAKEN@example.com", "pw", UUID.randomUUID(), true);

        assertThat(response.status()).isEqualTo(409);
        assertThat(response.message()).contains("The email is already registered");
        assertThat(TestPostgres.queryValue(running.realm(), "SELECT count(*) FROM users WHERE lower(email) = 'taken@example.com'"))
                .isEqualTo(1L);
    }

    @Test
    void takenClientIdIsRefusedAndNoUserIsCreated() {
        UUID clientId = UUID.randomUUID();
        running.accounts().register("default", "first@example.com", "pw", clientId, true);
        Response response = running.accounts().register("default", "second@example.com", "pw", clientId, true);

        assertThat(response.status()).isEqualTo(409);
        assertThat(response.message()).isEqualTo("The clentid is already registered, please use another one.");
        assertThat(TestPostgres.queryValue(running.realm(), "SELECT count(*) FROM users WHERE email = 'second@example.com'"))
                .isEqualTo(0L);
    }

    @Test
    void secondDeviceJoinsAnExistingUserAndGetsTheUsersName() {
        running.accounts().register("default", "owner@example.com", "pw", UUID.randomUUID(), true);
        UUID second = UUID.randomUUID();
        Response response = running.accounts().register("default", "owner@example.com", "pw", second, false);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("user").get("name").asText()).isEqualTo("Test User");
        assertThat(TestPostgres.queryValue(running.realm(), "SELECT count(*) FROM user_clients c JOIN users u ON u.id = c.userid"
                + " WHERE u.email = 'owner@example.com'")).isEqualTo(2L);
    }

    @Test
    void secondDeviceWithWrongPasswordIsRefusedWithoutA403() {
        running.accounts().register("default", "wrongpw@example.com", "right", UUID.randomUUID(), true);
        UUID second = UUID.randomUUID();
        Response response = running.accounts().register("default", "wrongpw@example.com", "wrong", second, false);

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.message()).isEqualTo("Wrong username or password");
        assertThat(TestPostgres.queryValue(running.realm(), "SELECT count(*) FROM user_clients WHERE clientid = '" + second + "'"))
                .isEqualTo(0L);
    }

    @Test
    void secondDeviceOfUnknownEmailIsToldToRegister() {
        Response response = running.accounts().register("default", "nobody@example.com", "pw", UUID.randomUUID(), false);
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.message()).contains("email is not registered");
    }

    @Test
    void invalidInputIs400AndStoresNothing() {
        long users = TestPostgres.count(running.realm(), "users");
        var notUuid = Accounts.registration("bad1@example.com", "pw", UUID.randomUUID(), true);
        notUuid.put("clientId", "not-a-uuid");
        var badDescription = Accounts.registration("bad2@example.com", "pw", UUID.randomUUID(), true);
        badDescription.put("clientDescription", "{not json");
        var noPassword = Accounts.registration("bad3@example.com", "pw", UUID.randomUUID(), true);
        noPassword.remove("password");
        var badEmail = Accounts.registration("not-an-email", "pw", UUID.randomUUID(), true);

        assertThat(error(notUuid)).isEqualTo("Invalid value for 'clientId': expected a UUID");
        assertThat(error(badDescription)).contains("clientDescription");
        assertThat(error(noPassword)).isEqualTo("'password' is required");
        assertThat(error(badEmail)).contains("e-mail address");
        assertThat(TestPostgres.count(running.realm(), "users")).isEqualTo(users);
    }

    private static String error(Map<String, Object> body) {
        Response response = running.server().post("/register/default", body);
        assertThat(response.status()).as(response.body()).isEqualTo(400);
        return response.message();
    }
}
