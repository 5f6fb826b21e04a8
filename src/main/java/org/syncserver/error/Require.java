package org.syncserver.error;

/** Presence checks for request fields, with messages that name the field; request records call them as built. */
public final class Require {

    private Require() {
    }

    /** @throws BadRequestException {@code 'field' is required} when the value is missing or blank text */
    public static <T> T present(T value, String field) {
        if (value == null || (value instanceof String text && text.isBlank())) {
            throw new BadRequestException("'" + field + "' is required");
        }
        return value;
    }
}
