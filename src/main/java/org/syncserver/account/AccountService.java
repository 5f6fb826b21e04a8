package org.syncserver.account;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.syncserver.http.StatusMessage;
import org.syncserver.auth.CredentialVerifier;
import org.syncserver.auth.PasswordHasher;
import org.syncserver.auth.Principal;
import org.syncserver.db.Database;
import org.syncserver.error.AccessDeniedException;
import org.syncserver.error.BadRequestException;
import org.syncserver.error.ClientMessages;
import org.syncserver.error.ConflictException;
import org.syncserver.error.UnauthorizedException;
import org.syncserver.realm.Realm;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import static org.syncserver.http.Fields.required;

/** Registration of users and their devices, and their removal. */
public final class AccountService {

    private static final int MAX_TEXT = 255;
    private static final int MAX_LANGUAGE = 10;

    private final UserRepository users;
    private final ClientRepository clients;
    private final PasswordHasher hasher;
    private final CredentialVerifier credentials;
    private final ObjectMapper json;

    public AccountService(UserRepository users, ClientRepository clients, PasswordHasher hasher,
                          CredentialVerifier credentials, ObjectMapper json) {
        this.users = users;
        this.clients = clients;
        this.hasher = hasher;
        this.credentials = credentials;
        this.json = json;
    }

    /** @return the answer's body: the request's fields except the password, with the user's stored name */
    public Map<String, Object> register(Realm realm, RegisterRequest request) {
        String email = email(request.email());
        String password = required(request.password(), "password");
        UUID clientId = required(request.clientId(), "clientId");
        String details = clientDetails(request.clientDescription());
        String name = request.name();
        if (Boolean.TRUE.equals(request.newRegistration())) {
            registerUser(realm.database(), request, email, password, details);
        } else {
            name = registerClient(realm.database(), email, password, clientId, details);
        }
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("name", name);
        user.put("email", request.email());
        user.put("clientId", clientId);
        user.put("clientDescription", request.clientDescription());
        user.put("newRegistration", Boolean.TRUE.equals(request.newRegistration()));
        user.put("deleteRemoteData", Boolean.TRUE.equals(request.deleteRemoteData()));
        user.put("language", request.language());
        return Map.of("message", "User and Client registered successfully!", "user", user);
    }

    public StatusMessage unregister(Realm realm, Principal principal, UnregisterRequest request) {
        String email = email(request.email());
        String password = required(request.password(), "password");
        UUID clientId = required(request.clientId(), "clientId");
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
        return new StatusMessage(200, "User and Client unregistered successfully!");
    }

    private void registerUser(Database database, RegisterRequest request, String email, String password,
                              String details) {
        String name = limited(request.name(), MAX_TEXT, "name");
        String language = limited(request.language(), MAX_LANGUAGE, "language");
        PasswordHasher.Stored hash = hasher.hash(password); // slow: before the transaction, not inside it
        User user = new User(UUID.randomUUID(), name, email, hash.hash(), hash.salt(), language, 0);
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
    private String registerClient(Database database, String email, String password, UUID clientId, String details) {
        database.withConnection(connection -> {
            if (users.findByEmail(connection, email).isEmpty()) {
                throw new BadRequestException(ClientMessages.EMAIL_NOT_REGISTERED);
            }
            requireFreeClientId(connection, clientId);
            return null;
        });
        User user = credentials.verify(database, email, password)
                .orElseThrow(() -> new UnauthorizedException(ClientMessages.WRONG_CREDENTIALS));
        database.inTransaction(connection -> {
            insertClient(connection, clientId, user.id(), details);
            return null;
        });
        return user.name();
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

    private static String email(String raw) {
        String email = required(raw, "email").trim().toLowerCase(Locale.ROOT);
        int at = email.indexOf('@');
        if (at <= 0 || at == email.length() - 1 || email.length() > MAX_TEXT || email.chars().anyMatch(Character::isWhitespace)) {
            throw new BadRequestException("'email' must be an e-mail address");
        }
        return email;
    }

    private static String limited(String value, int max, String field) {
        if (value != null && value.length() > max) {
            throw new BadRequestException("'" + field + "' must be at most " + max + " characters");
        }
        return value;
    }

    /** sync_client sends the device description as a string holding JSON; it is stored as JSONB. */
    private String clientDetails(JsonNode description) {
        if (description == null || description.isNull()) {
            return null;
        }
        if (description.isObject()) {
            return description.toString();
        }
        if (description.isTextual()) {
            try {
                JsonNode parsed = json.readTree(description.asText());
                if (parsed != null && parsed.isObject()) {
                    return parsed.toString();
                }
            } catch (JsonProcessingException e) {
                // reported below
            }
        }
        throw new BadRequestException("'clientDescription' must be a JSON object, or a string holding one");
    }
}
