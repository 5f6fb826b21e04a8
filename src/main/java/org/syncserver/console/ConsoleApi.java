package org.syncserver.console;

import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import org.syncserver.config.Quotas;
import org.syncserver.db.Database;
import org.syncserver.error.BadRequestException;
import org.syncserver.error.UnauthorizedException;
import org.syncserver.http.AnswerAbandonedException;
import org.syncserver.http.Params;
import org.syncserver.http.RequestBodies;
import org.syncserver.lifecycle.DataLifecycle;
import org.syncserver.lifecycle.LifecycleRepository;
import org.syncserver.sync.ConflictJournal;
import org.syncserver.sync.ConflictRoutes;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/** The console's JSON API under {@code /api} (PROTOCOL §11.4) and its wire shapes. */
public final class ConsoleApi {

    static final int DEFAULT_PAGE = 50;

    record RealmAnswer(String name, boolean ready, Long users, Long devices, Long rows, Long bytes,
                       boolean countsEstimated, Database.PoolState pool) {
    }

    record UserAnswer(UUID id, String email, String name, long devices, long rows, Long lastSync) {
    }

    record UsersAnswer(List<UserAnswer> users, String next) {
    }

    record DeviceAnswer(UUID clientId, @JsonRawValue String description, Long lastSync, Long syncingSince) {
    }

    record UserDetailAnswer(ConsoleRepository.Profile user, List<DeviceAnswer> devices, List<UUID> revokedDevices,
                            long rows, long bytes, Map<String, Long> tables, List<ConflictRoutes.Conflict> conflicts) {
    }

    /** A device's sync health (PROTOCOL §13.2, §13.3). */
    record DeviceHealthAnswer(UUID clientId, UUID userId, String email, @JsonRawValue String description,
                              Long lastSyncAt, long acknowledgedCursor, boolean stuck, int failedAttempts,
                              Long failingSince, String cause, long tombstonesHeldBack) {
        static DeviceHealthAnswer of(LifecycleRepository.DeviceState device) {
            return new DeviceHealthAnswer(device.clientId(), device.userId(), device.email(), device.description(),
                    device.lastSyncAt(), device.acknowledgedCursor(), device.stuck(), device.failedAttempts(),
                    device.failingSince(), device.cause(), device.tombstonesHeld());
        }
    }

    record DevicesAnswer(List<DeviceHealthAnswer> devices) {
        static DevicesAnswer of(List<LifecycleRepository.DeviceState> devices) {
            return new DevicesAnswer(devices.stream().map(DeviceHealthAnswer::of).toList());
        }
    }

    /** Limits not set are null. */
    record QuotasAnswer(Long rowsPerUser, Long bytesPerUser, Long devicesPerUser, Long rowBytes) {
    }

    record UserLifecycleAnswer(LifecycleRepository.Usage usage, QuotasAnswer quotas,
                               List<DeviceHealthAnswer> devices) {
    }

    /** Devices unseen for this many days are listed by default. */
    static final int DEFAULT_UNSEEN_DAYS = 30;

    record LoginRequest(String name, String password) {
        LoginRequest {
            if (name == null || password == null) {
                throw new BadRequestException("'name' and 'password' are required");
            }
        }
    }

    record LoginAnswer(String operator, String csrfToken) {
    }

    private final ConsoleService console;
    private final ConsoleLogin login;
    private final RequestBodies bodies;
    private final ObjectMapper json;

    public ConsoleApi(ConsoleService console, ConsoleLogin login, RequestBodies bodies, ObjectMapper json) {
        this.console = console;
        this.login = login;
        this.bodies = bodies;
        this.json = json;
    }

    /** {@code POST /api/login}: a session for scripts and pages alike; its CSRF token goes with every change. */
    public void login(Context ctx) {
        LoginRequest request = bodies.read(ctx, LoginRequest.class);
        Operator operator = login.logIn(ctx, request.name(), request.password())
                .orElseThrow(() -> new UnauthorizedException("Wrong operator name or password"));
        ctx.json(new LoginAnswer(operator.name(), operator.csrf().orElseThrow()));
    }

    public void logout(Context ctx, Operator operator) {
        login.logOut(ctx, operator);
        ctx.json(Map.of("status", "logged out"));
    }

