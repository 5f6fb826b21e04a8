package org.syncserver.account;

import org.syncserver.error.BadRequestException;
import org.syncserver.error.Require;

import java.util.Locale;

/** E-mail addresses are compared without case (PROTOCOL §4): stored and looked up in lower case. */
final class EmailAddress {

    private static final int MAX_LENGTH = 255;

    private EmailAddress() {
    }

    static String normalised(String raw) {
        String email = Require.present(raw, "email").trim().toLowerCase(Locale.ROOT);
        int at = email.indexOf('@');
        if (at <= 0 || at == email.length() - 1 || email.length() > MAX_LENGTH
                || email.chars().anyMatch(Character::isWhitespace)) {
            throw new BadRequestException("'email' must be an e-mail address");
        }
        return email;
    }
}
