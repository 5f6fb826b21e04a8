package org.syncserver.http;

/**
 * A streamed answer failed after part of it had been written: no error body can follow a 200 that has begun, so
 * the connection is cut instead, and the client sees a broken answer rather than a spliced one.
 */
public final class AnswerAbandonedException extends RuntimeException {
    public AnswerAbandonedException(Throwable cause) {
        super(cause);
    }
}
