package org.syncserver.console;

import org.syncserver.db.Database;
import org.syncserver.error.BadRequestException;
import org.syncserver.error.ConflictException;
import org.syncserver.error.NotFoundException;
import org.syncserver.http.BusyException;
import org.syncserver.http.ErrorMapper;
import org.syncserver.identity.ClientRepository;
import org.syncserver.lifecycle.DataLifecycle;
import org.syncserver.lifecycle.LifecycleRepository;
import org.syncserver.identity.Principal;
import org.syncserver.identity.UserRepository;
import org.syncserver.password.ForgottenRequest;
import org.syncserver.password.PasswordResetService;
import org.syncserver.realm.Realm;
import org.syncserver.realm.Realms;
import org.syncserver.spaces.SpaceSummary;
import org.syncserver.spaces.SpaceService;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
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
    private final SpaceService spaces;
    private final ConsoleRepository repository = new ConsoleRepository();
    private final UserRepository users;
    private final ClientRepository clients;
    private final AuditLog audit;
    private final PasswordResetService passwordReset;
    private final ConflictJournal journal;
    private final DataLifecycle lifecycle;
    private final Clock clock;
    private final Map<String, Semaphore> exportRooms = new ConcurrentHashMap<>();

    public ConsoleService(Realms realms, UserRepository users, ClientRepository clients, AuditLog audit, PasswordResetService passwordReset,
                          ConflictJournal journal, DataLifecycle lifecycle, SpaceService spaces, Clock clock) {
        this.realms = realms;
        this.spaces = spaces;
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
        return failuresAudited(operator, "revoke-device", realmName, "device " + clientId,
                () -> revoke(operator, realms.require(realmName), clientId));
    }

    private Revocation revoke(Operator operator, Realm realm, UUID clientId) {
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
        return failuresAudited(operator, "release-lock", realmName, "device " + clientId,
                () -> releaseLock(operator, realms.require(realmName), clientId));
    }

    private UUID releaseLock(Operator operator, Realm realm, UUID clientId) {
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
    /** A realm's spaces, newest first (PROTOCOL §12.4). */
    public List<SpaceSummary> spaces(String realmName, int limit) {
        return spaces.summaries(realms.require(realmName), limit);
    }

    /** The spaces a user belongs to, with members and roles. */
    public List<SpaceService.SpaceView> spacesOf(String realmName, UUID userId) {
        return spaces.spacesOf(realms.require(realmName), userId);
    }

    public Map<String, Integer> deleteUser(Operator operator, String realmName, UUID userId) {
        return failuresAudited(operator, "delete-user", realmName, "user " + userId,
                () -> deleteUser(operator, realms.require(realmName), userId));
    }

    private Map<String, Integer> deleteUser(Operator operator, Realm realm, UUID userId) {
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
        failuresAudited(operator, "password-reset", realmName, "user " + userId, () -> {
            sendPasswordReset(operator, realms.require(realmName), userId);
            return null;
        });
    }

    private void sendPasswordReset(Operator operator, Realm realm, UUID userId) {
        if (!passwordReset.canSendMail()) {
            throw new ConflictException("No e-mail is configured (the \"email\" block of config.json): no PIN can be sent");
        }
        ConsoleRepository.Profile profile = realm.database().inTransaction(connection -> {
            ConsoleRepository.Profile found = repository.profile(connection, userId).orElseThrow(() -> noSuchUser(userId));
            audit.record(connection, operator, "password-reset", realm, "user " + userId, "PIN e-mail requested");
            return found;
        });
        passwordReset.forgotten(realm, new ForgottenRequest(profile.email()));
    }

    /** Everything stored about the user, from one snapshot, written as it is read. */
    public void export(Operator operator, String realmName, UUID userId, ExportWriter writer) {
        String target = "user " + userId;
        Semaphore room = failuresAudited(operator, "export-user", realmName, target, () -> exportRoom(realmName));
        try {
            export(operator, realmName, userId, writer, target);
        } finally {
            room.release();
        }
    }

    /**
     * An export holds a database connection while it writes, at the pace its reader reads: ten exports whose
     * reader never read held a realm's whole pool for half a minute, and no device could sync. So a realm runs a
     * quarter of its pool's connections in exports at most.
     */
    private Semaphore exportRoom(String realmName) {
        Realm realm = realms.require(realmName);
        Semaphore room = exportRooms.computeIfAbsent(realm.name(),
                name -> new Semaphore(Math.max(1, realm.database().poolState().max() / 4)));
        if (!room.tryAcquire()) {
            throw new BusyException("Realm " + realm.name() + " is running as many exports as it may at once; "
                    + "retry when one has ended");
        }
        return room;
    }

    private void export(Operator operator, String realmName, UUID userId, ExportWriter writer, String target) {
        Realm realm = failuresAudited(operator, "export-user", realmName, target, () -> startExport(operator,
                realms.require(realmName), userId));
        CountingExport counted = new CountingExport(writer);
        try {
            writeExport(realm, userId, counted);
        } catch (RuntimeException e) {
            try {
                audit.recordOutcome(operator, "export-user", realmName, target, "export cut after " + counted.rows
                        + " rows: " + reasonOf(e));
            } catch (RuntimeException auditFailed) {
                e.addSuppressed(auditFailed);
            }
            throw e;
        }
        audit.recordOutcome(operator, "export-user", realmName, target, "export finished: " + counted.rows + " rows, "
                + counted.conflicts + " conflicts");
    }

    private Realm startExport(Operator operator, Realm realm, UUID userId) {
        realm.database().inTransaction(connection -> {
            repository.profile(connection, userId).orElseThrow(() -> noSuchUser(userId));
            audit.record(connection, operator, "export-user", realm, "user " + userId, "export started");
            return null;
        });
        return realm;
    }

    private void writeExport(Realm realm, UUID userId, ExportWriter writer) {
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

    /**
     * Runs an operator's action; when it is refused (an unknown realm, user or device, no mail configured) or fails,
     * that is audited in a transaction of its own, since the action's own transaction, with its entry, rolled back.
     */
    private <T> T failuresAudited(Operator operator, String action, String realmName, String target, Supplier<T> work) {
        try {
            return work.get();
        } catch (RuntimeException e) {
            try {
                audit.recordOutcome(operator, action, realmName, target, reasonOf(e));
            } catch (RuntimeException auditFailed) {
                e.addSuppressed(auditFailed);
            }
            throw e;
        }
    }

    /** A refusal with the message its caller sees; a fault by its status only (its text may hold anything). */
    private static String reasonOf(RuntimeException e) {
        if (e instanceof UncheckedIOException) {
            return "the connection broke or the reader stopped reading";
        }
        int status = ErrorMapper.statusOf(e);
        return status < 500 || e instanceof BusyException ? "refused (" + status + "): " + e.getMessage()
                : "failed (" + status + ")";
    }

    /** Counts what an export wrote, for the audit entry of how it ended. */
    private static final class CountingExport implements ExportWriter {
        private final ExportWriter writer;
        long rows;
        long conflicts;

        CountingExport(ExportWriter writer) {
            this.writer = writer;
        }

        @Override
        public void begin(ConsoleRepository.Profile profile, List<ConsoleRepository.Device> devices)
                throws IOException {
            writer.begin(profile, devices);
        }

        @Override
        public void row(ConsoleRepository.Row row) throws IOException {
            writer.row(row);
            rows++;
        }

        @Override
        public void conflicts() throws IOException {
            writer.conflicts();
        }

        @Override
        public void conflict(ConflictJournal.Entry entry) throws IOException {
            writer.conflict(entry);
            conflicts++;
        }

        @Override
        public void end() throws IOException {
            writer.end();
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
