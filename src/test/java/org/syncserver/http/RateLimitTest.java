package org.syncserver.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.syncserver.config.RateLimits;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Each route group has its own allowance per client address; over it, 429 with Retry-After. */
class RateLimitTest {

    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestConfig.realms(TestPostgres.newRealm("default"))
                .rateLimits(new RateLimits(3, 2, 5, true, false))
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void loginsOverTheLimitGet429WithRetryAfterUntilTheBucketRefills() {
        String address = "203.0.113." + (int) (Math.random() * 200);
        for (int i = 0; i < 3; i++) {
            assertThat(login(address).status()).isEqualTo(403);
        }
        Response limited = login(address);
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.header("Retry-After")).isEqualTo("20");
        assertThat(limited.json().get("code").asInt()).isEqualTo(429);
        assertThat(limited.message()).startsWith("Too many requests");

        assertThat(login("198.51.100.7").status()).as("another address has its own allowance").isEqualTo(403);
        server.clock().advance(Duration.ofSeconds(20));
        assertThat(login(address).status()).as("refilled").isEqualTo(403);
    }

    @Test
    void passwordRoutesHaveTheirOwnStricterLimit() {
        String address = "192.0.2.44";
        Map<String, String> body = Map.of("email", "x@example.com");
        assertThat(server.post("/password/default/forgotten", body, "X-Forwarded-For", address).status()).isEqualTo(200);
        assertThat(server.post("/password/default/forgotten", body, "X-Forwarded-For", address).status()).isEqualTo(200);
        assertThat(server.post("/password/default/forgotten", body, "X-Forwarded-For", address).status()).isEqualTo(429);
        assertThat(login(address).status()).as("accounts group unaffected").isEqualTo(403);
    }

    @Test
    void onlyTheLastForwardedForHopCountsSoAForgedFirstHopChangesNothing() {
        String proxySaw = "192.0.2.99";
        for (int i = 0; i < 3; i++) {
            login("10.0.0." + i + ", " + proxySaw);
        }
        assertThat(login("10.9.9.9, " + proxySaw).status()).isEqualTo(429);
    }

    private static Response login(String forwardedFor) {
        return server.post("/login/default", Map.of("clientId", UUID.randomUUID().toString()),
                "Authorization", Accounts.basic("nobody@example.com", "pw"), "X-Forwarded-For", forwardedFor);
    }
}
