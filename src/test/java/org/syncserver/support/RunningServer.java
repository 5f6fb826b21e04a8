package org.syncserver.support;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.TokenMode;

/**
 * One real server on a fresh database for all tests of a class:
 * {@code @RegisterExtension static final RunningServer running = RunningServer.withRealm("default", TokenMode.OPAQUE);}
 */
public final class RunningServer implements BeforeAllCallback, AfterAllCallback {

    private final String realmName;
    private final TokenMode mode;
    private RealmConfig realm;
    private TestServer server;
    private Accounts accounts;

    private RunningServer(String realmName, TokenMode mode) {
        this.realmName = realmName;
        this.mode = mode;
    }

    public static RunningServer withRealm(String realmName, TokenMode mode) {
        return new RunningServer(realmName, mode);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        realm = TestPostgres.newRealm(realmName);
        server = TestServer.start(mode, realm);
        accounts = new Accounts(server);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.close();
    }

    public RealmConfig realm() {
        return realm;
    }

    public TestServer server() {
        return server;
    }

    public Accounts accounts() {
        return accounts;
    }
}
