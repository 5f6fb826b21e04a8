package org.syncserver.password;

import org.junit.jupiter.api.Test;
import org.syncserver.config.MailConfig;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** SMTP trouble never hangs or fails a request: the answer comes at once and the failure goes to the log. */
class MailFailureTest {

    @Test
    void forgottenAnswersWhenTheSmtpServerIsDown() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        assertForgottenStillAnswers(TestConfig.realms(TestPostgres.newRealm("default")).timeouts(TestConfig.SHORT_TIMEOUTS).mail(mail(closedPort)));
    }

    @Test
    void forgottenAnswersWhenTheSmtpServerAcceptsButNeverSpeaks() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertForgottenStillAnswers(TestConfig.realms(TestPostgres.newRealm("default")).timeouts(TestConfig.SHORT_TIMEOUTS).mail(mail(silent.getLocalPort())));
        }
    }

    @Test
    void forgottenAnswersWithoutAnySmtpConfiguration() {
        assertForgottenStillAnswers(TestConfig.realms(TestPostgres.newRealm("default")));
    }

    private static void assertForgottenStillAnswers(TestConfig config) {
        RealmConfig realm = config.build().realms().get(0);
        try (TestServer server = config.start()) {
            String email = "smtp-" + UUID.randomUUID() + "@example.com";
            new Accounts(server).register("default", email, "pw", UUID.randomUUID(), true);
            for (int i = 0; i < 3; i++) {
                Response response = server.send(HttpRequest.newBuilder(server.uri("/password/default/forgotten"))
                        .timeout(Duration.ofSeconds(5))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"" + email + "\"}")));
                assertThat(response.status()).isEqualTo(200);
            }
            assertThat(server.get("/healthz").status()).isEqualTo(200);
            assertThat(realm.name()).isEqualTo("default");
        }
    }

    private static MailConfig mail(int port) {
        return new MailConfig("Sync Server", "noreply@example.com", "127.0.0.1", port, "user", "secret",
                Map.of("default", "App"));
    }
}
