package org.syncserver.error;

/**
 * HTTP 413 with {@code "reason": "quota_exceeded"}: a push would take its user past a limit the operator set
 * (PROTOCOL §13.1). The message names the limit, the usage and the limit's value in words a user understands.
 */
public final class QuotaExceededException extends RuntimeException {
    public static final String REASON = "quota_exceeded";

    public QuotaExceededException(String message) {
        super(message);
    }
}
