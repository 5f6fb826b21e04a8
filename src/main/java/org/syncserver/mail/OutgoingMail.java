package org.syncserver.mail;

/** An HTML e-mail to one person. */
public record OutgoingMail(String toAddress, String toName, String subject, String html) {

    @Override
    public String toString() {
        return "OutgoingMail[subject=" + subject + "]";
    }
}
