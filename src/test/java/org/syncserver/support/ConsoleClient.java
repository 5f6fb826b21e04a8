package org.syncserver.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.syncserver.config.Config;
import org.syncserver.identity.PasswordHasher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A client of the operator console's port: keeps the session cookie like a browser, and sends the session's CSRF
 * token with every change unless told not to. Also the test configuration of the console.
 */
public final class ConsoleClient {

    public static final String OPERATOR = "alice";
    public static final String PASSWORD = "correct horse battery staple";
    public static final String API_TOKEN = "a-script's-token-0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static volatile Map<String, String> hashes;

    private final TestServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .cookieHandler(new CookieManager()).followRedirects(HttpClient.Redirect.NEVER).build();
    private String csrf;

    public ConsoleClient(TestServer server) {
        this.server = server;
    }

    /** The console with operator alice and one API token, on a random port of 127.0.0.1. */
    public static Config.Admin admin(int loginFailuresPerMinute) {
        return admin(loginFailuresPerMinute, Config.Admin.DEFAULT_SESSION_IDLE);
    }

    public static Config.Admin admin(int loginFailuresPerMinute, Duration sessionIdle) {
        if (hashes == null) {
            PasswordHasher hasher = new PasswordHasher();
            hashes = Map.of("password", hasher.hash(PASSWORD).hash(), "token", hasher.hash(API_TOKEN).hash());
        }
        return new Config.Admin("127.0.0.1", 0, Map.of(OPERATOR, hashes.get("password")), List.of(hashes.get("token")),
                sessionIdle, loginFailuresPerMinute);
    }

    /** Logs in through the API; on success the session cookie and CSRF token are kept. */
    public Response login(String name, String password) {
        Response answer = send("POST", "/api/login", Map.of("name", name, "password", password), Map.of());
        if (answer.status() == 200) {
            csrf = answer.json().get("csrfToken").asText();
        }
        return answer;
    }

    public ConsoleClient loggedIn() {
        Response answer = login(OPERATOR, PASSWORD);
        if (answer.status() != 200) {
            throw new IllegalStateException("login failed: " + answer);
        }
        return this;
    }

    public String csrf() {
        return csrf;
    }

    public Response get(String path) {
        return send("GET", path, null, Map.of());
    }

    public Response post(String path) {
        return send("POST", path, Map.of(), csrfHeader());
    }

    public Response delete(String path) {
        return send("DELETE", path, null, csrfHeader());
    }

    /** A request with exactly these headers (no CSRF token unless given). */
    public Response send(String method, String path, Object body, Map<String, String> headers) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(server.consoleUri(path)).timeout(Duration.ofSeconds(30))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                    .header("Content-Type", "application/json");
            headers.forEach(request::setHeader);
            return TestServer.send(http, request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, String> csrfHeader() {
        return csrf == null ? Map.of() : Map.of("X-CSRF-Token", csrf);
    }
}
