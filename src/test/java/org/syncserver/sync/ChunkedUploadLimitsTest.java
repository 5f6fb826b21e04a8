package org.syncserver.sync;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.syncserver.config.Config;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.Response;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.syncserver.sync.ChunkedUploadTest.chunks;
import static org.syncserver.sync.ChunkedUploadTest.post;
import static org.syncserver.sync.ChunkedUploadTest.pull;
import static org.syncserver.sync.ChunkedUploadTest.pushBody;
import static org.syncserver.sync.ChunkedUploadTest.sendChunk;
import static org.syncserver.sync.ChunkedUploadTest.totalSize;

/**
 * Issue #28: what chunked uploads (PROTOCOL §11.1) can no longer be made to do — fill the disk with uploads never
 * finished, be blocked or corrupted by someone else, answer 500, stay claimed by a request that died.
 */
class ChunkedUploadLimitsTest {

    private static final long MAX_BODY = 1024 * 1024;
    private static final Config.PendingChunks CAPS = new Config.PendingChunks(2 * MAX_BODY, 5 * MAX_BODY);
    private static RealmConfig realm;
    private static TestServer server;
    private static Accounts accounts;

    @BeforeAll
    static void start() {
        realm = TestPostgres.newRealm("default");
        server = TestConfig.realms(realm).maxBodyBytes(MAX_BODY).pendingChunks(CAPS).start();
        accounts = new Accounts(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The probe of the issue: chunk 0 of a new upload again and again, each announcing the largest body. */
    @Test
    void aDeviceStartingUploadAfterUploadKeepsOnlyItsLatestOnDisk() {
        Device device = newUser();
        for (int upload = 0; upload < 30; upload++) {
            assertThat(firstChunkOfAnUploadThatNeverEnds(device).status()).isEqualTo(206);
        }
        assertThat(pendingBytesOf(device)).as("an upload begun ends the device's abandoned one")
                .isLessThanOrEqualTo(200_000);
    }

    @Test
    void unfinishedUploadsBeyondTheAccountsCapAreRefusedAndTheDeviceStillSyncsUnchunked() {
        Device first = newUser();
        Device second = accounts.device("default", first.email(), "pw", false);
        Device third = accounts.device("default", first.email(), "pw", false);
        assertThat(firstChunkOfAnUploadThatNeverEnds(first).status()).isEqualTo(206);
        assertThat(firstChunkOfAnUploadThatNeverEnds(second).status()).isEqualTo(206);

        Response refused = firstChunkOfAnUploadThatNeverEnds(third);

        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.message()).startsWith("This account has 2 MiB of unfinished chunked uploads")
                .contains("send the request in one piece (unchunked)");
        pull(server, third);
        assertThat(post(server, third, "/push/default", pushBody(third, 5)).status()).isEqualTo(200);
    }

    @Test
    void unfinishedUploadsBeyondTheRealmsCapAreRefused() {
        Response refused = null;
        for (int user = 0; user < 6 && refused == null; user++) {
            Response answer = firstChunkOfAnUploadThatNeverEnds(newUser());
            if (answer.status() != 206) {
                refused = answer;
            }
        }
        assertThat(refused).isNotNull();
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.message()).startsWith("The server holds too many unfinished chunked uploads");
        TestPostgres.execute(realm, "DELETE FROM upload_chunks"); // room for the other tests
    }

    @Test
    void anUploadCannotHoldMoreBytesThanItsTotalSize() {
        Device device = newUser();
        UUID syncId = UUID.randomUUID();
        String data = "x".repeat(1_000);
        for (int index = 0; index < 3; index++) {
            Response answer = server.post("/push/default/" + device.clientId(), chunk(syncId, index, 10, 0, data,
                    2_500), "Authorization", device.bearer());
            assertThat(answer.status()).as("chunk " + index).isEqualTo(index < 2 ? 206 : 400);
        }
    }

    @Test
    void aChunkWithATakenIndexButOtherContentIsRefusedNotDropped() {
        Device device = newUser();
        pull(server, device);
        List<String> chunks = chunks(pushBody(device, 10), 3);
        UUID syncId = UUID.randomUUID();
        int total = totalSize(chunks);
        assertThat(sendChunk(server, device, "push", syncId, chunks, 0, total).status()).isEqualTo(206);
        List<String> forged = List.of(chunks.get(0).replace("chunk row", "chunk Row"), chunks.get(1), chunks.get(2));

        Response other = sendChunk(server, device, "push", syncId, forged, 0, total);

        assertThat(other.status()).isEqualTo(409);
        assertThat(other.message()).contains("was received before with other content");
        assertThat(sendChunk(server, device, "push", syncId, chunks, 0, total).status()).as("a true retry").isEqualTo(206);
    }

