package org.syncserver;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.account.AccountRoutes;
import org.syncserver.account.AccountService;
import org.syncserver.account.ClientRepository;
import org.syncserver.account.UserRepository;
import org.syncserver.auth.AuthRoutes;
import org.syncserver.auth.AuthService;
import org.syncserver.auth.CredentialVerifier;
import org.syncserver.auth.JwtTokens;
import org.syncserver.auth.OpaqueTokens;
import org.syncserver.auth.PasswordHasher;
import org.syncserver.auth.TokenFormat;
import org.syncserver.auth.TokenRepository;
import org.syncserver.config.Config;
import org.syncserver.config.TokenMode;
import org.syncserver.db.EmbeddedPostgres;
import org.syncserver.http.HttpServer;
import org.syncserver.http.RequestBodies;
import org.syncserver.realm.Realms;
import org.syncserver.sync.SyncRoutes;
import org.syncserver.sync.SyncService;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** Wires the whole server by hand from one {@link Config} and one {@link Clock}. */
public final class App implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(App.class);

    private final Optional<EmbeddedPostgres> embedded;
    private final Realms realms;
    private final Javalin http;

    private App(Optional<EmbeddedPostgres> embedded, Realms realms, Javalin http) {
        this.embedded = embedded;
        this.realms = realms;
        this.http = http;
    }

    public static App start(Config config, Clock clock) {
        Optional<EmbeddedPostgres> embedded = config.embeddedDataDir().map(EmbeddedPostgres::start);
        Config effective = embedded.map(db -> config.withRealms(List.of(db.realm("default")))).orElse(config);
        log.info("Starting Sync Server: {}", effective.describe());
        Realms realms = null;
        try {
            realms = Realms.open(effective.realms());
            Javalin http = HttpServer.start(effective.port(), RequestBodies.strictMapper(), routes(effective, realms, clock));
            log.info("Sync Server listening on port {}", http.port());
            return new App(embedded, realms, http);
        } catch (RuntimeException e) {
            if (realms != null) {
                realms.close();
            }
            embedded.ifPresent(EmbeddedPostgres::close);
            throw e;
        }
    }

    private static HttpServer.Routes routes(Config config, Realms realms, Clock clock) {
        ObjectMapper json = RequestBodies.strictMapper();
        RequestBodies bodies = new RequestBodies(json, config.maxBodyBytes());
        PasswordHasher hasher = new PasswordHasher();
        UserRepository users = new UserRepository();
        ClientRepository clients = new ClientRepository();
        CredentialVerifier credentials = new CredentialVerifier(users, hasher);
        AuthService auth = new AuthService(tokenFormat(config), credentials, users, clients, new TokenRepository(), clock);
        AccountService accounts = new AccountService(users, clients, hasher, credentials, json);
        SyncService sync = new SyncService(clients, clock);
        return new HttpServer.Routes(
                new AccountRoutes(realms, bodies, accounts, auth),
                new AuthRoutes(realms, bodies, auth),
                new SyncRoutes(realms, bodies, auth, sync, json));
    }

    private static TokenFormat tokenFormat(Config config) {
        return config.tokenMode() == TokenMode.JWT ? new JwtTokens(config.jwtSecrets().orElseThrow()) : new OpaqueTokens();
    }

    public int port() {
        return http.port();
    }

    public Realms realms() {
        return realms;
    }

    @Override
    public void close() {
        http.stop();
        realms.close();
        embedded.ifPresent(EmbeddedPostgres::close);
        log.info("Sync Server stopped");
    }
}
