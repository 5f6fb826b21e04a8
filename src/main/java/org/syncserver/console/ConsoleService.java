package org.syncserver.console;

import org.syncserver.db.Database;
import org.syncserver.error.BadRequestException;
import org.syncserver.error.ConflictException;
import org.syncserver.error.NotFoundException;
import org.syncserver.identity.ClientRepository;
import org.syncserver.lifecycle.DataLifecycle;
import org.syncserver.lifecycle.LifecycleRepository;
import org.syncserver.identity.Principal;
import org.syncserver.identity.UserRepository;
import org.syncserver.password.ForgottenRequest;
import org.syncserver.password.PasswordResetService;
import org.syncserver.realm.Realm;
import org.syncserver.realm.Realms;
import org.syncserver.sync.ConflictJournal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * What an operator can see and do. Every action is audited in its own transaction (an export or a PIN before it
 * starts); reads are not. Results are typed; the API and the pages shape them.
 */
public final class ConsoleService {

    public static final int MAX_PAGE = 200;
    static final int RECENT_CONFLICTS = 20;
    private static final Base64.Encoder CURSOR_ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder CURSOR_DECODER = Base64.getUrlDecoder();

    /** A realm on the overview; counts are absent while its database is not ready. */
    public record RealmSummary(String name, boolean ready, Optional<ConsoleRepository.Counts> counts,
                               Database.PoolState pool) {
    }

    public record UserPage(List<ConsoleRepository.UserSummary> users, Optional<String> next) {
    }

    public record UserDetail(ConsoleRepository.Profile profile, List<ConsoleRepository.Device> devices,
                             List<UUID> revokedDevices, List<ConsoleRepository.TableCount> tables,
                             List<ConflictJournal.Entry> conflicts) {
        public long rows() {
            return tables.stream().mapToLong(ConsoleRepository.TableCount::rows).sum();
        }

        public long bytes() {
            return tables.stream().mapToLong(ConsoleRepository.TableCount::bytes).sum();
        }

        UserDetail withConflicts(List<ConflictJournal.Entry> recent) {
            return new UserDetail(profile, devices, revokedDevices, tables, recent);
        }
    }

    /** What a user's export is made of, handed to the writer piece by piece. */
    public interface ExportWriter {
        void begin(ConsoleRepository.Profile profile, List<ConsoleRepository.Device> devices) throws IOException;

        void row(ConsoleRepository.Row row) throws IOException;

        /** Called once, after the last row, before the conflicts. */
        void conflicts() throws IOException;

        void conflict(ConflictJournal.Entry entry) throws IOException;

        void end() throws IOException;
    }

    private final Realms realms;
    private final ConsoleRepository repository = new ConsoleRepository();
    private final UserRepository users;
    private final ClientRepository clients;
    private final AuditLog audit;
    private final PasswordResetService passwordReset;
    private final ConflictJournal journal;
    private final DataLifecycle lifecycle;
    private final Clock clock;

    public ConsoleService(Realms realms, UserRepository users, ClientRepository clients, AuditLog audit, PasswordResetService passwordReset,
                          ConflictJournal journal, DataLifecycle lifecycle, Clock clock) {
        this.realms = realms;
        this.users = users;
        this.clients = clients;
        this.audit = audit;
        this.passwordReset = passwordReset;
        this.journal = journal;
        this.lifecycle = lifecycle;
        this.clock = clock;
    }

    /** Devices whose last sync attempts failed, longest stuck first, with the cause (PROTOCOL §13.3). */
    public List<LifecycleRepository.DeviceState> stuckDevices(String realm, int limit) {
        return lifecycle.stuckDevices(realm, limit);
    }

    /** Devices not seen for a while, with the tombstones each holds back (PROTOCOL §13.2). */
    public List<LifecycleRepository.DeviceState> unseenDevices(String realm, Duration unseenFor, int limit) {
        return lifecycle.unseenDevices(realm, unseenFor, limit);
    }

    /** Purges the realm's acknowledged tombstones now, rather than at the next scheduled purge. @return how many */
    public long purgeTombstones(Operator operator, String realmName) {
        Realm realm = realms.require(realmName);
        long purged = lifecycle.purge(realm);
        realm.database().withConnection(connection -> {
            audit.record(connection, operator, "purge-tombstones", realm, "realm " + realm.name(),
                    "purged " + purged + " tombstones");
            return null;
        });
        return purged;
    }