    @Test
    void anotherUserKnowingASyncIdCannotBlockOrSpoilTheOwnersUpload() {
        Device owner = newUser();
        Device stranger = newUser();
        pull(server, owner);
        List<String> chunks = chunks(pushBody(owner, 10), 3);
        UUID syncId = UUID.randomUUID();
        int total = totalSize(chunks);
        List<String> junk = List.of("x".repeat(chunks.get(0).length()), chunks.get(1), chunks.get(2));
        assertThat(sendChunk(server, stranger, "push", syncId, junk, 0, total).status()).isEqualTo(206);

        for (int index = 0; index < 2; index++) {
            assertThat(sendChunk(server, owner, "push", syncId, chunks, index, total).status()).isEqualTo(206);
        }
        Response last = sendChunk(server, owner, "push", syncId, chunks, 2, total);

        assertThat(last.status()).as(last.body()).isEqualTo(200);
        assertThat(rowsOf(owner)).isEqualTo(10);
    }

    @Test
    void aSyncIdUsedForAPushAndThenAPullIsTwoUploadsNeverA500() {
        Device device = newUser();
        pull(server, device);
        List<String> push = chunks(pushBody(device, 4), 2);
        UUID syncId = UUID.randomUUID();
        sendChunk(server, device, "push", syncId, push, 0, totalSize(push));
        assertThat(sendChunk(server, device, "push", syncId, push, 1, totalSize(push)).status()).isEqualTo(200);

        List<String> pullBody = chunks("{\"clientId\":\"" + device.clientId() + "\",\"lastSync\":0}", 2);
        assertThat(sendChunk(server, device, "pull", syncId, pullBody, 0, totalSize(pullBody)).status()).isEqualTo(206);
        Response pulled = sendChunk(server, device, "pull", syncId, pullBody, 1, totalSize(pullBody));

        assertThat(pulled.status()).as(pulled.body()).isEqualTo(200);
        assertThat(pulled.json().get("lastSync").isNumber()).isTrue();
    }

    /** As after kill -9 while completing: a claim with no outcome, which no request will ever give back. */
    @Test
    void anUploadWhoseCompletingRequestDiedIsRunByARetriedChunkOnceItsClaimExpires() {
        Device device = newUser();
        pull(server, device);
        List<String> chunks = chunks(pushBody(device, 10), 3);
        UUID syncId = UUID.randomUUID();
        int total = totalSize(chunks);
        for (int index = 0; index < 3; index++) {
            assertThat(sendChunk(server, device, "push", syncId, chunks, index, total).status()).isIn(206, 200);
        }
        TestPostgres.execute(realm, "DELETE FROM sync_rows WHERE clientid = '" + device.clientId() + "'");
        UUID key = ChunkedUploads.keyOf(userIdOf(device), "push", syncId);
        TestPostgres.execute(realm, "UPDATE upload_outcomes SET status = 0, answer = NULL, created = "
                + server.clock().millis() + " WHERE sync_id = '" + key + "'");
        pull(server, device);

        Response whileClaimed = sendChunk(server, device, "push", syncId, chunks, 2, total);
        assertThat(whileClaimed.status()).as("a live claim: retry later").isEqualTo(503);
        assertThat(whileClaimed.header("Retry-After")).isNotNull();

        server.clock().advance(ChunkedUploads.CLAIM_TIMEOUT.plus(Duration.ofSeconds(1)));
        Response retried = sendChunk(server, device, "push", syncId, chunks, 2, total);

        assertThat(retried.status()).as(retried.body()).isEqualTo(200);
        assertThat(rowsOf(device)).isEqualTo(10);
    }

    private static Response firstChunkOfAnUploadThatNeverEnds(Device device) {
        return server.post("/push/default/" + device.clientId(), chunk(UUID.randomUUID(), 0, 10_000, 0,
                "x".repeat(100_000), MAX_BODY), "Authorization", device.bearer());
    }

    private static Map<String, Object> chunk(UUID syncId, int index, int chunks, long start, String data,
                                             long totalSize) {
        Map<String, Object> chunk = new LinkedHashMap<>();
        chunk.put("chunkIndex", index);
        chunk.put("chunks", chunks);
        chunk.put("data", data);
        chunk.put("start", start);
        chunk.put("end", start + data.length());
        chunk.put("syncId", syncId.toString());
        chunk.put("totalSize", totalSize);
        chunk.put("multiple", 1);
        return chunk;
    }

    private static long pendingBytesOf(Device device) {
        Object sum = TestPostgres.queryValue(realm, "SELECT COALESCE(sum(octet_length(data)), 0) FROM upload_chunks"
                + " WHERE clientid = '" + device.clientId() + "'");
        return ((Number) sum).longValue();
    }

    private static UUID userIdOf(Device device) {
        return (UUID) TestPostgres.queryValue(realm,
                "SELECT userid FROM user_clients WHERE clientid = '" + device.clientId() + "'");
    }

    private static long rowsOf(Device device) {
        return TestPostgres.count(realm, "sync_rows WHERE userid = '" + userIdOf(device) + "'");
    }

    private static Device newUser() {
        return accounts.device("default", UUID.randomUUID() + "@example.com", "pw", true);
    }
}
