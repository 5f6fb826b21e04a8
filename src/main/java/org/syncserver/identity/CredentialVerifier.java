package org.syncserver.identity;

import org.syncserver.db.Database;
import org.syncserver.identity.User;
import org.syncserver.identity.UserRepository;

import java.util.Optional;

/** Checks an e-mail and password, and moves a legacy hash to the current scheme once it has been verified. */
public final class CredentialVerifier {

    private final UserRepository users;
    private final PasswordHasher hasher;

    public CredentialVerifier(UserRepository users, PasswordHasher hasher) {
        this.users = users;
        this.hasher = hasher;
    }

    /** Runs outside any transaction: hashing is slow and must not hold a connection. */
    public Optional<User> verify(Database database, String email, String password) {
        Optional<User> found = database.withConnection(connection -> users.findByEmail(connection, email));
        if (found.isEmpty()) {
            hasher.verifyDecoy(password);
            return Optional.empty();
        }
        User user = found.get();
        if (!hasher.verify(password, user.passwordHash(), user.salt())) {
            return Optional.empty();
        }
        if (hasher.needsRehash(user.passwordHash())) {
            PasswordHasher.Stored rehashed = hasher.hash(password);
            database.withConnection(connection -> {
                users.updatePassword(connection, user.id(), rehashed, 0);
                return null;
            });
        }
        return found;
    }
}
