package org.syncserver.password;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.config.MailConfig;
import org.syncserver.error.AccessDeniedException;
import org.syncserver.error.ClientMessages;
import org.syncserver.identity.PasswordHasher;
import org.syncserver.identity.Secrets;
import org.syncserver.identity.TokenRepository;
import org.syncserver.identity.User;
import org.syncserver.identity.UserRepository;
import org.syncserver.mail.Mailer;
import org.syncserver.mail.PinMailTemplate;
import org.syncserver.metrics.Metrics;
import org.syncserver.realm.Realm;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;


/**
 * Password reset by e-mailed PIN. Nothing in the answers, nor in their timing, tells whether an e-mail is
 * registered: {@code forgotten} does all its work in the background, and {@code change} answers an unknown e-mail
 * exactly like a wrong PIN.
 */
public final class PasswordResetService {

    private static final Logger log = LoggerFactory.getLogger(PasswordResetService.class);

    static final Duration PIN_VALIDITY = Duration.ofMinutes(15);
    /** With a million PINs, five tries per PIN leave a guesser a one-in-200,000 chance per e-mail sent. */
    static final int MAX_ATTEMPTS = 5;
    /**
     * A user gets at most this many PINs a window, each with MAX_ATTEMPTS guesses: asking again and again must not
     * buy an attacker fresh guesses without end (25 an hour against a million PINs).
     */
    static final int MAX_PINS_PER_WINDOW = 5;
    static final Duration PIN_ISSUE_WINDOW = Duration.ofHours(1);

    private final UserRepository users;
    private final TokenRepository tokens;
    private final PinRepository pins = new PinRepository();
    private final PasswordHasher hasher;
    private final Mailer mailer;
    private final PinMailTemplate template = new PinMailTemplate();
    private final Optional<MailConfig> mailConfig;
    private final Executor background;
    private final Clock clock;
    private final Metrics metrics;
    private final SecureRandom random = new SecureRandom();

    public PasswordResetService(UserRepository users, TokenRepository tokens, PasswordHasher hasher, Mailer mailer,
                                Optional<MailConfig> mailConfig, Executor background, Clock clock, Metrics metrics) {
        this.users = users;
        this.tokens = tokens;
        this.hasher = hasher;
        this.mailer = mailer;
        this.mailConfig = mailConfig;
        this.background = background;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** Whether PIN e-mails can be sent at all (config.json has an "email" block). */
    public boolean canSendMail() {
        return mailConfig.isPresent();
    }

    /** Queues the PIN e-mail and returns at once, whether or not the e-mail is registered. */
    public void forgotten(Realm realm, ForgottenRequest request) {
        String email = request.email();
        try {
            background.execute(() -> sendPin(realm, email));
        } catch (RejectedExecutionException e) {
            log.warn("realm {}: too many PIN e-mails queued, one request dropped", realm.name());
        }
    }

    /** Sets the new password if the PIN is right; revokes every token of the user. */
    public void change(Realm realm, ChangeRequest request) {
        String email = request.email();
        String newPassword = request.chosenPassword();
        String pin = request.pin();
        long now = clock.millis();
        PinRepository.StoredPin stored = realm.database()
                .inTransaction(connection -> pins.countAttempt(connection, email))
                .orElseThrow(() -> new AccessDeniedException(ClientMessages.PIN_INVALID));
        boolean expired = now - stored.createdAt() > PIN_VALIDITY.toMillis();
        boolean matches = MessageDigest.isEqual(digest(stored.userId(), pin).getBytes(StandardCharsets.US_ASCII),
                stored.digest().getBytes(StandardCharsets.US_ASCII));
        if (expired || stored.attempts() > MAX_ATTEMPTS || !matches) {
            if (expired || stored.attempts() >= MAX_ATTEMPTS) {
                realm.database().inTransaction(connection -> {
                    pins.delete(connection, stored.userId());
                    return null;
                });
            }
            throw new AccessDeniedException(ClientMessages.PIN_INVALID);
        }
        PasswordHasher.Stored hash = hasher.hash(newPassword);
        realm.database().inTransaction(connection -> {
            users.updatePassword(connection, stored.userId(), hash, now);
            pins.delete(connection, stored.userId());
            tokens.deleteForUser(connection, stored.userId());
            return null;
        });
        log.info("realm {}: password of user {} changed by PIN", realm.name(), stored.userId());
    }

    private void sendPin(Realm realm, String email) {
        try {
            Optional<User> user = realm.database().withConnection(connection -> users.findByEmail(connection, email));
            if (user.isEmpty()) {
                return;
            }
            String pin = "%06d".formatted(random.nextInt(1_000_000));
            UUID userId = user.get().id();
            long now = clock.millis();
            boolean issued = realm.database().inTransaction(connection -> {
                if (!pins.countIssuance(connection, userId, now, now - PIN_ISSUE_WINDOW.toMillis(),
                        MAX_PINS_PER_WINDOW)) {
                    return false;
                }
                pins.replace(connection, userId, digest(userId, pin), now);
                return true;
            });
            if (!issued) {
                log.warn("realm {}: user {} asked for more than {} PINs within {}; no new PIN sent", realm.name(),
                        userId, MAX_PINS_PER_WINDOW, PIN_ISSUE_WINDOW);
                return;
            }
            String appName = mailConfig.map(config -> config.appNameFor(realm.name())).orElse("Sync Server");
            mailer.send(template.render(user.get().email(), user.get().name(), user.get().language(), appName, pin,
                    PIN_VALIDITY));
            metrics.mail(true);
            log.info("realm {}: PIN e-mail for user {} sent", realm.name(), userId);
        } catch (Mailer.MailException e) {
            metrics.mail(false);
            log.warn("realm {}: PIN e-mail could not be sent: {}", realm.name(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("realm {}: PIN request failed", realm.name(), e);
        }
    }

    /** Bound to the user, so a digest copied to another user's row is useless. */
    private static String digest(UUID userId, String pin) {
        return Secrets.digest(userId + ":" + pin);
    }
}
