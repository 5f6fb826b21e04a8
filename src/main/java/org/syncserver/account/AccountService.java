package org.syncserver.account;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.syncserver.config.Quotas;
import org.syncserver.db.Database;
import org.syncserver.error.AccessDeniedException;
import org.syncserver.error.BadRequestException;
import org.syncserver.error.ClientMessages;
import org.syncserver.error.ConflictException;
import org.syncserver.error.UnauthorizedException;
import org.syncserver.identity.ClientRepository;
import org.syncserver.identity.CredentialVerifier;
import org.syncserver.identity.PasswordHasher;
import org.syncserver.identity.Principal;
import org.syncserver.identity.User;
import org.syncserver.identity.UserRepository;
import org.syncserver.realm.Realm;

import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Function;


/** Registration of users and their devices, and their removal. */
public final class AccountService {

    private final UserRepository users;
    private final ClientRepository clients;
    private final PasswordHasher hasher;
    private final CredentialVerifier credentials;
    private final ObjectMapper json;
    private final Function<String, Quotas> quotas;

    /** @param quotas a realm's limits: {@code devicesPerUser} bounds registration (PROTOCOL §13.1) */
    public AccountService(UserRepository users, ClientRepository clients, PasswordHasher hasher,
                          CredentialVerifier credentials, ObjectMapper json, Function<String, Quotas> quotas) {
        this.users = users;
        this.clients = clients;
        this.hasher = hasher;
        this.credentials = credentials;
        this.json = json;
        this.quotas = quotas;
    }

    /** @return the user's name as stored: the client shows it, and a further device learns it here */
    public String register(Realm realm, RegisterRequest request) {
        String email = EmailAddress.normalised(request.email());
        String details = clientDetails(request.clientDescription());
        if (request.isNewUser()) {
            registerUser(realm.database(), request, email, details);
            return request.name();
        }
        return registerClient(realm.database(), email, request.password(), request.clientId(), details,
                quotas.apply(realm.name()).devicesPerUser());
    }

    public void unregister(Realm realm, Principal principal, UnregisterRequest request) {
        String email = request.email();
        String password = request.password();
        UUID clientId = request.clientId();
        principal.requireDevice(clientId);
        User user = credentials.verify(realm.database(), email, password)
                .filter(found -> found.id().equals(principal.userId()))
                .orElseThrow(() -> new AccessDeniedException(ClientMessages.WRONG_CREDENTIALS));
        realm.database().inTransaction(connection -> {
            if (!clients.findOwner(connection, clientId).map(user.id()::equals).orElse(false)) {
                throw new AccessDeniedException(ClientMessages.CLIENT_NOT_OF_USER);
            }
            if (Boolean.TRUE.equals(request.deleteRemoteData())) {
                users.deleteWithAllData(connection, user.id());
            } else {
                clients.delete(connection, user.id(), clientId);
            }
            return null;
        });
    }

    private void registerUser(Database database, RegisterRequest request, String email, String details) {
        PasswordHasher.Stored hash = hasher.hash(request.password()); // slow: before the transaction, not inside it
        User user = new User(UUID.randomUUID(), request.name(), email, hash.hash(), hash.salt(), request.language(), 0);
        database.inTransaction(connection -> {
            if (users.findByEmail(connection, email).isPresent()) {
                throw new ConflictException(ClientMessages.EMAIL_ALREADY_REGISTERED);
            }
            requireFreeClientId(connection, request.clientId());
            if (!users.insert(connection, user)) {
                throw new ConflictException(ClientMessages.EMAIL_ALREADY_REGISTERED);
            }
            insertClient(connection, request.clientId(), user.id(), details);
            return null;
        });
    }

    /** @return the existing user's name, which the client stores */
    private String registerClient(Database database, String email, String password, UUID clientId, String details,
                                  OptionalLong maxDevices) {
        database.withConnection(connection -> {
            if (users.findByEmail(connection, email).isEmpty()) {
                throw new BadRequestException(ClientMessages.EMAIL_NOT_REGISTERED);
            }
            requireFreeClientId(connection, clientId);
            return null;
        });
        // 401, not 403: on a 403 sync_client would try to log in again and lose this message (PROTOCOL §4).
        User user = credentials.verify(database, email, password)
                .orElseThrow(() -> new UnauthorizedException(ClientMessages.WRONG_CREDENTIALS));
        database.inTransaction(connection -> {
            if (maxDevices.isPresent()) {
                requireRoomForDevice(connection, user.id(), maxDevices.getAsLong());
            }
            insertClient(connection, clientId, user.id(), details);
            return null;
        });
        return user.name();
    }

    /** Counted under the user's row lock: two devices registering at once cannot both take the last place. */
    private void requireRoomForDevice(java.sql.Connection connection, UUID userId, long maxDevices)
            throws java.sql.SQLException {
        long devices = clients.countLockingUser(connection, userId);
        if (devices >= maxDevices) {
            throw new ConflictException("This account already has " + devices + (devices == 1 ? " device" : " devices")
                    + ", the limit of " + maxDevices + " per user on this server: unregister one (or ask the "
                    + "operator to revoke it), then register this device again");
        }
    }

    private void requireFreeClientId(java.sql.Connection connection, UUID clientId) throws java.sql.SQLException {
        if (clients.findOwner(connection, clientId).isPresent()) {
            throw new ConflictException(ClientMessages.CLIENT_ID_TAKEN);
        }
    }

    private void insertClient(java.sql.Connection connection, UUID clientId, UUID userId, String details)
            throws java.sql.SQLException {
        if (!clients.insert(connection, clientId, userId, details)) {
            throw new ConflictException(ClientMessages.CLIENT_ID_TAKEN);
        }
    }

    /**
     * sync_client sends the device description as a string holding JSON; it is stored as JSONB, which cannot hold
     * a NUL character. The body is at most 64 KiB, so the description's tree is small.
     */
    private String clientDetails(JsonNode description) {
        if (description == null || description.isNull()) {
            return null;
        }
        JsonNode parsed = description;
        if (description.isTextual()) {
            try {
                parsed = json.readTree(description.asText());
            } catch (JsonProcessingException e) {
                parsed = null;
            }
        }
        if (parsed == null || !parsed.isObject()) {
            throw new BadRequestException("'clientDescription' must be a JSON object, or a string holding one");
        }
        String details = parsed.toString();
        if (details.contains("\\u0000")) {
            throw new BadRequestException("'clientDescription' must not contain the NUL character (\\u0000)");
        }
        return details;
    }
}
