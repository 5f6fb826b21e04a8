package org.syncserver.config;

/** How access and refresh tokens look on the wire (PROTOCOL §5). */
public enum TokenMode {
    /** Random strings, the 2024 default: {@code access_token}/{@code refresh_token}. */
    OPAQUE,
    /** HS256 JWTs: {@code accessToken}/{@code refreshToken}. */
    JWT
}