    /** A user's usage against the realm's quotas, and each device's sync health. */
    public DataLifecycle.UserState lifecycle(String realm, UUID userId) {
        return lifecycle.user(realm, userId);
    }

    public List<RealmSummary> realms() {
        return realms.all().stream().map(realm -> {
            Optional<ConsoleRepository.Counts> counts = Optional.empty();
            if (realm.isReady()) {
                try {
                    counts = Optional.of(realm.database().withConnection(repository::counts));
                } catch (RuntimeException e) {
                    counts = Optional.empty(); // shown as not answering; /readyz and the log say why
                }
            }
            return new RealmSummary(realm.name(), counts.isPresent(), counts,
                    realm.database().poolState());
        }).toList();
    }

    /** @param after the {@code next} of the previous page */
    public UserPage search(String realmName, String part, int limit, Optional<String> after) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new BadRequestException("'limit' must be from 1 to " + MAX_PAGE);
        }
        Realm realm = realms.require(realmName);
        Cursor cursor = after.map(Cursor::decode).orElse(Cursor.FIRST);
        List<ConsoleRepository.UserSummary> found = realm.database().withConnection(connection ->
                repository.search(connection, part, cursor.sortKey(), cursor.userId(), limit + 1));
        if (found.size() <= limit) {
            return new UserPage(found, Optional.empty());
        }
        List<ConsoleRepository.UserSummary> page = found.subList(0, limit);
        ConsoleRepository.UserSummary last = page.get(limit - 1);
        return new UserPage(List.copyOf(page), Optional.of(new Cursor(last.sortKey(), last.id()).encode()));
    }

    public UserDetail user(String realmName, UUID userId) {
        Realm realm = realms.require(realmName);
        UserDetail stored = realm.database().read(connection -> new UserDetail(
                repository.profile(connection, userId).orElseThrow(() -> noSuchUser(userId)),
                repository.devices(connection, userId), repository.revokedDevices(connection, userId),
                repository.tables(connection, userId), List.of()), () -> true);
        // The journal reads on a connection of its own, after the user's snapshot.
        return stored.withConflicts(journal.list(realm, new Principal(userId, null, 0), 0, Optional.empty(),
                RECENT_CONFLICTS).entries());
    }

    /** The user a device belongs to (or belonged to, when revoked), for the confirmation of an action on it. */
    public UserDetail deviceOwner(String realmName, UUID clientId) {
        Realm realm = realms.require(realmName);
        UUID userId = realm.database().withConnection(connection -> {
            Optional<UUID> owner = clients.findOwner(connection, clientId);
            return owner.isPresent() ? owner : repository.revokedOwner(connection, clientId);
        }).orElseThrow(() -> noSuchDevice(clientId));
        return user(realmName, userId);
    }

    /** @param alreadyRevoked whether an earlier revocation had done it: revoking twice changes nothing more */
    public record Revocation(UUID userId, boolean alreadyRevoked) {
    }

    /**
     * Its tokens go, it leaves its user, its clientId is barred; the user's rows stay. A device revoked before is
     * answered as revoked again (an operator who retries, or two who act at once, get the same answer).
     */
    public Revocation revokeDevice(Operator operator, String realmName, UUID clientId) {
        Realm realm = realms.require(realmName);
        return realm.database().inTransaction(connection -> {
            Optional<UUID> revokedNow = repository.revoke(connection, clientId, clock.millis());
            Revocation revocation = revokedNow.isPresent() ? new Revocation(revokedNow.get(), false)
                    : repository.revokedOwner(connection, clientId).map(userId -> new Revocation(userId, true))
                            .orElseThrow(() -> noSuchDevice(clientId));
            audit.record(connection, operator, "revoke-device", realm, "device " + clientId,
                    (revocation.alreadyRevoked() ? "already revoked: device " : "revoked device ") + clientId
                            + " of user " + revocation.userId());
            return revocation;
        });
    }

    /** @return the device's user */
    public UUID releaseLock(Operator operator, String realmName, UUID clientId) {
        Realm realm = realms.require(realmName);
        return realm.database().inTransaction(connection -> {
            ConsoleRepository.Released released = repository.releaseLock(connection, clientId)
                    .orElseThrow(() -> noSuchDevice(clientId));
            String outcome = released.heldSince() == null ? "no lock was held"
                    : "released a lock held for " + (clock.millis() - released.heldSince()) / 1000 + " s";
            audit.record(connection, operator, "release-lock", realm, "device " + clientId, outcome);
            return released.userId();
        });
    }

    /** The user and everything of theirs, in one transaction. @return rows removed, by kind */
    public Map<String, Integer> deleteUser(Operator operator, String realmName, UUID userId) {
        Realm realm = realms.require(realmName);
        return realm.database().inTransaction(connection -> {
            repository.profile(connection, userId).orElseThrow(() -> noSuchUser(userId));
            Map<String, Integer> deleted = users.deleteWithAllData(connection, userId);
            audit.record(connection, operator, "delete-user", realm, "user " + userId, "deleted " + deleted.entrySet()
                    .stream().filter(count -> count.getValue() > 0).map(count -> counted(count.getValue(), count.getKey()))
                    .collect(Collectors.joining(", ")));
            return deleted;
        });
    }

    /** Sends the user the PIN e-mail of a forgotten password (in the background, as the public route does). */
    public void sendPasswordReset(Operator operator, String realmName, UUID userId) {
        if (!passwordReset.canSendMail()) {
            throw new ConflictException("No e-mail is configured (the \"email\" block of config.json): no PIN can be sent");
        }
        Realm realm = realms.require(realmName);
        ConsoleRepository.Profile profile = realm.database().inTransaction(connection -> {
            ConsoleRepository.Profile found = repository.profile(connection, userId).orElseThrow(() -> noSuchUser(userId));
            audit.record(connection, operator, "password-reset", realm, "user " + userId, "PIN e-mail requested");
            return found;
        });
        passwordReset.forgotten(realm, new ForgottenRequest(profile.email()));
    }

    /** Everything stored about the user, from one snapshot, written as it is read. */
    public void export(Operator operator, String realmName, UUID userId, ExportWriter writer) {
        Realm realm = realms.require(realmName);
        realm.database().inTransaction(connection -> {
            repository.profile(connection, userId).orElseThrow(() -> noSuchUser(userId));
            audit.record(connection, operator, "export-user", realm, "user " + userId, "export started");
            return null;
        });
        realm.database().read(connection -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            }
            ConsoleRepository.Profile profile = repository.profile(connection, userId)
                    .orElseThrow(() -> noSuchUser(userId));
            try {
                writer.begin(profile, repository.devices(connection, userId));
                repository.rows(connection, userId, writer::row);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return null;
        }, () -> false);
        try {
            writer.conflicts();
            Optional<Long> before = Optional.empty();
            do {
                ConflictJournal.Page page = journal.list(realm, new Principal(userId, null, 0), 0, before,
                        ConflictJournal.MAX_PAGE);
                for (ConflictJournal.Entry entry : page.entries()) {
                    writer.conflict(entry);
                }
                before = page.next();
            } while (before.isPresent());
            writer.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<AuditLog.Entry> audit(int limit) {
        if (limit < 1 || limit > 1_000) {
            throw new BadRequestException("'limit' must be from 1 to 1000");
        }
        return audit.newest(limit);
    }

    /** Where a listing page ends, in the listing's order: the user's sort key (lower(email)) and id, opaque. */
    private record Cursor(String sortKey, UUID userId) {
        static final Cursor FIRST = new Cursor("", new UUID(0, 0));

        String encode() {
            return CURSOR_ENCODER.encodeToString((sortKey + "\n" + userId).getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String cursor) {
            try {
                String raw = new String(CURSOR_DECODER.decode(cursor), StandardCharsets.UTF_8);
                int cut = raw.lastIndexOf('\n');
                return new Cursor(raw.substring(0, cut), UUID.fromString(raw.substring(cut + 1)));
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw new BadRequestException("'after' is not a cursor this server gave out");
            }
        }
    }

    /** "1 device", "2 devices": the keys are plural nouns. */
    static String counted(long count, String plural) {
        return count + " " + (count == 1 && plural.endsWith("s") ? plural.substring(0, plural.length() - 1) : plural);
    }

    private static NotFoundException noSuchUser(UUID userId) {
        return new NotFoundException("No user " + userId + " in this realm");
    }

    private static NotFoundException noSuchDevice(UUID clientId) {
        return new NotFoundException("No device " + clientId + " in this realm");
    }
}
