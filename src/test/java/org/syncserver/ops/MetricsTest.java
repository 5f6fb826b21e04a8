package org.syncserver.ops;

import org.junit.jupiter.api.Test;
import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** After a scripted sync, /metrics shows what happened, by name and value, and only with its token. */
class MetricsTest {

    @Test
    void metricsCountTheSyncAndNeedTheConfiguredToken() {
        try (TestServer server = TestConfig.realms(TestPostgres.newRealm("default")).metricsToken("scrape-secret").start()) {
            Accounts accounts = new Accounts(server);
            Accounts.Device writer = accounts.device("default", "metrics@example.com", "pw", true);
            Accounts.Device reader = accounts.device("default", "metrics@example.com", "pw", false);
            UUID contested = UUID.randomUUID();
            post(server, writer, "/pull/default", List.of());
            post(server, writer, "/push/default", List.of(change(contested, 5000), change(UUID.randomUUID(), 5000),
                    change(UUID.randomUUID(), 5000)));
            post(server, reader, "/pull/default", List.of(Map.of("operation", "U", "rowguid", contested.toString(),
                    "tablename", "todos", "clientdate", 1000)));
            post(server, reader, "/push/default", List.of(change(contested, 1000)));
            post(server, reader, "/pull/default", List.of());
            assertThat(post(server, reader, "/pull/default", List.of()).status()).isEqualTo(409);

            String metrics = scrape(server, "Bearer scrape-secret").body();

            assertThat(metrics).contains("sync_rows_pushed_total{realm=\"default\"} 4.0");
            assertThat(metrics).contains("sync_rows_pulled_total{realm=\"default\"} 6.0");
            assertThat(metrics).contains("sync_conflicts_total{kind=\"skipped\",realm=\"default\"} 1.0");
            assertThat(metrics).contains("sync_usage_rows{realm=\"default\"} 3.0");
            assertThat(metrics).contains("sync_devices_stuck{realm=\"default\"} 0.0");
            assertThat(metrics).contains("sync_lock_refusals_total{realm=\"default\"} 1.0");
            assertThat(metrics).contains("sync_pulls_total{realm=\"default\"} 3.0");
            assertThat(metrics).contains("sync_pushes_total{realm=\"default\"} 2.0");
            assertThat(metrics).as("counted from zero, before any refusal")
                    .contains("sync_quota_refusals_total{realm=\"default\"} 0.0");
            assertThat(metrics).contains("sync_realm_ready{realm=\"default\"} 1.0");
            assertThat(metrics).containsPattern("disk_free_bytes\\{path=\"[^\"]+\"} [0-9.E]+");
            assertThat(metrics).containsPattern(
                    "http_server_requests_seconds_count\\{method=\"POST\",route=\"/push/\\{realm}\",status=\"200\"} 2");
            assertThat(metrics).contains("http_server_requests_seconds_bucket{");
            assertThat(metrics).contains("hikaricp_connections_max{pool=\"realm-default\"} 10.0");
            assertThat(metrics).contains("jvm_memory_used_bytes");
            assertThat(scrape(server, null).status()).isEqualTo(401);
            assertThat(scrape(server, "Bearer wrong").status()).isEqualTo(403);
        }
    }

    private static Response post(TestServer server, Accounts.Device device, String path, List<?> changes) {
        return server.post(path, Map.of("clientId", device.clientId().toString(), "lastSync", 0, "isPartial", 0,
                "changes", changes), "Authorization", device.bearer());
    }

    private static Map<String, Object> change(UUID rowguid, long clientdate) {
        return Map.of("operation", "I", "rowguid", rowguid.toString(), "tablename", "todos", "clientdate", clientdate,
                "rowData", Map.of("title", "t"));
    }

    private static Response scrape(TestServer server, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/metrics")).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return server.send(request);
    }
}
