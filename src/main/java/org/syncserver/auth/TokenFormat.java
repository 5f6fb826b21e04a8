package org.syncserver.auth;

import java.time.Duration;
import java.util.UUID;
import org.syncserver.identity.Secrets;

/**
 * How tokens look on the wire. Either way every token carries a random id whose digest is stored per client,
 * so any token can be revoked and a refresh token works only once.
 */
public interface TokenFormat {

    Duration ACCESS_TOKEN_TTL = Duration.ofHours(24);
    /** A device offline for longer logs in again with its stored credentials, as sync_client does on 403. */
    Duration REFRESH_TOKEN_TTL = Duration.ofDays(7);

    /** Whom tokens are issued to. */
    record Subject(UUID userId, String email, UUID clientId) {
    }

    /** The random ids of a new pair: stored as digests, carried by the tokens. */
    record Ids(String accessId, String refreshId) {
        public static Ids random() {
            return new Ids(Secrets.randomToken(), Secrets.randomToken());
        }
    }

    /** What an access token says before the database is asked. */
    sealed interface Presented {
        /** Look the id's digest up in user_tokens. */
        record Stored(String id) implements Presented {
        }

        /** A JWT of the Node server: no id, only a user and an issue time in milliseconds. */
        record LegacyJwt(UUID userId, long issuedAtMillis) implements Presented {
        }
    }

    /** A new pair of tokens, as the client will receive them. */
    IssuedTokens issue(Subject subject, Ids ids, long nowMillis);

    /** @throws org.syncserver.error.AccessDeniedException when forged or expired */
    Presented readAccess(String token, long nowMillis);

    /** @return the refresh token's id; @throws org.syncserver.error.AccessDeniedException when forged or expired */
    String readRefresh(String token, long nowMillis);
}