    public void realms(Context ctx, Operator operator) {
        ctx.json(console.realms().stream().map(realm -> new RealmAnswer(realm.name(), realm.ready(),
                realm.counts().map(ConsoleRepository.Counts::users).orElse(null),
                realm.counts().map(ConsoleRepository.Counts::devices).orElse(null),
                realm.counts().map(ConsoleRepository.Counts::rows).orElse(null),
                realm.counts().map(ConsoleRepository.Counts::bytes).orElse(null),
                realm.counts().map(ConsoleRepository.Counts::estimated).orElse(false), realm.pool())).toList());
    }

    public void users(Context ctx, Operator operator) {
        ConsoleService.UserPage page = console.search(ctx.pathParam("realm"), query(ctx), limit(ctx, DEFAULT_PAGE),
                Optional.ofNullable(ctx.queryParam("after")).filter(after -> !after.isBlank()));
        ctx.json(new UsersAnswer(page.users().stream().map(user -> new UserAnswer(user.id(), user.email(), user.name(),
                user.devices(), user.rows(), user.lastSync())).toList(), page.next().orElse(null)));
    }

    public void user(Context ctx, Operator operator) {
        ConsoleService.UserDetail user = console.user(ctx.pathParam("realm"), userId(ctx));
        ctx.json(new UserDetailAnswer(user.profile(),
                user.devices().stream().map(device -> new DeviceAnswer(device.clientId(), device.description(),
                        device.lastSync(), device.syncingSince())).toList(),
                user.revokedDevices(), user.rows(), user.bytes(), rowsPerTable(user.tables()),
                user.conflicts().stream().map(ConflictRoutes::wire).toList()));
    }

    public void spaces(Context ctx, Operator operator) {
        ctx.json(Map.of("spaces", console.spaces(ctx.pathParam("realm"), limit(ctx, DEFAULT_PAGE))));
    }

    public void userSpaces(Context ctx, Operator operator) {
        ctx.json(Map.of("spaces", console.spacesOf(ctx.pathParam("realm"), userId(ctx)).stream()
                .map(space -> Map.of("id", space.id(), "name", space.name(), "role", space.role().wireName(),
                        "rows", space.rows(), "members", space.members().stream()
                                .map(member -> Map.of("userId", member.userId(), "email", member.email(),
                                        "role", member.role().wireName())).toList()))
                .toList()));
    }

    public void stuckDevices(Context ctx, Operator operator) {
        ctx.json(DevicesAnswer.of(console.stuckDevices(ctx.pathParam("realm"), limit(ctx, DEFAULT_PAGE))));
    }

    public void unseenDevices(Context ctx, Operator operator) {
        ctx.json(DevicesAnswer.of(console.unseenDevices(ctx.pathParam("realm"), unseenFor(ctx),
                limit(ctx, DEFAULT_PAGE))));
    }

    public void purgeTombstones(Context ctx, Operator operator) {
        ctx.json(Map.of("purged", console.purgeTombstones(operator, ctx.pathParam("realm"))));
    }

    public void userLifecycle(Context ctx, Operator operator) {
        DataLifecycle.UserState state = console.lifecycle(ctx.pathParam("realm"), userId(ctx));
        Quotas quotas = state.quotas();
        ctx.json(new UserLifecycleAnswer(state.usage(), new QuotasAnswer(value(quotas.rowsPerUser()),
                value(quotas.bytesPerUser()), value(quotas.devicesPerUser()), value(quotas.rowBytes())),
                state.devices().stream().map(DeviceHealthAnswer::of).toList()));
    }

    private static Long value(OptionalLong limit) {
        return limit.isPresent() ? limit.getAsLong() : null;
    }

    /** {@code ?days=N} (default 30, at least 1). */
    static Duration unseenFor(Context ctx) {
        String days = ctx.queryParam("days");
        long value = days == null || days.isBlank() ? DEFAULT_UNSEEN_DAYS : Params.number(days, "days");
        if (value < 1 || value > 36_500) {
            throw new BadRequestException("'days' must be from 1 to 36500");
        }
        return Duration.ofDays(value);
    }

    public void revoke(Context ctx, Operator operator) {
        UUID clientId = clientId(ctx);
        ConsoleService.Revocation revocation = console.revokeDevice(operator, ctx.pathParam("realm"), clientId);
        ctx.json(Map.of("revoked", clientId, "userId", revocation.userId(),
                "alreadyRevoked", revocation.alreadyRevoked()));
    }

