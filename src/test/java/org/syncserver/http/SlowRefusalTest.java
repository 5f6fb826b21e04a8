package org.syncserver.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.syncserver.config.RealmConfig;
import org.syncserver.config.Timeouts;
import org.syncserver.support.Accounts;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A call refused after a long wait (here a row lock held elsewhere, as a database failing over holds its calls): its
 * error answer arrives whole, and the connection serves the client's next call. Reading the rest of a refused body
 * shortened the connection's idle timeout below the time the call had already taken; Jetty checked it at once and
 * timed the call out, and when its check ran after the call's handler had returned, it failed the call: the answer
 * became a 500, or the client's next call on the connection was refused with a 400 (FailoverTest, now and then).
 */
class SlowRefusalTest {

    /** A row lock is awaited 1 s: far past the half second a refused body is drained for. */
    private static final Timeouts TIMEOUTS = new Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1),
            Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofSeconds(2));

    @Test
    void callsRefusedAfterALongWaitAreAnsweredWholeAndTheirConnectionsServeTheNextCall() throws Exception {
        RealmConfig realm = TestPostgres.newRealm("default");
        try (TestServer server = TestConfig.realms(realm).timeouts(TIMEOUTS).start();
             Connection lockHolder = DriverManager.getConnection(realm.jdbcUrl(), realm.user(), realm.password());
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Accounts.Device device = new Accounts(server).device("default", "slow@example.com", "pw", true);
            lockHolder.setAutoCommit(false);
            try (Statement statement = lockHolder.createStatement()) {
                statement.execute("SELECT 1 FROM user_tokens FOR UPDATE"); // every refresh now waits for the lock
            }
            // Many at once, as devices retry together when a database fails over: Jetty's own threads are busy too.
            List<String> wrong = new ArrayList<>();
            List<ILoggingEvent> expiries;
            try (JettyIdleTimeouts idleTimeouts = JettyIdleTimeouts.watch()) {
                List<CompletableFuture<List<String>>> clients = new ArrayList<>();
                for (int client = 0; client < CLIENTS; client++) {
                    clients.add(CompletableFuture.supplyAsync(() -> refreshTwiceOnOneConnection(server, device), threads));
                }
                for (CompletableFuture<List<String>> client : clients) {
                    wrong.addAll(client.get(60, TimeUnit.SECONDS));
                }
                expiries = idleTimeouts.seen();
            }
            assertThat(wrong).as("answers other than the 503 and the next call's 200").isEmpty();
            // The lost answer is a race, seen about once in 500 such calls; its cause is certain: each of these
            // expiries could have failed a call.
            assertThat(expiries).as("calls whose connection Jetty timed out as idle while it answered them")
                    .isEmpty();
        }
    }

    private static final int CLIENTS = 8;
    private static final int ROUNDS = 3;

    /** @return what went wrong: answers other than a 503 for the refresh and a 200 for the call after it */
    private static List<String> refreshTwiceOnOneConnection(TestServer server, Accounts.Device device) {
        List<String> wrong = new ArrayList<>();
        byte[] refresh = ("{\"refreshToken\": \"" + device.refreshToken() + "\"}").getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket("127.0.0.1", server.uri("/").getPort())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            for (int round = 0; round < ROUNDS; round++) {
                out.write(("POST /login/default/refreshToken HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                        + "application/json\r\nContent-Length: " + refresh.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(refresh);
                out.flush();
                Answer refused = Answer.read(in);
                if (refused.status() != 503 || !refused.body().contains("please retry later")) {
                    wrong.add("the refresh waiting on the lock: " + refused);
                }
                if (refused == Answer.CLOSED || "close".equals(refused.headers().get("connection"))) {
                    return wrong;
                }
                out.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Answer next = Answer.read(in);
                if (next.status() != 200) {
                    wrong.add("the next call on the same connection: " + next);
                    return wrong;
                }
            }
        } catch (IOException e) {
            wrong.add("the connection failed: " + e);
        }
        return wrong;
    }

    private record Answer(int status, Map<String, String> headers, String body) {

        /** The connection was closed instead of answered. */
        static final Answer CLOSED = new Answer(0, Map.of(), "(connection closed without an answer)");

        /** One HTTP/1.1 answer with a Content-Length body. */
        static Answer read(BufferedReader in) throws IOException {
            String statusLine = in.readLine();
            if (statusLine == null) {
                return CLOSED;
            }
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(), line.substring(colon + 1).trim());
            }
            char[] body = new char[Integer.parseInt(headers.getOrDefault("content-length", "0"))];
            int read = 0;
            while (read < body.length) {
                int n = in.read(body, read, body.length - read);
                if (n < 0) {
                    break;
                }
                read += n;
            }
            return new Answer(Integer.parseInt(statusLine.split(" ")[1]), headers, new String(body, 0, read));
        }
    }

    /**
     * Jetty's reports (at DEBUG) of an idle timeout reaching a request it is handling, collected while open. Its
     * answer then races with the timeout: whichever comes first decides whether the client gets its answer.
     */
    private static final class JettyIdleTimeouts implements AutoCloseable {
        private final Logger channel = (Logger) LoggerFactory.getLogger("org.eclipse.jetty.server.internal.HttpChannelState");
        private final ListAppender<ILoggingEvent> events = new ListAppender<>() {
            @Override
            protected void append(ILoggingEvent event) {
                event.prepareForDeferredProcessing(); // its thread's name is taken now, not when it is read
                super.append(event);
            }
        };
        private final Level level = channel.getLevel();
        private final boolean additive = channel.isAdditive();

        static JettyIdleTimeouts watch() {
            JettyIdleTimeouts watch = new JettyIdleTimeouts();
            watch.events.start();
            watch.channel.addAppender(watch.events);
            watch.channel.setAdditive(false);
            watch.channel.setLevel(Level.DEBUG);
            return watch;
        }

        /**
         * Those set off on a request thread, by the handling of a call: a connection left idle (of this server or of
         * another test's) times out on Jetty's scheduler thread, as it should.
         */
        List<ILoggingEvent> seen() {
            List<ILoggingEvent> logged;
            synchronized (events) { // the lock AppenderBase.doAppend appends under: other tests' servers log meanwhile
                logged = List.copyOf(events.list);
            }
            return logged.stream().filter(event -> event.getMessage().startsWith("onIdleTimeout"))
                    .filter(event -> event.getThreadName().startsWith("JettyServerThreadPool")).toList();
        }

        @Override
        public void close() {
            channel.setLevel(level);
            channel.setAdditive(additive);
            channel.detachAppender(events);
        }
    }
}
