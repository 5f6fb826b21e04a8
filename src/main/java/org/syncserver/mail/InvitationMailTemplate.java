package org.syncserver.mail;

import java.time.Duration;
import java.util.Map;

/** The e-mail inviting someone to a shared space, from the HTML templates in resources/mail: Italian or English. */
public final class InvitationMailTemplate {

    private record Template(String subject, String html) {
    }

    private final Map<String, Template> templates = Map.of(
            "en", new Template("{{inviter}} shares \"{{space}}\" with you", MailTemplates.load("/mail/space_invitation_en.html")),
            "it", new Template("{{inviter}} condivide \"{{space}}\" con te", MailTemplates.load("/mail/space_invitation_it.html")));

    /**
     * @param name    the invitee's name when the address has an account, else null
     * @param inviter the inviting user's name (its e-mail when it has none)
     */
    public OutgoingMail render(String toAddress, String name, String language, String appName, String inviter,
                               String spaceName, Duration validity) {
        Template template = "it".equalsIgnoreCase(language) ? templates.get("it") : templates.get("en");
        String displayName = name == null || name.isBlank() ? toAddress : name;
        String space = spaceName == null || spaceName.isBlank() ? appName : spaceName;
        String html = template.html()
                .replace("{{name}}", MailTemplates.escape(displayName))
                .replace("{{app}}", MailTemplates.escape(appName))
                .replace("{{inviter}}", MailTemplates.escape(inviter))
                .replace("{{space}}", MailTemplates.escape(space))
                .replace("{{days}}", String.valueOf(validity.toDays()));
        String subject = template.subject().replace("{{inviter}}", inviter).replace("{{space}}", space);
        return new OutgoingMail(toAddress, displayName, subject, html);
    }
}
