package org.syncserver.http;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The body of every error answer and of the Node server's acknowledgements: {@code {"code": 403, "message": "…"}},
 * always in this key order; a refusal a client may act on adds a machine-readable {@code reason}
 * ({@code {"code": 413, "reason": "quota_exceeded", "message": "…"}}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatusMessage(int code, String reason, String message) {

    public StatusMessage(int code, String message) {
        this(code, null, message);
    }
}
