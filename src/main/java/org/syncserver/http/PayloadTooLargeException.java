package org.syncserver.http;

/** HTTP 413: the body, once inflated, is larger than {@code server.maxBodyBytes}. */
public final class PayloadTooLargeException extends RuntimeException {
    public PayloadTooLargeException(long limit) {
        super("The request body is larger than the limit of " + limit + " bytes");
    }
}
