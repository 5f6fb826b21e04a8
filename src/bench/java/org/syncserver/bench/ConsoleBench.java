package org.syncserver.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.syncserver.identity.PasswordHasher;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * {@code bin/bench --console}: the operator console on a big realm (1,000,000 users, 10,000,000 rows by default),
 * seeded straight into the database, then the API's search, user and overview pages timed over HTTP with an API
 * token. Target (#16): a user search page in under 100 ms.
 */
final class ConsoleBench {

    static final String API_TOKEN = "console-bench-token-0123456789abcdef";
    private static final int WARM_UP_CALLS = 5;
    private static final int TIMED_CALLS = 31;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One timed API call: its median and 95th percentile over the timed calls, and how many users it listed. */
    record Timing(String name, String path, int listed, double medianMs, double p95Ms) {
    }

    record Result(int users, long rows, Duration seeding, List<Timing> timings) {
    }

    private ConsoleBench() {
    }

    /** Starts PostgreSQL (fsync on) and the server jar with its console, seeds, measures, writes the report. */
    static void runLocal(Path jar, int users, int rowsPerUser, Path out, String machine) throws Exception {
        Path log = Path.of("target", "bench-console-server.log").toAbsolutePath();
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on").setServerConfig("max_wal_size", "4GB").start()) {
            int port = BenchEnvironment.Local.freePort();
            int consolePort = BenchEnvironment.Local.freePort();
            Path config = Files.createTempFile("sync-server-console-bench", ".json");
            Files.writeString(config, """
                    {"server": {"port": %d},
                     "db": {"realms": {"default": "postgresql://postgres@127.0.0.1:%d/postgres"}},
                     "admin": {"port": %d, "apiTokens": ["%s"]}}
                    """.formatted(port, postgres.getPort(), consolePort, new PasswordHasher().hash(API_TOKEN).hash()));
            Process server = BenchEnvironment.Local.startServer(jar, List.of("-Xmx256m"), config, log);
            try {
                BenchEnvironment.Local.awaitStarted(URI.create("http://127.0.0.1:" + port), server, log);
                BenchDatabase database = new BenchDatabase(postgres.getJdbcUrl("postgres", "postgres"), "postgres", null);
                long started = System.nanoTime();
                seed(database, users, rowsPerUser, System.out::println);
                Duration seeding = Duration.ofNanos(System.nanoTime() - started);
                Result result = measure(URI.create("http://127.0.0.1:" + consolePort), "default", users, seeding,
                        step -> System.out.println("Measuring " + step));
                Files.writeString(out, markdown(result, machine + "\n- PostgreSQL version: " + serverVersion(database)));
                System.out.print(Files.readString(out));
            } finally {
                server.destroy();
                server.waitFor();
            }
        }
    }

    /**
     * Users {@code person<n>.<hash>@example<n % 500>.com}, each with one device and {@code rowsPerUser} rows, in
     * batches of 100,000 users; then ANALYZE, as autovacuum would after such a load.
     */
    static void seed(BenchDatabase database, int users, int rowsPerUser, Consumer<String> progress) throws SQLException {
        String usersSql = """
                INSERT INTO users (id, name, email, password, salt, language)
                SELECT md5('user' || g)::uuid, 'Person ' || g,
                       'person' || g || '.' || substr(md5(g::text), 1, 6) || '@example' || (g % 500) || '.com',
                       'not a real hash', '', 'en'
                  FROM generate_series(?, ?) g
                """;
        String devicesSql = """
                INSERT INTO user_clients (clientid, userid, lastsync, last_sync_at, clientdetails)
                SELECT md5('device' || g)::uuid, md5('user' || g)::uuid, 0, 1700000000000 + g,
                       '{"name": "Pixel 8", "systemName": "ANDROID"}'
                  FROM generate_series(?, ?) g
                """;
        String rowsSql = """
                INSERT INTO sync_rows (userid, rowguid, tablename, operation, clientid, clientdate, serverdate, json)
                SELECT md5('user' || g)::uuid, md5('row' || g || '.' || r)::uuid, 'todos', 'I',
                       md5('device' || g)::uuid, 1700000000000 + r, r, '{"title": "a row", "done": false}'
                  FROM generate_series(?, ?) g, generate_series(1, ?) r
                """;
        int batch = 100_000;
        try (Connection connection = database.connect()) {
            for (int from = 1; from <= users; from += batch) {
                int to = Math.min(users, from + batch - 1);
                run(connection, usersSql, from, to, -1);
                run(connection, devicesSql, from, to, -1);
                run(connection, rowsSql, from, to, rowsPerUser);
                progress.accept("Seeded users " + from + "–" + to);
            }
            try (Statement analyze = connection.createStatement()) {
                analyze.execute("ANALYZE users");
                analyze.execute("ANALYZE user_clients");
                analyze.execute("ANALYZE sync_rows");
            }
        }
    }

    private static void run(Connection connection, String sql, int from, int to, int rowsPerUser) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setInt(1, from);
            statement.setInt(2, to);
            if (rowsPerUser > 0) {
                statement.setInt(3, rowsPerUser);
            }
            statement.executeUpdate();
        }
    }

    /** Times each page of the API, after warming it up; the users seeded by {@link #seed}. */
    static Result measure(URI console, String realm, int users, Duration seeding, Consumer<String> progress)
            throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        int someone = users / 2 + 7;
        String base = "/api/realms/" + realm;
        String rare = "person" + someone + ".";
        String deepCursor = middleCursor(http, console, base + "/users?limit=1&q=" + url("person" + someone / 10));
        List<String[]> queries = List.of(
                new String[] {"search, a part only one user has", base + "/users?q=" + rare},
                new String[] {"search, a part 0.2 % have (one domain)", base + "/users?q=" + url("@example42.com")},
                new String[] {"search, a part every user has", base + "/users?q=example"},
                new String[] {"search, no part: first page", base + "/users"},
                new String[] {"search, no part: a page in the middle", base + "/users?after=" + url(deepCursor)},
                new String[] {"user page (devices, rows per table, conflicts)", base + "/users/" + userId(http, console,
                        base + "/users?q=" + rare)},
                new String[] {"realms overview (counts, estimated beyond 10,000)", "/api/realms"});
        long rows = 0;
        List<Timing> timings = new ArrayList<>();
        for (String[] query : queries) {
            progress.accept(query[0]);
            for (int i = 0; i < WARM_UP_CALLS; i++) {
                call(http, console, query[1]);
            }
            double[] ms = new double[TIMED_CALLS];
            JsonNode last = null;
            for (int i = 0; i < TIMED_CALLS; i++) {
                long started = System.nanoTime();
                last = call(http, console, query[1]);
                ms[i] = (System.nanoTime() - started) / 1e6;
            }
            Arrays.sort(ms);
            if (query[1].equals("/api/realms")) {
                rows = last.get(0).get("rows").asLong();
            }
            timings.add(new Timing(query[0], query[1], last.has("users") ? last.get("users").size() : 1,
                    ms[ms.length / 2], ms[(int) Math.ceil(ms.length * 0.95) - 1]));
        }
        return new Result(users, rows, seeding, timings);
    }

    static String markdown(Result result, String machine) {
        StringBuilder out = new StringBuilder();
        out.append("# Operator console on a big realm\n\n");
        out.append("Written by `bin/bench --console`. ").append(String.format(Locale.ROOT, "%,d", result.users()))
                .append(" users, each with one device and rows (").append(String.format(Locale.ROOT, "%,d",
                        result.rows())).append(" rows as the overview reports them), seeded in ")
                .append(result.seeding().toSeconds()).append(" s straight into PostgreSQL (fsync on), then ANALYZE. "
                        + "Each API call below ran " + WARM_UP_CALLS + " times to warm up, then " + TIMED_CALLS
                        + " times timed, one after the other, over HTTP with an API token (the server JVM -Xmx256m, "
                        + "the client and PostgreSQL on the same machine). Target: a user search page under 100 ms.\n\n");
        out.append(machine).append("\n\n");
        out.append("| call | users listed | median ms | p95 ms |\n|---|---:|---:|---:|\n");
        for (Timing timing : result.timings()) {
            out.append(String.format(Locale.ROOT, "| %s (`%s`) | %d | %.1f | %.1f |%n", timing.name(),
                    timing.path().replaceAll("after=[^&]+", "after=…"), timing.listed(), timing.medianMs(),
                    timing.p95Ms()));
        }
        return out.toString();
    }

    /**
     * A cursor the server gave out in the middle of the e-mail order: the first page, one user long, of a search for
     * a part several users near the middle share. Cursors encode a place in the order, whatever the search.
     */
    private static String middleCursor(HttpClient http, URI console, String path) throws IOException, InterruptedException {
        JsonNode next = call(http, console, path).get("next");
        if (next == null || next.isNull()) {
            throw new IllegalStateException(path + " gave no next page: too few users seeded");
        }
        return next.asText();
    }

    private static String userId(HttpClient http, URI console, String searchPath) throws IOException, InterruptedException {
        return call(http, console, searchPath).get("users").get(0).get("id").asText();
    }

    private static JsonNode call(HttpClient http, URI console, String path) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(console.resolve(path))
                .header("Authorization", "Bearer " + API_TOKEN).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(path + " answered " + response.statusCode() + ": "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        return JSON.readTree(response.body());
    }

    private static String serverVersion(BenchDatabase database) throws SQLException {
        try (Connection connection = database.connect(); Statement statement = connection.createStatement();
             java.sql.ResultSet rows = statement.executeQuery("SHOW server_version")) {
            return rows.next() ? rows.getString(1) : "unknown";
        }
    }

    private static String url(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
