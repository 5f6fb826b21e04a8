package org.syncserver.http;

/** HTTP 413: the body, once inflated, is larger than {@code server.maxBodyBytes}. */
public final class PayloadTooLargeException extends RuntimeException {
    public PayloadTooLargeException(long limit) {
        super("The request body is larger than the limit of " + limit + " bytes");
    }

    /** A limit on what the body would store, said in words a person understands. */
    public PayloadTooLargeException(String message) {
        super(message);
    }
}
