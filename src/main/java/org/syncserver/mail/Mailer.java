package org.syncserver.mail;

/** Sends e-mail; implementations may be slow or fail, so callers run them off the request path. */
public interface Mailer {

    /** @throws MailException when the mail could not be handed to the SMTP server */
    void send(OutgoingMail mail);

    final class MailException extends RuntimeException {
        public MailException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
