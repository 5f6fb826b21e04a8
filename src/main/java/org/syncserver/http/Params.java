package org.syncserver.http;

import org.syncserver.error.BadRequestException;

import java.util.UUID;

/** Path and query parameters read with a 400 that names them, as request bodies are. */
public final class Params {

    private Params() {
    }

    public static UUID uuid(String value, String name) {
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new BadRequestException("'" + name + "' must be a UUID");
        }
    }

    public static long number(String value, String name) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new BadRequestException("'" + name + "' must be a whole number");
        }
    }
}
