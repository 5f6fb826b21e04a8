package org.syncserver.auth;

import org.syncserver.error.AccessDeniedException;
import org.syncserver.error.BadRequestException;
import org.syncserver.error.ClientMessages;
import org.syncserver.error.UnauthorizedException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/** Reads {@code Authorization: Basic …} and {@code Authorization: Bearer …}. */
public final class AuthorizationHeader {

    /** E-mail and password from a Basic header. The password may contain ':', so only the first one splits. */
    public record Credentials(String email, String password) {
        @Override
        public String toString() {
            return "Credentials[****]";
        }
    }

    private AuthorizationHeader() {
    }

    public static Credentials basic(String header) {
        String encoded = afterScheme(header, "Basic ");
        // 403, as the Node server answers: sync_client then asks for the credentials again.
        if (encoded == null) {
            throw new AccessDeniedException("Missing basic authentication");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new AccessDeniedException("Malformed basic authentication");
        }
        if (decoded.indexOf('\0') >= 0) {
            throw new BadRequestException("The e-mail and password of the Authorization header must not contain the "
                    + "NUL character (\\u0000)");
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0 || colon == decoded.length() - 1) {
            throw new AccessDeniedException(ClientMessages.WRONG_CREDENTIALS);
        }
        return new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1));
    }

    public static String bearer(String header) {
        return bearerIfPresent(header).orElseThrow(() -> new UnauthorizedException("Missing bearer token"));
    }

    /** The bearer token, when the header has one. */
    public static Optional<String> bearerIfPresent(String header) {
        return Optional.ofNullable(afterScheme(header, "Bearer "));
    }

    private static String afterScheme(String header, String scheme) {
        if (header == null || !header.regionMatches(true, 0, scheme, 0, scheme.length())) {
            return null;
        }
        String value = header.substring(scheme.length()).trim();
        return value.isEmpty() ? null : value;
    }
}
