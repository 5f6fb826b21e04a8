package org.syncserver.mail;

/** Used when config.json has no {@code email} block (as with the embedded default). */
public final class NoMailer implements Mailer {

    @Override
    public void send(OutgoingMail mail) {
        throw new MailException("no SMTP server is configured (config.json has no \"email\" block)", null);
    }
}
