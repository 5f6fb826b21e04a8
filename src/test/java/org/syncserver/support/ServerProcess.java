package org.syncserver.support;

import org.syncserver.Main;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The server as an operator runs it: {@code java ... org.syncserver.Main ARGS} in a JVM of its own, which a test
 * can stop (SIGTERM) or kill (SIGKILL). Its output goes to a file beside the test's folder.
 */
public final class ServerProcess implements AutoCloseable {

    /** A JVM and an embedded PostgreSQL start in seconds; on a loaded 2-core machine 90 s was seen to fall short. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    private final Process process;
    private final String host;
    private final int port;
    private final Path log;

    private ServerProcess(Process process, String host, int port, Path log) {
        this.process = process;
        this.host = host;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts the server and waits until it answers {@code /readyz} (every realm's database reached and migrated).
     *
     * @param environment added to this JVM's; {@code HOST} there is also where the test connects
     */
    public static ServerProcess start(Path log, Map<String, String> environment, String... args) {
        return start("/readyz", log, environment, args);
    }

    /** Starts the server and waits until it answers {@code /healthz} only: for a server with realms that are down. */
    public static ServerProcess startLive(Path log, Map<String, String> environment, String... args) {
        return start("/healthz", log, environment, args);
    }

    private static ServerProcess start(String awaited, Path log, Map<String, String> environment, String... args) {
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("PORT", String.valueOf(port));
        builder.environment().put("RATE_LIMIT_DISABLE", "1");
        builder.environment().putAll(environment);
        try {
            ServerProcess server = new ServerProcess(builder.start(),
                    environment.getOrDefault("HOST", "127.0.0.1"), port, log);
            server.await(awaited);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public TestServer client() {
        return TestServer.external(host, port, this);
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook runs, as with the OOM killer or {@code kill -9}. */
    public void kill() {
        process.destroyForcibly();
        waitForExit();
    }

    /** SIGTERM, then waits for the graceful shutdown. @return the exit code */
    public int stop() {
        process.destroy();
        return waitForExit();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop();
        }
    }

    private int waitForExit() {
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("The server did not stop within 60 s; its output is in " + log);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs one of the server's commands ({@code check-config ...}) to its end. @return its exit code */
    public static int run(Path log, String... args) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            if (!process.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(args[0] + " did not end within " + START_TIMEOUT + "; see " + log);
            }
            return process.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void await(String path) {
        TestServer http = TestServer.external(host, port, () -> { });
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The server exited with " + process.exitValue() + "; see " + log);
            }
            try {
                if (http.get(path).status() == 200) {
                    return;
                }
            } catch (UncheckedIOException notYet) {
                // not listening yet
            }
            sleep(200);
        }
        process.destroyForcibly();
        throw new IllegalStateException("The server did not answer " + path + " within " + START_TIMEOUT + "; see " + log);
    }

    /** Thread.sleep for the support classes' polling loops: an interruption ends the test. */
    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
