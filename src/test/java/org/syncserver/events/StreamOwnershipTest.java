package org.syncserver.events;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.syncserver.config.Config;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #28: a device has one stream, which belongs to the login that opened it; one address cannot take every
 * stream of the instance.
 */
class StreamOwnershipTest {

    private static final Duration SOON = Duration.ofSeconds(5);
    private static final int PER_USER = 3;
    private static final int PER_ADDRESS = 8;
    /** A safety check every 300 ms, so that an ended login shows quickly. */
    private static final Config.Notifications SETTINGS = new Config.Notifications(PER_USER, 10_000,
            Duration.ofSeconds(15), Duration.ofMillis(300), PER_ADDRESS);
    private static RealmConfig realm;
    private static TestServer server;
    private static Accounts accounts;

    @BeforeAll
    static void start() {
        realm = TestPostgres.newRealm("default");
        server = TestConfig.realms(realm).notifications(SETTINGS).start();
        accounts = new Accounts(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Each change of network leaves the old stream dead but open on the server; ten used to lock the user out. */
    @Test
    void aPhoneThatChangesNetworksTenTimesStillGetsItsStreamAndItsOldestStreamsEnd() {
        Device phone = newUser();
        List<EventStream> abandoned = new ArrayList<>();
        try {
            for (int network = 0; network < 10; network++) {
                EventStream stream = EventStream.open(server, phone);
                assertThat(stream.status()).as("stream after network change " + network).isEqualTo(200);
                abandoned.add(stream);
            }
            assertThat(abandoned.get(0).receives(EventStream.END, SOON)).as("its oldest stream was ended").isTrue();
            EventStream latest = abandoned.get(abandoned.size() - 1);
            SyncDevice laptop = new SyncDevice(server, accounts.device("default", phone.email(), "pw", false), false);
            laptop.insert(Map.of("title", "seen by the phone's one stream"));
            laptop.sync();
            assertThat(latest.nextEvent(SOON)).isNotNull();
        } finally {
            abandoned.forEach(EventStream::close);
        }
    }

    @Test
    void oneAddressCannotHoldMoreStreamsThanItsCap() {
        List<EventStream> streams = new ArrayList<>();
        try (TestServer fresh = TestConfig.realms(realm).notifications(SETTINGS).start()) {
            Accounts freshAccounts = new Accounts(fresh);
            for (int user = 0; user < PER_ADDRESS; user++) {
                EventStream stream = EventStream.open(fresh, newUser(freshAccounts));
                assertThat(stream.status()).isEqualTo(200);
                streams.add(stream);
            }
            try (EventStream refused = EventStream.open(fresh, newUser(freshAccounts))) {
                assertThat(refused.status()).isEqualTo(429);
                assertThat(refused.header("Retry-After")).isNotNull();
            }
        } finally {
            streams.forEach(EventStream::close);
        }
    }

    /** sync_client refreshes its token before every call: that must not end the device's own stream. */
    @Test
    void aRefreshKeepsTheStreamButANewLoginEndsIt() {
        Device phone = newUser();
        try (EventStream stream = EventStream.open(server, phone)) {
            stream.receives("retry:", SOON);
            Device refreshed = accounts.refreshed(phone);
            assertThat(refreshed.accessToken()).isNotEqualTo(phone.accessToken());
            assertThat(stream.receives(EventStream.END, Duration.ofMillis(1_500))).as("open after a refresh").isFalse();

            accounts.loggedIn("default", phone.email(), "pw", phone.clientId());

            assertThat(stream.receives(EventStream.END, SOON)).as("ended by the new login").isTrue();
        }
    }

    /** The check used to ask "does the device have a token", which a quick new login answered yes. */
    @Test
    void aStreamRevokedByAPasswordChangeEndsEvenWhenTheDeviceLogsInAgainAtOnce() {
        Device phone = newUser();
        try (EventStream stream = EventStream.open(server, phone)) {
            stream.receives("retry:", SOON);
            TestPostgres.execute(realm, "DELETE FROM user_tokens WHERE clientid = '" + phone.clientId() + "'");
            accounts.loggedIn("default", phone.email(), "pw", phone.clientId());

            assertThat(stream.receives(EventStream.END, SOON)).isTrue();
        }
    }

    private static Device newUser() {
        return newUser(accounts);
    }

    private static Device newUser(Accounts on) {
        return on.device("default", UUID.randomUUID() + "@example.com", "pw", true);
    }
}
