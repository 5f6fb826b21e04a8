package org.syncserver.password;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.syncserver.config.MailConfig;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.TokenMode;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.Accounts;
import org.syncserver.support.NodeTokens;
import org.syncserver.support.Response;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole reset flow through HTTP, with the PIN read from a real SMTP server's inbox. */
class PasswordResetTest {

    @RegisterExtension
    static final GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
            .withPerMethodLifecycle(false);

    private static final Pattern PIN = Pattern.compile(">(\\d{6})<");
    private static RealmConfig realm;
    private static TestServer server;
    private static Accounts accounts;

    @BeforeAll
    static void start() {
        realm = TestPostgres.newRealm("todos");
        MailConfig mail = new MailConfig("Sync Server", "noreply@example.com", "127.0.0.1",
                smtp.getSmtp().getPort(), null, null, Map.of("default", "Sync Server App", "todos", "ToDos App"));
        server = TestConfig.realms(realm).tokenMode(TokenMode.JWT).mail(mail).start();
        accounts = new Accounts(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void forgottenSendsAnEnglishMailWithAPinToTheUser() throws Exception {
        String email = register("en");

        Response response = forgotten(email);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.message()).isEqualTo("If the email is registered, a PIN has been sent");
        MimeMessage mail = awaitMail(email);
        assertThat(((InternetAddress) mail.getFrom()[0]).getAddress()).isEqualTo("noreply@example.com");
        assertThat(((InternetAddress) mail.getFrom()[0]).getPersonal()).isEqualTo("Sync Server");
        assertThat(mail.getSubject()).isEqualTo("Change password");
        String body = GreenMailUtil.getBody(mail);
        assertThat(body).contains("Hello Test User", "ToDos App", "If you did not ask");
        assertThat(pinOf(mail)).hasSize(6);
    }

    @Test
    void italianUsersGetTheItalianText() throws Exception {
        String email = register("it");
        forgotten(email);
        MimeMessage mail = awaitMail(email);
        assertThat(mail.getSubject()).isEqualTo("Cambio password");
        assertThat(GreenMailUtil.getBody(mail)).contains("Ciao Test User", "Se non hai chiesto");
    }

    @Test
    void theRightPinChangesThePasswordOnceAndRevokesEveryToken() throws Exception {
        String email = register("en");
        Device device = accounts.device("todos", email, "old-password", false);
        forgotten(email);
        String pin = pinOf(awaitMail(email));

        Response changed = change(email, pin, "new-password");

        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.json().get("code").asInt()).isEqualTo(200);
        assertThat(changed.message()).isEqualTo("Password changed successfully!");
        assertThat(accounts.login("todos", email, "old-password", device.clientId()).status()).isEqualTo(403);
        assertThat(accounts.refresh("todos", device.refreshToken()).status()).as("refresh token revoked").isEqualTo(403);
        assertThat(pullStatus(device)).as("access token revoked").isEqualTo(403);
        assertThat(accounts.login("todos", email, "new-password", device.clientId()).status()).isEqualTo(200);
        assertThat(change(email, pin, "third-password").status()).as("a PIN works once").isEqualTo(403);
    }

    @Test
    void aNodeServerJwtIssuedBeforeTheChangeStopsWorking() throws Exception {
        String email = register("en");
        Device device = accounts.device("todos", email, "old-password", false);
        String userId = TestPostgres.queryValue(realm, "SELECT id FROM users WHERE email = '" + email + "'").toString();
        String nodeToken = NodeTokens.accessToken(userId, email, server.clock().millis() - 1000, "test-access-secret");
        Device withNodeToken = new Device(device.realm(), email, "old-password", device.clientId(), nodeToken, null);
        assertThat(pullStatus(withNodeToken)).as("accepted before the change").isEqualTo(200);
        cancelSync(withNodeToken);

        forgotten(email);
        change(email, pinOf(awaitMail(email)), "new-password");

        assertThat(pullStatus(withNodeToken)).isEqualTo(403);
    }

    @Test
    void wrongPinAndUnknownEmailGetTheSameAnswer() throws Exception {
        String email = register("en");
        forgotten(email);
        String pin = pinOf(awaitMail(email));
        String wrongPin = pin.equals("000000") ? "111111" : "000000";

        Response wrong = change(email, wrongPin, "x");
        Response unknown = change("nobody-" + UUID.randomUUID() + "@example.com", pin, "x");

        assertThat(wrong.status()).isEqualTo(403);
        assertThat(wrong.body()).isEqualTo(unknown.body());
        assertThat(unknown.status()).isEqualTo(403);
        assertThat(wrong.message()).isEqualTo("PIN expired or incorrect");
    }

    @Test
    void forgottenAnswersUnknownEmailsExactlyLikeKnownOnesAndSendsNothing() throws Exception {
        String known = register("en");
        int before = smtp.getReceivedMessages().length;

        Response forKnown = forgotten(known);
        Response forUnknown = forgotten("nobody-" + UUID.randomUUID() + "@example.com");

        assertThat(forUnknown.status()).isEqualTo(forKnown.status());
        assertThat(forUnknown.body()).isEqualTo(forKnown.body());
        awaitMail(known);
        Thread.sleep(300);
        assertThat(smtp.getReceivedMessages()).hasSize(before + 1);
    }

