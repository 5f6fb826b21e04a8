package org.syncserver.http;

/**
 * The body of every error answer and of the Node server's acknowledgements: {@code {"code": 403, "message": "…"}},
 * always in this key order.
 */
public record StatusMessage(int code, String message) {
}
