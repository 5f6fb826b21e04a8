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
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where the benchmark runs: by default a fresh embedded PostgreSQL and the server jar started as its own process
 * (with the heap the targets name); or a server and database that are already running.
 */
interface BenchEnvironment extends AutoCloseable {

    URI serverUri();

    BenchDatabase database();

    String realm();

    String serverSettings();

    /** A second server instance on the same database, for the event scenario across instances. */
    Optional<URI> secondServerUri();

    /** The (first) server's resident memory, when it is a process the benchmark started. */
    OptionalLong serverRssBytes();

    /** The (first) server's process id, when the benchmark started it. */
    OptionalLong serverPid();

    @Override
    void close();

    record External(URI serverUri, BenchDatabase database, String realm)
            implements BenchEnvironment {
        @Override
        public String serverSettings() {
            return "external server at " + serverUri + " (settings not known to the benchmark)";
        }

        @Override
        public Optional<URI> secondServerUri() {
            return Optional.empty();
        }

        @Override
        public OptionalLong serverRssBytes() {
            return OptionalLong.empty();
        }

        @Override
        public OptionalLong serverPid() {
            return OptionalLong.empty();
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
        private final Process second;
        private final URI secondUri;
        private final List<String> jvmOptions;

        private Local(EmbeddedPostgres postgres, Process server, URI uri, Process second, URI secondUri,
                      List<String> jvmOptions) {
            this.postgres = postgres;
            this.server = server;
            this.uri = uri;
            this.second = second;
            this.secondUri = secondUri;
            this.jvmOptions = jvmOptions;
        }

        /**
         * The heap fixed at its maximum, as the Dockerfile and the README advise: left to size itself, G1 shrank a
         * 256 MB heap to 67 MB under ingest and ran a concurrent mark cycle every 1.3 s (612 in a run instead of 2;
         * 1,888 young collections instead of 220), about 15 % of the server's CPU (docs/performance.md).
         */
        private static List<String> fixedHeap(String heap) {
            return List.of("-Xms" + heap, "-Xmx" + heap);
        }

        static Local start(Path jar, String heap, List<String> extraJvmOptions, Path log)
                throws IOException, InterruptedException {
            // Production durability, as the embedded default runs: zonky's own defaults turn fsync and
            // synchronous commit off, which would flatter every figure that writes.
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on").setServerConfig("full_page_writes", "on").start();
            try (var connection = postgres.getPostgresDatabase().getConnection();
                 var statement = connection.createStatement()) {
                statement.execute("CREATE DATABASE " + SHARED_DATABASE);
            } catch (java.sql.SQLException e) {
                throw new IOException("Could not create the shared realm's database", e);
            }
            List<String> jvmOptions = new ArrayList<>(fixedHeap(heap));
            jvmOptions.addAll(extraJvmOptions);
            int port = freePort();
            int secondPort = freePort();
            Process server = startServer(jar, jvmOptions, config(port, postgres), log);
            // The second instance only serves the event scenario across instances: it gets no special options.
            Process second = startServer(jar, fixedHeap(heap), config(secondPort, postgres),
                    log.resolveSibling("bench-server-2.log"));
            Local local = new Local(postgres, server, URI.create("http://127.0.0.1:" + port), second,
                    URI.create("http://127.0.0.1:" + secondPort), jvmOptions);
            local.awaitHealthy(local.uri, server, log);
            local.awaitHealthy(local.secondUri, second, log);
            return local;
        }

        /** The realm of the shared-spaces scenario, on a database of its own, whose table {@code items} is shared. */
        static final String SHARED_REALM = "shared";
        static final String SHARED_DATABASE = "bench_shared";

        /**
         * Event caps high enough for the idle-streams scenario (10,000 streams of one device); a second realm that
         * shares the table {@code items} for the shared scenario (the measured realm shares nothing).
         */
        private static Path config(int port, EmbeddedPostgres postgres) throws IOException {
            Path config = Files.createTempFile("sync-server-bench", ".json");
            Files.writeString(config, """
                    {"server": {"port": %d},
                     "db": {"realms": {"%s": "postgresql://postgres@127.0.0.1:%d/postgres",
                                       "%s": "postgresql://postgres@127.0.0.1:%d/%s"}},
                     "sharing": {"%s": {"tables": {"items": "space_id"}}},
                     "notifications": {"maxStreamsPerUser": 20000, "maxStreamsPerAddress": 20000, "maxStreams": 20000}}
                    """.formatted(port, REALM, postgres.getPort(), SHARED_REALM, postgres.getPort(), SHARED_DATABASE,
                    SHARED_REALM));
            return config;
        }

        static Process startServer(Path jar, List<String> jvmOptions, Path config, Path log)
                throws IOException {
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", jar.toString(), "--config", config.toString()));
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().put("RATE_LIMIT_DISABLE", "1");
            builder.environment().remove("PORT");
            builder.redirectErrorStream(true).redirectOutput(log.toFile());
            return builder.start();
        }

        private void awaitHealthy(URI at, Process process, Path log) throws InterruptedException {
            try {
                awaitStarted(at, process, log);
            } catch (IllegalStateException e) {
                close();
                throw e;
            }
        }

        /** Waits until the server process answers /healthz. @throws IllegalStateException when it does not */
        static void awaitStarted(URI at, Process process, Path log) throws InterruptedException {
            BenchClient client = new BenchClient(at);
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!client.healthy()) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("The server did not start; see " + log);
                }
                Thread.sleep(200);
            }
        }

        @Override
        public Optional<URI> secondServerUri() {
            return Optional.of(secondUri);
        }

        @Override
        public OptionalLong serverPid() {
            return OptionalLong.of(server.pid());
        }

        /** VmRSS of the server process, from /proc (Linux). */
        @Override
        public OptionalLong serverRssBytes() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(server.pid()), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // not Linux, or the process is gone
            }
            return OptionalLong.empty();
        }

        static int freePort() throws IOException {
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
                    + " (RATE_LIMIT_DISABLE=1), token mode, a second instance on the same database for the events"
                    + " figure; embedded PostgreSQL on loopback with fsync, full-page writes and synchronous commit on";
        }

        @Override
        public void close() {
            second.destroy();
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
