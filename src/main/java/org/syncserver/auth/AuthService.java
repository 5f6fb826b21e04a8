package org.syncserver.auth;

import org.syncserver.db.Database.Commit;
import org.syncserver.db.Database;
import org.syncserver.error.AccessDeniedException;
import org.syncserver.error.ClientMessages;
import org.syncserver.identity.ClientRepository;
import org.syncserver.identity.CredentialVerifier;
import org.syncserver.identity.Principal;
import org.syncserver.identity.Secrets;
import org.syncserver.identity.TokenRepository;
import org.syncserver.identity.User;
import org.syncserver.identity.UserRepository;
import org.syncserver.realm.Realm;

import java.time.Clock;
import java.util.UUID;

/** Login, token refresh and the check of every bearer token. */
public final class AuthService {

    private final TokenFormat format;
    private final CredentialVerifier credentials;
    private final UserRepository users;
    private final ClientRepository clients;
    private final TokenRepository tokens;
    private final Clock clock;

    public AuthService(TokenFormat format, CredentialVerifier credentials, UserRepository users,
                       ClientRepository clients, TokenRepository tokens, Clock clock) {
        this.format = format;
        this.credentials = credentials;
        this.users = users;
        this.clients = clients;
        this.tokens = tokens;
        this.clock = clock;
    }

    /** Checks the password and that the client is the user's, then replaces the client's tokens. */
    public IssuedTokens login(Realm realm, AuthorizationHeader.Credentials login, UUID clientId) {
        Database database = realm.database();
        User user = credentials.verify(database, login.email(), login.password())
                .orElseThrow(() -> new AccessDeniedException(ClientMessages.WRONG_CREDENTIALS));
        long now = clock.millis();
        TokenFormat.Ids ids = TokenFormat.Ids.random();
        database.inTransaction(Commit.ASYNCHRONOUS, connection -> {
            if (!clients.findOwner(connection, clientId).map(user.id()::equals).orElse(false)) {
                throw new AccessDeniedException(ClientMessages.CLIENT_NOT_OF_USER);
            }
            tokens.store(connection, clientId, Secrets.digest(ids.accessId()), Secrets.digest(ids.refreshId()), now);
            return null;
        });
        return format.issue(new TokenFormat.Subject(user.id(), user.email(), clientId), ids, now);
    }

    /** Trades a refresh token for a new pair; the old pair stops working. */
    public IssuedTokens refresh(Realm realm, String refreshToken) {
        long now = clock.millis();
        String oldDigest = Secrets.digest(format.readRefresh(refreshToken, now));
        TokenFormat.Ids ids = TokenFormat.Ids.random();
        // One statement, auto-committed: one round trip where a transaction takes two.
        TokenRepository.Entry entry = realm.database()
                .withConnection(connection -> tokens.rotate(connection, oldDigest,
                        Secrets.digest(ids.accessId()), Secrets.digest(ids.refreshId()), now,
                        now - TokenFormat.REFRESH_TOKEN_TTL.toMillis()))
                .orElseThrow(() -> new AccessDeniedException(ClientMessages.INVALID_TOKEN));
        return format.issue(new TokenFormat.Subject(entry.userId(), entry.email(), entry.clientId()), ids, now);
    }

    /** @param authorization the request's Authorization header */
    public Principal authenticate(Realm realm, String authorization) {
        String token = AuthorizationHeader.bearer(authorization);
        long now = clock.millis();
        return switch (format.readAccess(token, now)) {
            case TokenFormat.Presented.Stored stored -> storedToken(realm, stored.id(), now);
            case TokenFormat.Presented.LegacyJwt legacy -> legacyJwt(realm, legacy, now);
        };
    }

    private Principal storedToken(Realm realm, String id, long now) {
        TokenRepository.Entry entry = realm.database()
                .withConnection(connection -> tokens.findByAccess(connection, Secrets.digest(id)))
                .filter(found -> now - found.issuedAt() < TokenFormat.ACCESS_TOKEN_TTL.toMillis())
                .orElseThrow(() -> new AccessDeniedException(ClientMessages.INVALID_TOKEN));
        return new Principal(entry.userId(), entry.clientId(),
                entry.issuedAt() + TokenFormat.ACCESS_TOKEN_TTL.toMillis());
    }

    /** Node JWTs never expired and could not be revoked: they now live 24 hours and die with a password change. */
    private Principal legacyJwt(Realm realm, TokenFormat.Presented.LegacyJwt token, long now) {
        long age = now - token.issuedAtMillis();
        if (age < 0 || age >= TokenFormat.ACCESS_TOKEN_TTL.toMillis()) {
            throw new AccessDeniedException(ClientMessages.INVALID_TOKEN);
        }
        User user = realm.database().withConnection(connection -> users.findById(connection, token.userId()))
                .filter(found -> token.issuedAtMillis() >= found.tokensValidAfter())
                .orElseThrow(() -> new AccessDeniedException(ClientMessages.INVALID_TOKEN));
        return new Principal(user.id(), null, token.issuedAtMillis() + TokenFormat.ACCESS_TOKEN_TTL.toMillis());
    }
}
