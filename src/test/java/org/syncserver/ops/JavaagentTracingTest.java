package org.syncserver.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.io.TempDir;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.ServerProcess;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestPostgres;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server run as README "Tracing" says, with the OpenTelemetry javaagent (target/otel/, from Maven Central), sends
 * a sync's spans to an OTLP receiver, and its JSON access log lines name the traces it sent. The receiver only
 * collects what arrives: names and ids are found in the protobuf bodies as they are (strings as UTF-8, ids as bytes).
 */
@Isolated // a JVM with the agent starts slowly on a busy machine: not beside other test classes
class JavaagentTracingTest {

    private static final Path AGENT = Path.of("target/otel/opentelemetry-javaagent.jar");

    @TempDir
    Path dir;

    @Test
    void aSyncsSpansReachTheCollectorAndItsLogLinesNameTheirTraces() throws Exception {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        HttpServer collector = otlpReceiver(received);
        RealmConfig realm = TestPostgres.newRealm("default");
        Path config = Files.writeString(dir.resolve("config.json"),
                "{\"db\":{\"realms\":{\"default\":\"" + TestPostgres.url(realm) + "\"}}}");
        Path log = Files.createDirectories(Path.of("target/javaagent-test")).resolve("server.log");
        Files.deleteIfExists(log);
        Map<String, String> environment = Map.of(
                "JAVA_TOOL_OPTIONS", "-javaagent:" + AGENT.toAbsolutePath(),
                "OTEL_SERVICE_NAME", "sync-server-under-test",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + collector.getAddress().getPort(),
                "OTEL_SEMCONV_STABILITY_OPT_IN", "database",
                "OTEL_METRICS_EXPORTER", "none",
                "OTEL_LOGS_EXPORTER", "none",
                "OTEL_BSP_SCHEDULE_DELAY", "100",
                "LOG_FORMAT", "json");
        try (ServerProcess server = ServerProcess.start(log, environment, "--config", config.toString())) {
            Accounts accounts = new Accounts(server.client());
            SyncDevice phone = new SyncDevice(server.client(),
                    accounts.device("default", "agent@example.com", "pw", true), false);
            phone.insert(Map.of("title", "traced"));
            phone.sync();
            awaitSpans(received, "sync.push");
        } finally {
            collector.stop(0);
        }

        String spans = new String(received.toByteArray(), StandardCharsets.ISO_8859_1);
        assertThat(spans).contains("sync-server-under-test", "org.syncserver", "sync.pull", "sync.lock", "sync.read",
                "sync.push", "sync.store", "POST /push/{realm}", "sync.lock.wait_ms", "db.query.text");
        List<JsonNode> pushLines = accessLines(log).stream()
                .filter(line -> line.get("formattedMessage").asText().startsWith("POST /push/")).toList();
        assertThat(pushLines).hasSize(1);
        String traceId = pushLines.getFirst().get("mdc").get("trace_id").asText();
        assertThat(spans).as("the push's trace, named by its log line").contains(bytesOf(traceId));
    }

    /** POST /v1/traces, answered 200 with an empty ExportTraceServiceResponse; the bodies are kept. */
    private static HttpServer otlpReceiver(ByteArrayOutputStream received) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/traces", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            synchronized (received) {
                received.writeBytes(body);
            }
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static void awaitSpans(ByteArrayOutputStream received, String name) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            synchronized (received) {
                if (new String(received.toByteArray(), StandardCharsets.ISO_8859_1).contains(name)) {
                    return;
                }
            }
            Thread.sleep(100);
        }
    }

    private static List<JsonNode> accessLines(Path log) throws IOException {
        ObjectMapper json = new ObjectMapper();
        return Files.readAllLines(log).stream().filter(line -> line.startsWith("{\"timestamp\""))
                .map(line -> {
                    try {
                        return json.readTree(line);
                    } catch (IOException e) {
                        throw new IllegalStateException(line, e);
                    }
                })
                .filter(line -> line.get("loggerName").asText().equals("access")).toList();
    }

    /** A hex id as the raw bytes protobuf carries, in the same one-char-per-byte string as the bodies. */
    private static String bytesOf(String hexId) {
        return new String(HexFormat.of().parseHex(hexId), StandardCharsets.ISO_8859_1);
    }
}
