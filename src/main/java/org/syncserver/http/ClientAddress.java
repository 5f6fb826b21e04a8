package org.syncserver.http;

import io.javalin.http.Context;

/** Who sent a request, for per-address limits. */
public final class ClientAddress {

    private final boolean trustForwardedFor;

    public ClientAddress(boolean trustForwardedFor) {
        this.trustForwardedFor = trustForwardedFor;
    }

    /** Behind a trusted proxy, the last X-Forwarded-For entry is the address the proxy saw; earlier ones can be forged. */
    public String of(Context ctx) {
        String forwarded = trustForwardedFor ? ctx.header("X-Forwarded-For") : null;
        if (forwarded == null || forwarded.isBlank()) {
            return ctx.ip();
        }
        String[] hops = forwarded.split(",");
        return hops[hops.length - 1].trim();
    }
}
