package org.syncserver.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.syncserver.auth.AuthService;
import org.syncserver.auth.IssuedTokens;
import org.syncserver.auth.OpaqueTokens;
import org.syncserver.bench.SyncSession;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.Timeouts;
import org.syncserver.db.Database;
import org.syncserver.identity.ClientRepository;
import org.syncserver.identity.CredentialVerifier;
import org.syncserver.identity.PasswordHasher;
import org.syncserver.identity.Principal;
import org.syncserver.identity.TokenRepository;
import org.syncserver.identity.UserRepository;
import org.syncserver.realm.Realm;
import org.syncserver.realm.Realms;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The floor of #17: a client's calls answered by the server's own SQL — the same repository methods, parameters,
 * transactions, commit durability and connection pool size as {@link SyncService} and {@link AuthService} — run
 * in-process through JDBC, with no HTTP, no gzip, no request parsing and no answer writing. What the server costs
 * beyond this is its own; the benchmark reports the ratio. It mirrors SyncService step by step (each step says
 * which), so a change of the server's SQL text follows by itself, and a change of its sequence shows as a different
 * count of commits per sync, which the report prints for both.
 */
public final class SyncFloor implements SyncSession.Transport, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Realms realms;
    private final Realm realm;
    private final AuthService auth;
    private final SyncRepository sync = new SyncRepository();
    private final Clock clock = Clock.systemUTC();

    private SyncFloor(Realms realms, Realm realm, AuthService auth) {
        this.realms = realms;
        this.realm = realm;
        this.auth = auth;
    }

    /** A pool of its own on the realm's database, sized as the server's. */
    public static SyncFloor open(RealmConfig config) {
        Realms realms = Realms.open(List.of(config), Timeouts.DEFAULTS, new SimpleMeterRegistry());
        UserRepository users = new UserRepository((connection, userId) -> { }, org.syncserver.identity.Erasures.NONE);
        AuthService auth = new AuthService(new OpaqueTokens(), new CredentialVerifier(users, new PasswordHasher()),
                users, new ClientRepository(), new TokenRepository(), Clock.systemUTC());
        return new SyncFloor(realms, realms.require(config.name()), auth);
    }

    /** The floor's locks name an instance of their own (its devices sync through nothing else). */
    private final SyncInstance instance = new SyncInstance(Clock.systemUTC());

    @Override
    public JsonNode post(String path, Object body, String authorization) {
        Map<?, ?> fields = (Map<?, ?>) body;
        if (path.endsWith("/refreshToken")) {
            IssuedTokens tokens = auth.refresh(realm, (String) fields.get("refreshToken")); // AuthService.refresh
            ObjectNode answer = JSON.createObjectNode();
            return answer.put("accessToken", tokens.accessToken()).put("refreshToken", tokens.refreshToken());
        }
        Principal principal = auth.authenticate(realm, authorization);
        UUID clientId = UUID.fromString((String) fields.get("clientId"));
        if (path.startsWith("/push/")) {
            return JSON.createObjectNode().put("lastSync", push(principal, clientId, fields));
        }
        if (path.startsWith("/cancelSync/")) {
            realm.database().withConnection(connection -> sync.endAttempt(connection, principal.userId(), clientId));
            return JSON.createObjectNode();
        }
        throw new IllegalArgumentException("The floor answers refresh, pull, push and cancelSync, not " + path);
    }

    /** SyncService.pull: take the lock and read the clock; read the rows; save the cursor. */
    @Override
    public long pull(String path, Object body, String authorization, Consumer<JsonNode> row,
                     Consumer<String> outdated) {
        Principal principal = auth.authenticate(realm, authorization);
        Map<?, ?> fields = (Map<?, ?>) body;
        UUID clientId = UUID.fromString((String) fields.get("clientId"));
        long lastSync = ((Number) fields.get("lastSync")).longValue();
        Map<UUID, PendingChange> pending = pending((List<?>) fields.get("changes"));
        Database database = realm.database();
        long now = clock.millis();
        long cursor = database.withConnection(connection -> {
            return sync.takeLock(connection, principal.userId(), clientId, OptionalLong.of(lastSync), now,
                    now - SyncService.LOCK_TAKEOVER.toMillis(), instance)
                    .orElseThrow(() -> new IllegalStateException("lock refused")).value();
        });
        Set<String> tables = new LinkedHashSet<>();
        SyncRepository.RowSink answer = stored -> {
            PendingChange mine = pending.get(stored.rowguid());
            if (mine == null || stored.clientdate() >= mine.clientdate()) {
                tables.add(stored.tablename());
                row.accept(JSON.createObjectNode().put("rowguid", stored.rowguid().toString()));
            }
        };
        readRows(database, principal.userId(), clientId, lastSync, cursor, answer);
        List<UUID> deletes = pending.values().stream().filter(change -> "D".equals(change.operation()))
                .map(PendingChange::rowguid).toList();
        database.withConnection(connection -> {
            sync.saveCursor(connection, principal.userId(), clientId, cursor,
                    tables.isEmpty() ? null : String.join(", ", tables), deletes, Optional.empty());
            return null;
        });
        return cursor;
    }

    /** SyncService.readRows: one statement for a small pull, a streamed read-only transaction for a large one. */
    private void readRows(Database database, UUID userId, UUID clientId, long after, long upTo,
                          SyncRepository.RowSink answer) {
        SyncRepository.FirstPage first = database.withConnection(connection -> sync.firstPage(connection, userId,
                clientId, after, upTo, SyncService.SMALL_PULL + 1, SyncService.SMALL_PULL_BYTES));
        if (first.rows().size() > SyncService.SMALL_PULL || first.bytes() > SyncService.SMALL_PULL_BYTES) {
            long rowBytes = first.bytes() / first.rows().size();
            database.read(connection -> {
                sync.pull(connection, userId, clientId, after, upTo, rowBytes, answer);
                return null;
            }, () -> true);
            return;
        }
        try {
            for (ServerRow stored : first.rows()) {
                answer.row(stored);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SyncService.push: one durable transaction; the lock statement stamps (and notifies), then the upserts. */
    private long push(Principal principal, UUID clientId, Map<?, ?> fields) {
        List<PushedChange> changes = changes((List<?>) fields.get("changes"));
        boolean partial = ((Number) fields.get("isPartial")).intValue() == 1;
        long now = clock.millis();
        long sentCursor = ((Number) fields.get("lastSync")).longValue();
        return realm.database().inTransaction(connection -> {
            boolean stamp = !changes.isEmpty();
            SyncRepository.Held held = sync.holdLockForPush(connection, principal.userId(), clientId, partial, stamp,
                    now, stamp, false).orElseThrow(() -> new IllegalStateException("push without the lock"));
            long seenUpTo = Math.clamp(sentCursor, 0, held.pulledUpTo());
            for (int from = 0; from < changes.size(); from += PushRequest.BATCH_CHANGES) {
                sync.upsert(connection, principal.userId(), clientId, now,
                        changes.subList(from, Math.min(changes.size(), from + PushRequest.BATCH_CHANGES)).stream()
                                .map(change -> new SyncRepository.Placed(principal.userId(), change, seenUpTo,
                                        held.serverdate())).toList());
            }
            return held.pulledUpTo();
        });
    }

    /** The server stores the row data as the JSON text the device sent: the floor sends the same text. */
    private static List<PushedChange> changes(List<?> sent) {
        List<PushedChange> changes = new ArrayList<>(sent.size());
        try {
            for (Object item : sent) {
                Map<?, ?> change = (Map<?, ?>) item;
                Object data = change.get("rowData");
                changes.add(new PushedChange(UUID.fromString((String) change.get("rowguid")),
                        (String) change.get("tablename"), (String) change.get("operation"),
                        ((Number) change.get("clientdate")).longValue(),
                        data == null ? null : JSON.writeValueAsString(data)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return changes;
    }

    private static Map<UUID, PendingChange> pending(List<?> sent) {
        Map<UUID, PendingChange> pending = new HashMap<>();
        for (Object item : sent) {
            Map<?, ?> change = (Map<?, ?>) item;
            UUID rowguid = UUID.fromString((String) change.get("rowguid"));
            pending.merge(rowguid, new PendingChange(rowguid, ((Number) change.get("clientdate")).longValue(),
                    (String) change.get("operation")), PendingChange::later);
        }
        return pending;
    }

    @Override
    public void close() {
        realms.close();
    }
}
