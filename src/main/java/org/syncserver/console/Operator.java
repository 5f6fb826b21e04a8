package org.syncserver.console;

import java.util.Optional;

/**
 * Who is acting on the console, for the audit log.
 *
 * @param name    the operator's name from the configuration, or {@code api-token-N} for the N-th API token
 * @param address the client address the request came from
 * @param csrf    the session's CSRF token; empty for an API token, which no browser sends by itself
 */
public record Operator(String name, String address, Optional<String> csrf) {
}
