package org.syncserver.http;

import org.syncserver.error.BadRequestException;

/** Presence checks for request fields, with messages that name the field. */
public final class Fields {

    private Fields() {
    }

    public static <T> T required(T value, String field) {
        if (value == null || (value instanceof String text && text.isBlank())) {
            throw new BadRequestException("'" + field + "' is required");
        }
        return value;
    }
}