    @Test
    void aPinExpiresAfter15Minutes() throws Exception {
        String email = register("en");
        forgotten(email);
        String pin = pinOf(awaitMail(email));
        server.clock().advance(Duration.ofMinutes(15).plusSeconds(1));
        assertThat(change(email, pin, "new").status()).isEqualTo(403);
    }

    @Test
    void aNewRequestReplacesThePreviousPin() throws Exception {
        String email = register("en");
        forgotten(email);
        String first = pinOf(awaitMail(email));
        forgotten(email);
        String second = pinOf(awaitMail(email, 2));
        if (!first.equals(second)) {
            assertThat(change(email, first, "new").status()).isEqualTo(403);
        }
        assertThat(change(email, second, "new").status()).isEqualTo(200);
    }

    @Test
    void aPinDiesAfterFiveWrongAttempts() throws Exception {
        String email = register("en");
        forgotten(email);
        String pin = pinOf(awaitMail(email));
        String wrong = pin.equals("000000") ? "111111" : "000000";
        for (int i = 0; i < 5; i++) {
            assertThat(change(email, wrong, "new").status()).isEqualTo(403);
        }
        assertThat(change(email, pin, "new").status()).isEqualTo(403);
    }

    /** Asking again must not buy fresh guesses without end: five PINs an hour, then the last one stays. */
    @Test
    void aUserGetsAtMostFivePinsAnHour() throws Exception {
        String email = register("en");
        for (int i = 1; i <= 5; i++) {
            forgotten(email);
            awaitMail(email, i);
        }
        String fifth = pinOf(awaitMail(email, 5));

        assertThat(forgotten(email).message()).as("the answer says nothing").isEqualTo(
                "If the email is registered, a PIN has been sent");
        Thread.sleep(500);
        assertThat(smtp.getReceivedMessagesForDomain(email)).as("no sixth PIN").hasSize(5);
        assertThat(change(email, fifth, "new").status()).as("the fifth PIN was not replaced").isEqualTo(200);
    }

    /**
     * The attack of issue #28: a PIN's fifth wrong guess removed the PIN, and with it the count of PINs issued, so
     * "forgotten" plus five guesses could repeat at once. Burning a PIN must not make room for another one.
     */
    @Test
    void burningPinsWithWrongGuessesDoesNotBuyMoreThanFivePinsAnHour() throws Exception {
        String email = register("en");
        for (int round = 1; round <= 8; round++) {
            forgotten(email);
            if (round <= 5) {
                String wrong = pinOf(awaitMail(email, round)).equals("000000") ? "111111" : "000000";
                for (int guess = 0; guess < 5; guess++) {
                    assertThat(change(email, wrong, "new").status()).isEqualTo(403);
                }
            }
        }
        Thread.sleep(500);
        assertThat(smtp.getReceivedMessagesForDomain(email)).as("five PINs, however they were used up").hasSize(5);

        server.clock().advance(Duration.ofHours(1).plusSeconds(1));
        forgotten(email);
        assertThat(pinOf(awaitMail(email, 6))).as("a new hour, a new PIN").hasSize(6);
    }

    @Test
    void missingFieldsAre400() {
        assertThat(server.post("/password/todos/forgotten", Map.of()).status()).isEqualTo(400);
        Response response = server.post("/password/todos/change", Map.of("email", "a@b.c", "pin", "123456"));
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.message()).isEqualTo("'password' is required");
    }

    private static String register(String language) {
        String email = "reset-" + UUID.randomUUID() + "@example.com";
        var body = Accounts.registration(email, "old-password", UUID.randomUUID(), true);
        body.put("language", language);
        assertThat(server.post("/register/todos", body).status()).isEqualTo(200);
        return email;
    }

    private static Response forgotten(String email) {
        return server.post("/password/todos/forgotten", Map.of("email", email));
    }

    private static Response change(String email, String pin, String password) {
        return server.post("/password/todos/change", Map.of("email", email, "pin", pin, "password", password));
    }

    private static int pullStatus(Device device) {
        return server.post("/pull/todos", Map.of("clientId", device.clientId().toString(), "lastSync", 0),
                "Authorization", device.bearer()).status();
    }

    private static void cancelSync(Device device) {
        server.post("/cancelSync/todos", Map.of("clientId", device.clientId().toString()), "Authorization", device.bearer());
    }

    private static MimeMessage awaitMail(String to) throws Exception {
        return awaitMail(to, 1);
    }

    /** Waits for the n-th mail to this address. */
    private static MimeMessage awaitMail(String to, int n) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            MimeMessage[] mails = smtp.getReceivedMessagesForDomain(to);
            if (mails.length >= n) {
                return mails[n - 1];
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no mail number " + n + " to " + to);
    }

    private static String pinOf(MimeMessage mail) {
        Matcher matcher = PIN.matcher(GreenMailUtil.getBody(mail).replaceAll("=\\r?\\n", ""));
        assertThat(matcher.find()).as("a six-digit PIN in the mail").isTrue();
        return matcher.group(1);
    }
}
