package org.syncserver.config;

/**
 * Requests per minute allowed from one client address, per route group ({@code rateLimit} in config.json).
 *
 * @param trustForwardedFor take the client address from X-Forwarded-For (set by one trusted reverse proxy)
 * @param disabled          {@code RATE_LIMIT_DISABLE=1}: no limit at all (client test set-ups rely on it)
 */
public record RateLimits(int accountsPerMinute, int passwordPerMinute, int syncPerMinute, boolean trustForwardedFor,
                         boolean disabled) {

    /**
     * Login and registration: enough for people, too few for password spraying.
     * Password reset: a PIN also dies after 5 wrong tries, so guessing stays hopeless.
     * Sync: sync_client makes about 7 calls a sync (it refreshes its token before each), and one address can
     * hide many devices behind NAT: 1,200 a minute lets a shared address sync well over 100 times a minute.
     */
    public static final RateLimits DEFAULTS = new RateLimits(30, 10, 1_200, false, false);

    String describe() {
        return disabled ? "off" : accountsPerMinute + "/" + passwordPerMinute + "/" + syncPerMinute
                + " per minute (accounts/password/sync)";
    }
}
