package org.syncserver.mail;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.syncserver.config.MailConfig;

import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;

/** Sends through the SMTP server of config.json, with STARTTLS when the server offers it and bounded waits. */
public final class SmtpMailer implements Mailer {

    private static final int IMPLICIT_TLS_PORT = 465;

    private final MailConfig config;
    private final Session session;
    private final InternetAddress from;

    /** @param timeout a slow or silent SMTP server costs a mail thread at most this long per step */
    public SmtpMailer(MailConfig config, Duration timeout) {
        this.config = config;
        this.session = Session.getInstance(properties(config, timeout));
        try {
            this.from = new InternetAddress(config.fromAddress(), config.fromName(), StandardCharsets.UTF_8.name());
        } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException("UTF-8 is always supported", e);
        }
    }

    private static Properties properties(MailConfig config, Duration stepTimeout) {
        String timeout = String.valueOf(stepTimeout.toMillis());
        Properties properties = new Properties();
        properties.put("mail.smtp.host", config.host());
        properties.put("mail.smtp.port", String.valueOf(config.port()));
        properties.put("mail.smtp.connectiontimeout", timeout);
        properties.put("mail.smtp.timeout", timeout);
        properties.put("mail.smtp.writetimeout", timeout);
        properties.put("mail.smtp.starttls.enable", "true");
        properties.put("mail.smtp.auth", String.valueOf(config.username() != null && !config.username().isBlank()));
        if (config.port() == IMPLICIT_TLS_PORT) {
            properties.put("mail.smtp.ssl.enable", "true");
        }
        return properties;
    }

    /** Connects, logs in when a username is configured, and disconnects: what {@code check-config} needs to know. */
    public void checkConnection() {
        try (Transport transport = session.getTransport("smtp")) {
            if (Boolean.parseBoolean(session.getProperty("mail.smtp.auth"))) {
                transport.connect(config.username(), config.password());
            } else {
                transport.connect();
            }
        } catch (MessagingException e) {
            throw new MailException("SMTP server " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void send(OutgoingMail mail) {
        try {
            MimeMessage message = new MimeMessage(session);
            message.setFrom(from);
            message.setRecipient(Message.RecipientType.TO,
                    new InternetAddress(mail.toAddress(), mail.toName(), StandardCharsets.UTF_8.name()));
            message.setSubject(mail.subject(), StandardCharsets.UTF_8.name());
            message.setContent(mail.html(), "text/html; charset=UTF-8");
            if (Boolean.parseBoolean(session.getProperty("mail.smtp.auth"))) {
                Transport.send(message, config.username(), config.password());
            } else {
                Transport.send(message);
            }
        } catch (MessagingException | UnsupportedEncodingException e) {
            throw new MailException("SMTP server " + config.host() + ":" + config.port() + " refused or failed: "
                    + e.getMessage(), e);
        }
    }
}
