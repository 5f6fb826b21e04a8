package org.syncserver.spaces;

import org.junit.jupiter.api.Test;
import org.syncserver.config.Config;
import org.syncserver.config.Quotas;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A space's rows count against its owner (PROTOCOL §12, §13.1): neither the owner nor a member can grow past it. */
class SpaceQuotaTest {

    @Test
    void aSpacesRowsCountAgainstItsOwnerWhoeverWritesThem() {
        RealmConfig realm = TestPostgres.newRealm("default");
        Config.Lifecycle fiveRows = new Config.Lifecycle(Map.of("default", new Quotas(OptionalLong.of(5),
                OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty())), Config.Lifecycle.DEFAULT_PURGE_EVERY);
        try (TestServer server = TestConfig.realms(realm).sharing("default", Map.of("items", "space_id"))
                .lifecycle(fiveRows).start()) {
            Accounts accounts = new Accounts(server);
            Members members = new Members(server, "default");
            SyncDevice alice = new SyncDevice(server, accounts.device("default", UUID.randomUUID() + "@example.com",
                    "pw", true), false);
            SyncDevice bob = new SyncDevice(server, accounts.device("default", UUID.randomUUID() + "@example.com",
                    "pw", true), false);
            UUID list = UUID.randomUUID();
            for (int i = 0; i < 4; i++) {
                alice.insert("items", Map.of("space_id", list.toString(), "n", i));
            }
            alice.sync();
            members.share(alice.account(), list, bob.account(), "editor");
            bob.sync();

            bob.insert("items", Map.of("space_id", list.toString(), "n", 4));
            bob.insert("items", Map.of("space_id", list.toString(), "n", 5));
            assertThatThrownBy(bob::sync).hasMessageContaining("413").hasMessageContaining("quota_exceeded")
                    .hasMessageContaining("the space owner's rows");
            alice.insert("todos", Map.of("title", "private"));
            alice.insert("todos", Map.of("title", "one too many"));
            assertThatThrownBy(alice::sync).hasMessageContaining("413")
                    .as("the owner's own rows and its space's count together").hasMessageContaining("your rows");

            SyncDevice carol = new SyncDevice(server, accounts.device("default", UUID.randomUUID() + "@example.com",
                    "pw", true), false);
            for (int i = 0; i < 5; i++) {
                carol.insert(Map.of("n", i));
            }
            carol.sync();
            assertThat(carol.rows()).as("a member's own quota is its own").hasSize(5);
        }
    }
}
