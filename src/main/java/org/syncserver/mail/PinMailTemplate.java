package org.syncserver.mail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** The password-reset e-mail, from the HTML templates in resources/mail: Italian for "it", English otherwise. */
public final class PinMailTemplate {

    /** A language's subject and body. */
    private record Template(String subject, String html) {
    }

    /** The English subject is the Node server's, which PROTOCOL §7 keeps. */
    private final Map<String, Template> templates = Map.of(
            "en", new Template("Change password", load("/mail/change_password_en.html")),
            "it", new Template("Cambio password", load("/mail/change_password_it.html")));

    public OutgoingMail render(String toAddress, String name, String language, String appName, String pin,
                               Duration validity) {
        Template template = "it".equalsIgnoreCase(language) ? templates.get("it") : templates.get("en");
        String displayName = name == null || name.isBlank() ? toAddress : name;
        String html = template.html()
                .replace("{{name}}", escape(displayName))
                .replace("{{app}}", escape(appName))
                .replace("{{pin}}", escape(pin))
                .replace("{{minutes}}", String.valueOf(validity.toMinutes()));
        return new OutgoingMail(toAddress, displayName, template.subject(), html);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;").replace("'", "&#39;");
    }

    private static String load(String resource) {
        try (InputStream in = PinMailTemplate.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Missing mail template " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
