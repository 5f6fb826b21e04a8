package org.syncserver.error;

/**
 * Texts that real clients match by substring (sync_client 1.5.3, PROTOCOL §1 and §4). Contractual: changing a
 * word breaks deployed apps.
 */
public final class ClientMessages {
    public static final String EMAIL_ALREADY_REGISTERED =
            "The email is already registered, try to register the client instead...";
    public static final String EMAIL_NOT_REGISTERED =
            "The email is not registered, try to Register as a new user...";
    public static final String WRONG_CREDENTIALS = "Wrong username or password";
    /** The typo is the Node server's, kept because clients may show or match it. */
    public static final String CLIENT_ID_TAKEN = "The clentid is already registered, please use another one.";
    public static final String CLIENT_NOT_OF_USER = "Invalid clientid for current username and password";
    public static final String ALREADY_SYNCING = "The user is already syncing from this client";
    public static final String PULL_BEFORE_PUSH = "You should pull before pushing...";
    public static final String PIN_INVALID = "PIN expired or incorrect";
    /** Any access or refresh token that is forged, expired, revoked or already used: 403, and the client logs in. */
    public static final String INVALID_TOKEN = "Invalid or expired token";

    private ClientMessages() {
    }
}
