package org.syncserver.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * JWT signing keys that anyone could guess: the samples' placeholders, or keys too short for HS256 (RFC 7518 asks
 * for at least 256 bits). The server still starts with them, since existing deployments must, but says so.
 */
final class SecretCheck {

    static final int MIN_BYTES = 32;
    private static final Pattern PLACEHOLDER = Pattern.compile(
            "(?i).*(change[-_ ]?me|your[-_ ]?secret|placeholder|example|…|\\.\\.\\.).*|secret|password|xxx+");

    private SecretCheck() {
    }

    static List<String> weaknesses(Config.Tokens.Jwt secrets) {
        List<String> warnings = new ArrayList<>();
        check(secrets.accessKey(), "server.secret_key", warnings);
        check(secrets.refreshKey(), "server.secret_key_refresh", warnings);
        if (secrets.accessKey().equals(secrets.refreshKey())) {
            warnings.add("server.secret_key and server.secret_key_refresh are the same: a refresh token would then "
                    + "also pass as an access token's signature; use two different keys");
        }
        return warnings;
    }

    private static void check(String key, String name, List<String> warnings) {
        if (PLACEHOLDER.matcher(key).matches()) {
            warnings.add(name + " looks like a placeholder: anyone who guesses it can forge tokens; set a random "
                    + "key, e.g. the output of `openssl rand -base64 48`");
        } else if (key.getBytes(StandardCharsets.UTF_8).length < MIN_BYTES) {
            warnings.add(name + " is shorter than " + MIN_BYTES + " bytes: short keys can be guessed offline from one "
                    + "token; set a random key, e.g. the output of `openssl rand -base64 48`");
        }
    }
}