    public void releaseLock(Context ctx, Operator operator) {
        UUID clientId = clientId(ctx);
        UUID userId = console.releaseLock(operator, ctx.pathParam("realm"), clientId);
        ctx.json(Map.of("released", clientId, "userId", userId));
    }

    public void deleteUser(Context ctx, Operator operator) {
        ctx.json(Map.of("deleted", console.deleteUser(operator, ctx.pathParam("realm"), userId(ctx))));
    }

    public void passwordReset(Context ctx, Operator operator) {
        console.sendPasswordReset(operator, ctx.pathParam("realm"), userId(ctx));
        ctx.status(202).json(Map.of("status", "PIN e-mail queued"));
    }

    /** Streamed: a user with a million rows is written as it is read, never held. */
    public void export(Context ctx, Operator operator) {
        UUID userId = userId(ctx);
        String realm = ctx.pathParam("realm");
        ctx.contentType("application/json; charset=utf-8");
        ctx.header("Content-Disposition", "attachment; filename=\"user-" + userId + ".json\"");
        JsonExport writer = new JsonExport(ctx, realm);
        try {
            console.export(operator, realm, userId, writer);
        } catch (RuntimeException e) {
            if (writer.out != null) {
                throw new AnswerAbandonedException(e); // half an export must not look like a whole one: cut it
            }
            throw e;
        }
    }

    public void audit(Context ctx, Operator operator) {
        ctx.json(Map.of("entries", console.audit(limit(ctx, 100))));
    }

    /** Writes the export with Jackson's streaming generator; row data goes out as the JSON text stored. */
    private final class JsonExport implements ConsoleService.ExportWriter {
        private final Context ctx;
        private final String realm;
        private JsonGenerator out;

        JsonExport(Context ctx, String realm) {
            this.ctx = ctx;
            this.realm = realm;
        }

        @Override
        public void begin(ConsoleRepository.Profile profile, List<ConsoleRepository.Device> devices) throws IOException {
            out = json.getFactory().createGenerator(ctx.outputStream(), JsonEncoding.UTF8);
            out.writeStartObject();
            out.writeStringField("realm", realm);
            out.writePOJOField("user", profile);
            out.writeArrayFieldStart("devices");
            for (ConsoleRepository.Device device : devices) {
                out.writeObject(new DeviceAnswer(device.clientId(), device.description(), device.lastSync(),
                        device.syncingSince()));
            }
            out.writeEndArray();
            out.writeArrayFieldStart("rows");
        }

        @Override
        public void row(ConsoleRepository.Row row) throws IOException {
            out.writeStartObject();
            // The names of a pull's rows and of /conflicts, so that one parser reads all three.
            out.writeStringField("rowguid", row.rowguid().toString());
            out.writeStringField("operation", row.operation());
            out.writeStringField("tablename", row.table());
            out.writeNumberField("clientdate", row.clientDate());
            out.writeNumberField("serverdate", row.serverDate());
            out.writeStringField("clientid", row.clientId().toString());
            out.writeFieldName("rowData");
            if (row.json() == null) {
                out.writeNull();
            } else {
                out.writeRawValue(row.json());
            }
            out.writeEndObject();
        }

        @Override
        public void conflicts() throws IOException {
            out.writeEndArray();
            out.writeArrayFieldStart("conflicts");
        }

        @Override
        public void conflict(ConflictJournal.Entry entry) throws IOException {
            out.writeObject(ConflictRoutes.wire(entry));
        }

        @Override
        public void end() throws IOException {
            out.writeEndArray();
            out.writeEndObject();
            out.close();
        }
    }

    private static Map<String, Long> rowsPerTable(List<ConsoleRepository.TableCount> tables) {
        Map<String, Long> counts = new LinkedHashMap<>();
        tables.forEach(table -> counts.put(table.table(), table.rows()));
        return counts;
    }

    static String query(Context ctx) {
        String q = ctx.queryParam("q");
        return q == null ? "" : q.strip();
    }

    static int limit(Context ctx, int fallback) {
        String value = ctx.queryParam("limit");
        return value == null || value.isBlank() ? fallback : (int) Math.min(Integer.MAX_VALUE,
                Math.max(Integer.MIN_VALUE, Params.number(value, "limit")));
    }

    static UUID userId(Context ctx) {
        return Params.uuid(ctx.pathParam("userId"), "userId");
    }

    static UUID clientId(Context ctx) {
        return Params.uuid(ctx.pathParam("clientId"), "clientId");
    }
}
