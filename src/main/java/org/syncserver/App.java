package org.syncserver;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.account.AccountRoutes;
import org.syncserver.account.AccountService;
import org.syncserver.auth.AuthRoutes;
import org.syncserver.auth.AuthService;
import org.syncserver.auth.JwtTokens;
import org.syncserver.auth.OpaqueTokens;
import org.syncserver.auth.TokenFormat;
import org.syncserver.backup.BackupFigures;
import org.syncserver.backup.Backups;
import org.syncserver.backup.ErasureLedger;
import org.syncserver.config.Config;
import org.syncserver.config.ConfigLoader;
import org.syncserver.config.Quotas;
import org.syncserver.console.AuditLog;
import org.syncserver.console.ConsoleApi;
import org.syncserver.console.ConsoleAuth;
import org.syncserver.console.ConsoleLogin;
import org.syncserver.console.ConsolePages;
import org.syncserver.console.ConsoleService;
import org.syncserver.db.EmbeddedPostgres;
import org.syncserver.events.ChangeEvents;
import org.syncserver.events.EventRoutes;
import org.syncserver.failover.PrimaryWatch;
import org.syncserver.health.HealthRoutes;
import org.syncserver.http.ClientAddress;
import org.syncserver.http.HttpServer;
import org.syncserver.http.RateLimiter;
import org.syncserver.http.RequestBodies;
import org.syncserver.http.Route;
import org.syncserver.identity.ClientRepository;
import org.syncserver.identity.CredentialVerifier;
import org.syncserver.identity.Erasures;
import org.syncserver.identity.PasswordHasher;
import org.syncserver.identity.TokenRepository;
import org.syncserver.identity.UserRepository;
import org.syncserver.lifecycle.DataLifecycle;
import org.syncserver.mail.Mailer;
import org.syncserver.mail.NoMailer;
import org.syncserver.mail.SmtpMailer;
import org.syncserver.metrics.Metrics;
import org.syncserver.metrics.MetricsRoutes;
import org.syncserver.password.PasswordResetService;
import org.syncserver.password.PasswordRoutes;
import org.syncserver.realm.Realms;
import org.syncserver.sync.ChunkedUploads;
import org.syncserver.sync.ConflictJournal;
import org.syncserver.sync.ConflictRoutes;
import org.syncserver.sync.SyncRoutes;
import org.syncserver.sync.SyncInstance;
import org.syncserver.sync.SyncService;
import org.syncserver.spaces.SpaceAccess;
import org.syncserver.spaces.SpaceDeparture;
import org.syncserver.spaces.SpaceRoutes;
import org.syncserver.spaces.SpaceService;
import org.syncserver.version.BuildInfo;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** Wires the whole server by hand from one {@link Config} and one {@link Clock}. */
public final class App implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(App.class);

    /** PIN e-mails waiting for a mail thread; beyond this, requests are dropped (and logged) rather than queued. */
    private static final int MAIL_QUEUE = 1_000;
    private static final int MAIL_THREADS = 2;
    /** The name the server's own spans are filed under (OpenTelemetry's instrumentation scope). */
    public static final String INSTRUMENTATION_SCOPE = "org.syncserver";

    private final Optional<EmbeddedPostgres> embedded;
    private final Realms realms;
    private final ExecutorService mailThreads;
    private final ScheduledExecutorService housekeeping;
    /** Says every 2 s that this instance, holder of sync locks, is alive: a thread of its own, never behind a purge. */
    private final ScheduledExecutorService heartbeat;
    private final SyncInstance instance;
    private final ChangeEvents events;
    private final PrimaryWatch primaries;
    private final Optional<Backups> backups;
    private final Javalin http;
    private final Optional<Javalin> console;

    private App(Optional<EmbeddedPostgres> embedded, Realms realms, ExecutorService mailThreads,
                ScheduledExecutorService housekeeping, ScheduledExecutorService heartbeat, SyncInstance instance,
                ChangeEvents events, PrimaryWatch primaries, Optional<Backups> backups, Javalin http,
                Optional<Javalin> console) {
        this.embedded = embedded;
        this.realms = realms;
        this.mailThreads = mailThreads;
        this.housekeeping = housekeeping;
        this.heartbeat = heartbeat;
        this.instance = instance;
        this.events = events;
        this.primaries = primaries;
        this.backups = backups;
        this.http = http;
        this.console = console;
    }

    /** The routes of the public port, and those of the console's port when it is configured. */
    private record Ports(List<Route> publicRoutes, Optional<List<Route>> consoleRoutes) {
    }

    /** Without tracing: the tests' server, unless a test reads the spans. */
    public static App start(Config config, Clock clock) {
        return start(config, clock, OpenTelemetry.noop());
    }

    /**
     * @param telemetry where spans go: the javaagent's SDK through {@code GlobalOpenTelemetry}, else a no-op that
     *                  costs nothing (README "Tracing")
     */
    public static App start(Config config, Clock clock, OpenTelemetry telemetry) {
        BuildInfo build = BuildInfo.load();
        log.info("Starting {}", build.describe());
        Optional<EmbeddedPostgres> embedded = config.embeddedDataDir()
                .map(dir -> EmbeddedPostgres.start(dir, build.postgres(), config.backup().map(Backups::walArchive)));
        Config effective = embedded.map(db -> config.withRealms(List.of(db.realm(ConfigLoader.EMBEDDED_REALM)))).orElse(config);
        log.info("Configuration: {}", effective.describe());
        effective.warnings().forEach(warning -> log.warn("{}", warning));
        Realms realms = null;
        ChangeEvents events = null;
        PrimaryWatch primaries = null;
        Optional<Backups> backups = Optional.empty();
        Javalin http = null;
        ExecutorService mailThreads = new ThreadPoolExecutor(MAIL_THREADS, MAIL_THREADS, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(MAIL_QUEUE), Thread.ofPlatform().name("mail-", 1).daemon().factory());
        // Background clean-ups (expired chunked uploads), one at a time.
        ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("housekeeping").daemon().factory());
        ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("instance-heartbeat").daemon().factory());
        SyncInstance instance = new SyncInstance(clock);
        try {
            Metrics metrics = new Metrics(build);
            Tracer tracer = telemetry.getTracer(INSTRUMENTATION_SCOPE, build.version());
            effective.realms().forEach(realm -> metrics.realm(realm.name()));
            // the temporary files of large pushes (Spool), and the embedded database's data
            metrics.disk(Path.of(System.getProperty("java.io.tmpdir")));
            config.embeddedDataDir().ifPresent(metrics::disk);
            Config.ServerConfig server = effective.server();
            ObjectMapper json = RequestBodies.strictMapper(server.maxBodyBytes());
            realms = Realms.open(effective.realms(), effective.timeouts(), metrics.registry());
            events = new ChangeEvents(realms, effective.realms(), effective.notifications(), clock, metrics);
            primaries = new PrimaryWatch(realms, metrics, instance::renewAfterFailover);
            primaries.start();
            backups = backups(effective, build, clock, new BackupFigures(metrics));
            Erasures erasures = effective.backup().<Erasures>map(backup -> new ErasureLedger(backup.dir(), clock))
                    .orElse(Erasures.NONE);
            ClientAddress addresses = new ClientAddress(effective.rateLimits().trustForwardedFor());
            RateLimiter limiter = new RateLimiter(effective.rateLimits(), addresses, clock, metrics);
            RequestBodies bodies = new RequestBodies(json, server.maxBodyBytes(), addresses,
                    effective.timeouts().bodyGrace());
            Realms beating = realms;
            heartbeat.scheduleWithFixedDelay(() -> instance.beat(beating), 0, instance.beatEvery().toMillis(),
                    TimeUnit.MILLISECONDS);
            Ports ports = routes(effective, build, realms, json, bodies, addresses, mailThreads, housekeeping, events,
                    instance, clock, metrics, tracer, erasures);
            http = HttpServer.start(HttpServer.Surface.PUBLIC, server.host(), server.port(), json, bodies,
                    ports.publicRoutes(), limiter, metrics);
            log.info("Sync Server listening on {}:{}", server.host(), http.port());
            Optional<Javalin> console = Optional.empty();
            if (ports.consoleRoutes().isPresent()) {
                Config.Admin admin = effective.admin().orElseThrow();
                console = Optional.of(HttpServer.start(HttpServer.Surface.CONSOLE, admin.host(), admin.port(), json,
                        bodies, ports.consoleRoutes().get(), limiter, metrics));
                log.info("Operator console listening on {}:{}", admin.host(), console.get().port());
            }
            return new App(embedded, realms, mailThreads, housekeeping, heartbeat, instance, events, primaries, backups,
                    http, console);
        } catch (RuntimeException e) {
            if (http != null) {
                http.stop();
            }
            mailThreads.shutdownNow();
            housekeeping.shutdownNow();
            heartbeat.shutdownNow();
            if (events != null) {
                events.close();
            }
            if (primaries != null) {
                primaries.close();
            }
            backups.ifPresent(Backups::close);
            if (realms != null) {
                realms.close();
            }
            embedded.ifPresent(EmbeddedPostgres::close);
            throw e;
        }
    }

    private static Ports routes(Config config, BuildInfo build, Realms realms, ObjectMapper json,
                                RequestBodies bodies, ClientAddress addresses, ExecutorService mailThreads,
                                ScheduledExecutorService housekeeping, ChangeEvents events, SyncInstance instance,
                                Clock clock, Metrics metrics, Tracer tracer, Erasures erasures) {
        PasswordHasher hasher = new PasswordHasher();
        Mailer mailer = config.mail().<Mailer>map(mail -> new SmtpMailer(mail, config.timeouts().smtp()))
                .orElseGet(NoMailer::new);
        SpaceService spaces = new SpaceService(mailer, config.mail(), mailThreads, clock);
        UserRepository users = new UserRepository(new SpaceDeparture(clock)::userLeaving, erasures);
        ClientRepository clients = new ClientRepository();
        CredentialVerifier credentials = new CredentialVerifier(users, hasher);
        TokenRepository tokens = new TokenRepository();
        AuthService auth = new AuthService(tokenFormat(config), credentials, users, clients, tokens, clock);
        Function<String, Quotas> quotas = config.lifecycle()::quotas;
        AccountService accounts = new AccountService(users, clients, hasher, credentials, json, quotas);
        PasswordResetService reset = new PasswordResetService(users, tokens, hasher, mailer, config.mail(), mailThreads,
                clock, metrics);
        SpaceAccess spaceAccess = new SpaceAccess();
        SyncService sync = new SyncService(clients, clock, metrics, events::notifies, quotas, instance, tracer,
                config.sharing(), spaceAccess);
        ChunkedUploads uploads = new ChunkedUploads(config.server().maxBodyBytes(), config.server().pendingChunks(), clock);
        ConflictJournal journal = new ConflictJournal(clock, config.conflictRetention(), config.sharing(),
                spaceAccess);
        housekeeping.scheduleWithFixedDelay(() -> {
            uploads.purge(realms);
            journal.purge(realms);
        }, 1, 10, TimeUnit.MINUTES);
        DataLifecycle lifecycle = new DataLifecycle(realms, config.lifecycle(), clock, metrics);
        long purgeEvery = config.lifecycle().purgeEvery().toSeconds();
        housekeeping.scheduleWithFixedDelay(lifecycle::purgeTombstones, purgeEvery, purgeEvery, TimeUnit.SECONDS);
        lifecycle.registerFigures();
        List<Route> publicRoutes = new RouteTable(realms, auth, config.server().metricsToken())
                .routes(new RouteTable.Handlers(
                        new HealthRoutes(realms, build, metrics),
                        new MetricsRoutes(metrics),
                        new AccountRoutes(bodies, accounts),
                        new AuthRoutes(bodies, auth),
                        new PasswordRoutes(bodies, reset),
                        new SyncRoutes(bodies, sync, uploads, json),
                        new ConflictRoutes(journal),
                        new EventRoutes(events, addresses),
                        new SpaceRoutes(bodies, spaces)));
        Optional<List<Route>> consoleRoutes = config.admin().map(admin -> {
            ConsoleAuth consoleAuth = new ConsoleAuth(admin, hasher, clock);
            AuditLog audit = new AuditLog(realms, clock);
            ConsoleLogin login = new ConsoleLogin(consoleAuth, audit, addresses);
            ConsoleService console = new ConsoleService(realms, users, clients, audit, reset, journal, lifecycle,
                    spaces, clock);
            return new ConsoleRouteTable(consoleAuth, login, addresses).routes(
                    new ConsoleApi(console, login, bodies, json), new ConsolePages(console, login));
        });
        return new Ports(publicRoutes, consoleRoutes);
    }

    /** Backups of the embedded database when configured (README "Backups and restore"); the start-up log says which. */
    private static Optional<Backups> backups(Config config, BuildInfo build, Clock clock, BackupFigures figures) {
        if (config.embeddedDataDir().isEmpty()) {
            return Optional.empty();
        }
        if (config.backup().isEmpty()) {
            log.warn("Backups: OFF. Nothing but the data folder holds the users' data: add \"backup\": {\"dir\": ...} "
                    + "to config.json for WAL archiving and daily verified base backups (README \"Backups and restore\")");
            return Optional.empty();
        }
        Backups backups = new Backups(config.backup().get(), config.embeddedDataDir().get(), config.realms().getFirst(),
                build.postgres(), clock, figures);
        backups.start();
        return Optional.of(backups);
    }

    private static TokenFormat tokenFormat(Config config) {
        return switch (config.tokens()) {
            case Config.Tokens.Jwt keys -> new JwtTokens(keys);
            case Config.Tokens.Opaque ignored -> new OpaqueTokens();
        };
    }

    public int port() {
        return http.port();
    }

    /** The console's port, when it is configured. */
    public Optional<Integer> consolePort() {
        return console.map(Javalin::port);
    }

    @Override
    public void close() {
        events.close(); // streams end properly before the server waits for the requests in flight
        console.ifPresent(Javalin::stop);
        http.stop();
        housekeeping.shutdownNow();
        heartbeat.shutdownNow();
        primaries.close();
        backups.ifPresent(Backups::close);
        mailThreads.shutdown();
        try {
            if (!mailThreads.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("PIN e-mails still being sent at shutdown were abandoned");
                mailThreads.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        instance.leave(realms);
        realms.close();
        embedded.ifPresent(EmbeddedPostgres::close);
        log.info("Sync Server stopped");
    }
}
