package org.syncserver.console;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import org.syncserver.config.Quotas;
import org.syncserver.error.BadRequestException;
import org.syncserver.lifecycle.DataLifecycle;
import org.syncserver.lifecycle.LifecycleRepository;
import org.syncserver.spaces.SpaceService;
import org.syncserver.spaces.SpaceSummary;
import org.syncserver.sync.ConflictJournal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * The console's HTML pages: server-rendered, no script, readable on a phone. Every change is a POST form carrying
 * the session's CSRF token, reached through a confirmation page that says what will happen. Every user-controlled
 * string goes through {@link Html#of}, which escapes it.
 */
public final class ConsolePages {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    /** What a page says after an action redirected to it: fixed texts, never a value from the request. */
    private static final Map<String, String> DONE = Map.of(
            "revoked", "Device revoked: its tokens are deleted and its clientId is barred.",
            "already-revoked", "Device revoked already (earlier): nothing more to do.",
            "released", "Sync lock released.",
            "reset", "Password-reset PIN e-mail queued.",
            "deleted", "User deleted, with every row, device, token and journal entry.");

    private static final Map<String, String> OPERATIONS = Map.of("I", "inserted", "U", "updated", "D", "deleted");

    private final ConsoleService console;
    private final ConsoleLogin login;

    public ConsolePages(ConsoleService console, ConsoleLogin login) {
        this.console = console;
        this.login = login;
    }

    public void stylesheet(Context ctx) {
        ctx.contentType("text/css; charset=utf-8").result(ConsoleStyle.CSS);
    }

    public void loginForm(Context ctx) {
        html(ctx, loginPage(Html.EMPTY));
    }

    public void login(Context ctx) {
        Optional<Operator> operator = login.logIn(ctx, form(ctx, "name"), form(ctx, "password"));
        if (operator.isPresent()) {
            ctx.redirect("/", HttpStatus.SEE_OTHER);
        } else {
            ctx.status(401);
            html(ctx, loginPage(Html.of("<p class=\"error\">Wrong operator name or password.</p>")));
        }
    }

    public void logout(Context ctx, Operator operator) {
        login.logOut(ctx, operator);
        ctx.redirect("/login", HttpStatus.SEE_OTHER);
    }

    public void realms(Context ctx, Operator operator) {
        Html rows = Html.each(console.realms(), realm -> Html.of("""
                <tr><td><a href="/realms/%s/users">%s</a> · <a href="/realms/%s/devices">devices</a> · <a href="/realms/%s/spaces">spaces</a></td><td>%s</td><td class="n">%s</td><td class="n">%s</td>
                <td class="n">%s</td><td class="n">%s</td><td class="n">%s / %s / %s</td></tr>
                """, url(realm.name()), realm.name(), url(realm.name()), url(realm.name()), realm.ready() ? "ready" : "not answering",
                realm.counts().map(c -> count(c.users(), c.estimated())).orElse("–"),
                realm.counts().map(c -> count(c.devices(), c.estimated())).orElse("–"),
                realm.counts().map(c -> count(c.rows(), c.estimated())).orElse("–"),
                realm.counts().map(c -> megabytes(c.bytes())).orElse("–"),
                realm.pool().active(), realm.pool().idle(), realm.pool().max()));
        html(ctx, layout("Realms", operator, Html.of("""
                <h1>Realms</h1>
                <div class="scroll"><table>
                <tr><th>Realm</th><th>State</th><th class="n">Users</th><th class="n">Devices</th><th class="n">Rows</th>
                <th class="n">Storage</th><th class="n">Pool (active / idle / max)</th></tr>
                %s</table></div>
                <p class="note">Counts marked ≈ are the database's estimates (exact up to %s).</p>
                """, rows, ConsoleRepository.EXACT_COUNT_LIMIT)));
    }

    /** Stuck devices and devices not seen for long (with the tombstones each holds back) of one realm. */
    public void devices(Context ctx, Operator operator) {
        String realm = ctx.pathParam("realm");
        Duration unseenFor = ConsoleApi.unseenFor(ctx);
        List<LifecycleRepository.DeviceState> stuck = console.stuckDevices(realm, ConsoleApi.DEFAULT_PAGE);
        List<LifecycleRepository.DeviceState> unseen = console.unseenDevices(realm, unseenFor, ConsoleApi.DEFAULT_PAGE);
        String base = "/realms/" + url(realm);
        Html stuckRows = Html.each(stuck, device -> Html.of("""
                <tr><td><a href="%s/users/%s">%s</a><br><code>%s</code></td><td>%s</td><td class="n">%s</td>
                <td>%s</td><td>%s</td></tr>
                """, Html.of(base), device.userId(), device.email(), device.clientId(), time(device.failingSince()),
                device.failedAttempts(), device.cause(), time(device.lastSyncAt())));
        Html unseenRows = Html.each(unseen, device -> Html.of("""
                <tr><td><a href="%s/users/%s">%s</a><br><code>%s</code></td><td>%s</td><td class="n">%s</td>
                <td><a class="button danger" href="%s/devices/%s/revoke">Revoke…</a></td></tr>
                """, Html.of(base), device.userId(), device.email(), device.clientId(), time(device.lastSyncAt()),
                device.tombstonesHeld(), Html.of(base), device.clientId()));
        html(ctx, layout("Devices of " + realm, operator, Html.of("""
                <h1>Devices of %s</h1>
                <h2>Stuck</h2>
                <p class="note">Their last %s or more sync attempts ended without a successful push. Cleared by the
                next successful sync.</p>
                <div class="scroll"><table><tr><th>User and device</th><th>Failing since</th><th>Attempts</th>
                <th>Cause</th><th>Last sync</th></tr>%s</table></div>
                <h2>Not seen for %s days or more</h2>
                <p class="note">Deleted rows are kept until every device has received the delete: each of these holds
                back the tombstones counted here. Revoking a device lost for good lets the purge remove them.</p>
                <div class="scroll"><table><tr><th>User and device</th><th>Last sync</th><th>Tombstones held back</th>
                <th></th></tr>%s</table></div>
                """, realm, LifecycleRepository.STUCK_AFTER,
                stuck.isEmpty() ? Html.of("<tr><td colspan=\"5\">No stuck device.</td></tr>") : stuckRows,
                unseenFor.toDays(),
                unseen.isEmpty() ? Html.of("<tr><td colspan=\"4\">None.</td></tr>") : unseenRows)));
    }

    /** A realm's spaces, newest first, with their members, rows and storage (PROTOCOL §12.4). */
    public void spaces(Context ctx, Operator operator) {
        String realm = ctx.pathParam("realm");
        List<SpaceSummary> spaces = console.spaces(realm, ConsoleApi.DEFAULT_PAGE);
        Html rows = Html.each(spaces, space -> Html.of("""
                <tr><td>%s</td><td><code>%s</code></td><td class="n">%s</td><td class="n">%s</td><td class="n">%s</td>
                <td>%s</td><td>%s</td></tr>
                """, space.name().isBlank() ? "–" : space.name(), space.id(), space.members(),
                "%,d".formatted(space.rows()), megabytes(space.bytes()), time(space.createdAt()),
                space.deletedAt() == 0 ? "" : "deleted " + time(space.deletedAt())));
        html(ctx, layout("Spaces of " + realm, operator, Html.of("""
                <h1>Shared spaces of %s</h1>
                <p class="note">The newest %s. A space's rows count against its owners' quotas; a user's page lists the
                spaces the user belongs to, with the members' roles.</p>
                <div class="scroll"><table><tr><th>Name</th><th>Space id</th><th class="n">Members</th>
                <th class="n">Rows</th><th class="n">Storage</th><th>Created</th><th></th></tr>%s</table></div>
                """, realm, ConsoleApi.DEFAULT_PAGE,
                spaces.isEmpty() ? Html.of("<tr><td colspan=\"7\">No space.</td></tr>") : rows)));
    }

    /** A user's usage against the realm's quotas and each device's sync health. */
    private Html syncHealth(String realm, UUID userId) {
        DataLifecycle.UserState state = console.lifecycle(realm, userId);
        Html devices = Html.each(state.devices(), device -> Html.of("""
                <tr><td><code>%s</code></td><td>%s</td><td class="n">%s</td><td>%s</td><td class="n">%s</td></tr>
                """, device.clientId(), device.stuck() ? "stuck since " + time(device.failingSince())
                        : device.failedAttempts() > 0 ? "failing since " + time(device.failingSince()) : "ok",
                device.failedAttempts(), device.cause() == null ? "–" : device.cause(), device.tombstonesHeld()));
        Quotas quotas = state.quotas();
        return Html.of("""
                <h2>Usage and sync health</h2>
                <dl><dt>Live rows</dt><dd>%s%s</dd><dt>Row data</dt><dd>%s%s</dd></dl>
                <div class="scroll"><table><tr><th>Device</th><th>State</th><th>Failed attempts</th><th>Cause</th>
                <th>Tombstones held back</th></tr>%s</table></div>
                """, "%,d".formatted(state.usage().rows()), limit(quotas.rowsPerUser(), "%,d"::formatted),
                megabytes(state.usage().bytes()), limit(quotas.bytesPerUser(), ConsolePages::megabytes), devices);
    }

    private static String limit(OptionalLong limit, java.util.function.LongFunction<String> format) {
        return limit.isPresent() ? " of at most " + format.apply(limit.getAsLong()) : "";
    }

    public void users(Context ctx, Operator operator) {
        String realm = ctx.pathParam("realm");
        String q = ConsoleApi.query(ctx);
        ConsoleService.UserPage page = console.search(realm, q, ConsoleApi.DEFAULT_PAGE,
                Optional.ofNullable(ctx.queryParam("after")).filter(after -> !after.isBlank()));
        Html rows = Html.each(page.users(), user -> Html.of("""
                <tr><td><a href="/realms/%s/users/%s">%s</a></td><td>%s</td><td class="n">%s</td><td class="n">%s</td>
                <td>%s</td></tr>
                """, url(realm), user.id(), user.email(), user.name(), user.devices(), user.rows(), time(user.lastSync())));
        Html next = page.next().map(after -> Html.of("<p><a href=\"/realms/%s/users?q=%s&amp;after=%s\">Next page →</a></p>",
                url(realm), url(q), url(after))).orElse(Html.EMPTY);
        html(ctx, layout("Users of " + realm, operator, Html.of("""
                %s<h1>Users of %s</h1>
                <form method="get" class="search"><label for="q">E-mail contains</label>
                <input id="q" name="q" value="%s" autofocus><button>Search</button></form>
                <div class="scroll"><table>
                <tr><th>E-mail</th><th>Name</th><th class="n">Devices</th><th class="n">Rows</th><th>Last sync</th></tr>
                %s</table></div>%s
                """, done(ctx), realm, q, page.users().isEmpty() ? Html.of("<tr><td colspan=\"5\">No user found.</td></tr>")
                : rows, next)));
    }

    public void user(Context ctx, Operator operator) {
        String realm = ctx.pathParam("realm");
        ConsoleService.UserDetail user = console.user(realm, ConsoleApi.userId(ctx));
        String base = "/realms/" + url(realm);
        Html devices = Html.each(user.devices(), device -> Html.of("""
                <tr><td>%s</td><td><code>%s</code></td><td>%s</td><td>%s</td><td class="k">%s
                <a class="button danger" href="%s/devices/%s/revoke">Revoke</a></td></tr>
                """, DeviceDescription.readable(device.description()), device.clientId(), time(device.lastSync()),
                device.syncingSince() == null ? "–" : "held since " + time(device.syncingSince()),
                device.syncingSince() == null ? Html.EMPTY : Html.of("<a class=\"button\" href=\"%s/devices/%s/release-lock\">"
                        + "Release lock</a>", Html.of(base), device.clientId()),
                Html.of(base), device.clientId()));
        Html tables = Html.each(user.tables(), table -> Html.of("<tr><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>",
                table.table(), "%,d".formatted(table.rows()), "%,d".formatted(table.bytes())));
        Html conflicts = Html.each(user.conflicts(), conflict -> Html.of("""
                <tr><td>%s</td><td class="k">%s</td><td>%s</td><td><code>%s</code></td><td>%s</td><td>%s</td></tr>
                """, time(conflict.at()), conflict.kind(), conflict.tablename(), conflict.rowguid(),
                side(user, conflict.winner()), side(user, conflict.loser())));
        ConsoleRepository.Profile profile = user.profile();
        html(ctx, layout(profile.email(), operator, Html.of("""
                %s<p><a href="%s/users">← Users of %s</a></p>
                <h1>%s</h1>
                <dl><dt>Name</dt><dd>%s</dd><dt>User id</dt><dd><code>%s</code></dd><dt>Language</dt><dd>%s</dd>
                <dt>Rows</dt><dd>%s (%s of row data)</dd><dt>Revoked devices</dt><dd>%s</dd></dl>
                <p class="actions"><a class="button" href="%s/users/%s/export">Export (JSON)</a>
                <a class="button" href="%s/users/%s/password-reset">Send password-reset PIN</a>
                <a class="button danger" href="%s/users/%s/delete">Delete user…</a></p>
                <h2>Devices</h2>
                <div class="scroll"><table><tr><th>Device</th><th>clientId</th><th>Last sync</th><th>Sync lock</th><th></th></tr>
                %s</table></div>
                <h2>Rows per table</h2>
                <div class="scroll"><table class="narrow"><tr><th>Table</th><th class="n">Rows</th><th class="n">Bytes</th></tr>
                %s</table></div>
                <h2>Recent conflicts</h2>
                <div class="scroll"><table><tr><th>When</th><th>Kind</th><th>Table</th><th>Row</th><th>Won</th><th>Lost</th></tr>
                %s</table></div>
                %s""", done(ctx), Html.of(base), realm, profile.email(), profile.name(), profile.id(), profile.language(),
                user.rows(), megabytes(user.bytes()), user.revokedDevices().size(),
                Html.of(base), profile.id(), Html.of(base), profile.id(), Html.of(base), profile.id(),
                user.devices().isEmpty() ? Html.of("<tr><td colspan=\"5\">No device.</td></tr>") : devices,
                tables, user.conflicts().isEmpty() ? Html.of("<tr><td colspan=\"6\">None.</td></tr>") : conflicts,
                Html.of("%s%s", syncHealth(realm, profile.id()), spaces(realm, profile.id())))));
    }

    /** The spaces the user belongs to (PROTOCOL §12), with its role and the other members. */
    private Html spaces(String realm, UUID userId) {
        List<SpaceService.SpaceView> spaces = console.spacesOf(realm, userId);
        Html rows = Html.each(spaces, space -> Html.of("""
                <tr><td>%s</td><td><code>%s</code></td><td class="k">%s</td><td>%s</td><td class="n">%s</td></tr>
                """, space.name().isBlank() ? "–" : space.name(), space.id(), space.role().wireName(),
                String.join(", ", space.members().stream().map(m -> m.email() + " (" + m.role().wireName() + ")")
                        .toList()), "%,d".formatted(space.rows())));
        return Html.of("""
                <h2>Shared spaces</h2>
                <div class="scroll"><table><tr><th>Name</th><th>Space id</th><th>Role</th><th>Members</th>
                <th class="n">Rows</th></tr>%s</table></div>
                """, spaces.isEmpty() ? Html.of("<tr><td colspan=\"5\">None.</td></tr>") : rows);
    }

    /** The confirmation of an action on a device; the form posts back to the same address. */
    public void confirmDevice(Context ctx, Operator operator) {
        String realm = ctx.pathParam("realm");
        UUID clientId = ConsoleApi.clientId(ctx);
        ConsoleService.UserDetail owner = console.deviceOwner(realm, clientId);
        boolean revoke = ctx.path().endsWith("/revoke");
        Html what = revoke
                ? Html.of("Revoke device <code>%s</code> of <strong>%s</strong>? Its tokens are deleted and it is removed "
                + "from the user: its next call is refused, and it can never log in or register with this clientId "
                + "again. The user's rows stay.", clientId, owner.profile().email())
                : Html.of("Release the sync lock of device <code>%s</code> of <strong>%s</strong>? Do this only for a "
                + "device that is stuck: a sync in progress on it would be refused at its push and start over.",
                clientId, owner.profile().email());
        confirm(ctx, operator, revoke ? "Revoke device" : "Release lock", what, userPath(realm, owner.profile().id()));
    }

    /** The confirmation of an action on a user. */
    public void confirmUser(Context ctx, Operator operator) {
        String realm = ctx.pathParam("realm");
        ConsoleService.UserDetail user = console.user(realm, ConsoleApi.userId(ctx));
        boolean delete = ctx.path().endsWith("/delete");
        Html what = delete
                ? Html.of("Delete <strong>%s</strong> and everything of theirs: %s, %s, tokens, PINs and "
                + "conflict journal, in one transaction. This cannot be undone; export first if the data must be kept.",
                user.profile().email(), ConsoleService.counted(user.devices().size(), "devices"),
                ConsoleService.counted(user.rows(), "rows"))
                : Html.of("Send <strong>%s</strong> an e-mail with a PIN to choose a new password? Their current password "
                + "keeps working until they use the PIN.", user.profile().email());
        confirm(ctx, operator, delete ? "Delete user" : "Send PIN e-mail", what, userPath(realm, user.profile().id()));
    }

    public void revoke(Context ctx, Operator operator) {
        String realm = ctx.pathParam("realm");
        ConsoleService.Revocation revocation = console.revokeDevice(operator, realm, ConsoleApi.clientId(ctx));
        ctx.redirect(userPath(realm, revocation.userId()) + "?done=" + (revocation.alreadyRevoked() ? "already-revoked"
                : "revoked"), HttpStatus.SEE_OTHER);
    }

    public void releaseLock(Context ctx, Operator operator) {
        String realm = ctx.pathParam("realm");
        UUID userId = console.releaseLock(operator, realm, ConsoleApi.clientId(ctx));
        ctx.redirect(userPath(realm, userId) + "?done=released", HttpStatus.SEE_OTHER);
    }

    public void passwordReset(Context ctx, Operator operator) {
        String realm = ctx.pathParam("realm");
        UUID userId = ConsoleApi.userId(ctx);
        console.sendPasswordReset(operator, realm, userId);
        ctx.redirect(userPath(realm, userId) + "?done=reset", HttpStatus.SEE_OTHER);
    }

    public void deleteUser(Context ctx, Operator operator) {
        String realm = ctx.pathParam("realm");
        console.deleteUser(operator, realm, ConsoleApi.userId(ctx));
        ctx.redirect("/realms/" + url(realm) + "/users?done=deleted", HttpStatus.SEE_OTHER);
    }

    public void audit(Context ctx, Operator operator) {
        List<AuditLog.Entry> entries = console.audit(ConsoleApi.limit(ctx, 200));
        Html rows = Html.each(entries, entry -> Html.of("""
                <tr><td>%s</td><td>%s</td><td class="k">%s</td><td class="k">%s</td><td>%s</td><td>%s</td>
                <td class="k">%s</td></tr>
                """, time(entry.at()), entry.operator(), entry.action(), entry.realm(), entry.target(), entry.outcome(),
                entry.address()));
        html(ctx, layout("Audit log", operator, Html.of("""
                <h1>Audit log</h1>
                <p class="note">Every operator action and login, newest first. The console cannot change it.</p>
                <div class="scroll"><table>
                <tr><th>When</th><th>Operator</th><th>Action</th><th>Realm</th><th>Target</th><th>Outcome</th><th>From</th></tr>
                %s</table></div>
                """, rows)));
    }

    /** A page for an error of the operator's request (unknown user, realm down...), in place of JSON. */
    public static void error(Context ctx, int status, String message) {
        ctx.status(status);
        html(ctx, Html.of("""
                <!doctype html><html lang="en"><head><meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>Error · Sync Server console</title><link rel="stylesheet" href="/console.css"></head>
                <body><main><h1>%s</h1><p>%s</p><p><a href="/">Back to the realms</a></p></main></body></html>
                """, status, message));
    }

    private void confirm(Context ctx, Operator operator, String action, Html what, String back) {
        html(ctx, layout(action, operator, Html.of("""
                <h1>%s</h1>
                <p class="confirm">%s</p>
                <form method="post"><input type="hidden" name="csrf" value="%s">
                <button class="danger" id="confirm">%s</button> <a class="button" href="%s">Cancel</a></form>
                """, action, what, operator.csrf().orElse(""), action, Html.of(back))));
    }

    private static Html loginPage(Html message) {
        return Html.of("""
                <!doctype html><html lang="en"><head><meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>Log in · Sync Server console</title><link rel="stylesheet" href="/console.css"></head>
                <body><main class="login"><h1>Sync Server console</h1>%s
                <form method="post" action="/login">
                <label for="name">Operator</label><input id="name" name="name" autocomplete="username" required autofocus>
                <label for="password">Password</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required>
                <button id="login">Log in</button></form></main></body></html>
                """, message);
    }

    private static Html layout(String title, Operator operator, Html content) {
        return Html.of("""
                <!doctype html><html lang="en"><head><meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>%s · Sync Server console</title><link rel="stylesheet" href="/console.css"></head>
                <body><header><a class="brand" href="/">Sync Server</a>
                <nav><a href="/">Realms</a> <a href="/audit">Audit log</a>
                <form method="post" action="/logout"><input type="hidden" name="csrf" value="%s">
                <button class="link">Log out %s</button></form></nav></header>
                <main>%s</main></body></html>
                """, title, operator.csrf().orElse(""), operator.name(), content);
    }

    private static Html done(Context ctx) {
        String message = DONE.get(Optional.ofNullable(ctx.queryParam("done")).orElse(""));
        return message == null ? Html.EMPTY : Html.of("<p class=\"done\">%s</p>", message);
    }

    private static void html(Context ctx, Html page) {
        ctx.contentType("text/html; charset=utf-8").result(page.markup());
    }

    private static String form(Context ctx, String name) {
        String value = ctx.formParam(name);
        if (value == null) {
            throw new BadRequestException("'" + name + "' is required");
        }
        return value;
    }

    private static String userPath(String realm, UUID userId) {
        return "/realms/" + url(realm) + "/users/" + userId;
    }

    private static String url(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** One side of a conflict: which of the user's devices it was, and its change (U at 10:42:01 UTC). */
    private static Html side(ConsoleService.UserDetail user, ConflictJournal.Side side) {
        if (side == null || side.clientid() == null) {
            return Html.of("–");
        }
        String device = user.devices().stream().filter(d -> d.clientId().equals(side.clientid())).findFirst()
                .map(d -> DeviceDescription.readable(d.description()))
                .orElse(user.revokedDevices().contains(side.clientid()) ? "a revoked device" : "another device");
        return Html.of("%s <span class=\"note\">%s · %s</span>", device, OPERATIONS.getOrDefault(side.operation(),
                side.operation()), time(side.clientdate()));
    }

    private static String time(Long millis) {
        return millis == null ? "never" : TIME.format(Instant.ofEpochMilli(millis));
    }

    private static String count(long value, boolean estimated) {
        return (estimated && value > ConsoleRepository.EXACT_COUNT_LIMIT ? "≈ " : "") + "%,d".formatted(value);
    }

    private static String megabytes(long bytes) {
        return bytes < 1_000_000 ? "%,d bytes".formatted(bytes) : "%.1f MB".formatted(bytes / 1e6);
    }
}
