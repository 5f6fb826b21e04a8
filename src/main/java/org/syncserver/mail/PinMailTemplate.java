package org.syncserver.mail;

import java.time.Duration;
import java.util.Map;

/** The password-reset e-mail, from the HTML templates in resources/mail: Italian for "it", English otherwise. */
public final class PinMailTemplate {

    /** A language's subject and body. */
    private record Template(String subject, String html) {
    }

    /** The English subject is the Node server's, which PROTOCOL §7 keeps. */
    private final Map<String, Template> templates = Map.of(
            "en", new Template("Change password", MailTemplates.load("/mail/change_password_en.html")),
            "it", new Template("Cambio password", MailTemplates.load("/mail/change_password_it.html")));

    public OutgoingMail render(String toAddress, String name, String language, String appName, String pin,
                               Duration validity) {
        Template template = "it".equalsIgnoreCase(language) ? templates.get("it") : templates.get("en");
        String displayName = name == null || name.isBlank() ? toAddress : name;
        String html = template.html()
                .replace("{{name}}", MailTemplates.escape(displayName))
                .replace("{{app}}", MailTemplates.escape(appName))
                .replace("{{pin}}", MailTemplates.escape(pin))
                .replace("{{minutes}}", String.valueOf(validity.toMinutes()));
        return new OutgoingMail(toAddress, displayName, template.subject(), html);
    }
}
