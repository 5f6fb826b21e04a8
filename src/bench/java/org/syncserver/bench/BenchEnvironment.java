package org.syncserver.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the benchmark runs: by default a fresh embedded PostgreSQL and the server jar started as its own process
 * (with the heap the targets name); or a server and database that are already running.
 */
interface BenchEnvironment extends AutoCloseable {

    URI serverUri();

    BenchDatabase database();

    String realm();

    String serverSettings();

    @Override
    void close();

    record External(URI serverUri, BenchDatabase database, String realm)
            implements BenchEnvironment {
        @Override
        public String serverSettings() {
            return "external server at " + serverUri + " (settings not known to the benchmark)";
        }

        @Override
        public void close() {
        }
    }

    /** Embedded PostgreSQL plus {@code java -Xmx… -jar sync-server.jar} with rate limiting off. */
    final class Local implements BenchEnvironment {

        private static final String REALM = "bench";
        private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

        private final EmbeddedPostgres postgres;
        private final Process server;
        private final URI uri;
        private final List<String> jvmOptions;

        private Local(EmbeddedPostgres postgres, Process server, URI uri, List<String> jvmOptions) {
            this.postgres = postgres;
            this.server = server;
            this.uri = uri;
            this.jvmOptions = jvmOptions;
        }

        static Local start(Path jar, String heap, List<String> extraJvmOptions, Path log)
                throws IOException, InterruptedException {
            // Production durability, as the embedded default runs: zonky's own defaults turn fsync and
            // synchronous commit off, which would flatter every figure that writes.
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on").setServerConfig("full_page_writes", "on").start();
            int port = freePort();
            Path config = Files.createTempFile("sync-server-bench", ".json");
            Files.writeString(config, """
                    {"server": {"port": %d},
                     "db": {"realms": {"%s": "postgresql://postgres@127.0.0.1:%d/postgres"}}}
                    """.formatted(port, REALM, postgres.getPort()));
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> jvmOptions = new ArrayList<>(List.of("-Xmx" + heap));
            jvmOptions.addAll(extraJvmOptions);
            List<String> command = new ArrayList<>(List.of(java));
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", jar.toString(), "--config", config.toString()));
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().put("RATE_LIMIT_DISABLE", "1");
            builder.environment().remove("PORT");
            builder.redirectErrorStream(true).redirectOutput(log.toFile());
            Process server = builder.start();
            Local local = new Local(postgres, server, URI.create("http://127.0.0.1:" + port), jvmOptions);
            local.awaitHealthy(log);
            return local;
        }

        private void awaitHealthy(Path log) throws InterruptedException {
            BenchClient client = new BenchClient(uri);
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!client.healthy()) {
                if (!server.isAlive() || System.nanoTime() > deadline) {
                    close();
                    throw new IllegalStateException("The server did not start; see " + log);
                }
                Thread.sleep(200);
            }
        }

        private static int freePort() throws IOException {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            }
        }

        @Override
        public URI serverUri() {
            return uri;
        }

        @Override
        public BenchDatabase database() {
            return new BenchDatabase(postgres.getJdbcUrl("postgres", "postgres"), "postgres", null);
        }

        @Override
        public String realm() {
            return REALM;
        }

        @Override
        public String serverSettings() {
            return "server jar in its own JVM with " + String.join(" ", jvmOptions) + ", default pool (10 connections), rate limiting off"
                    + " (RATE_LIMIT_DISABLE=1), token mode; embedded PostgreSQL on loopback with default settings";
        }

        @Override
        public void close() {
            server.destroy();
            try {
                server.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server.destroyForcibly();
            try {
                postgres.close();
            } catch (IOException e) {
                System.err.println("Embedded PostgreSQL did not stop cleanly: " + e.getMessage());
            }
        }
    }
}
