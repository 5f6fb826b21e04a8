package org.syncserver;

import org.syncserver.bench.BenchCommand;
import org.syncserver.config.Config;
import org.syncserver.config.ConfigException;
import org.syncserver.config.ConfigLoader;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/** {@code java -jar sync-server.jar [--config FILE] [--data-dir DIR]}: loads the configuration and starts the app. */
public final class Main {

    private static final String USAGE = """
            Usage: java -jar sync-server.jar [--config FILE] [--data-dir DIR]
                   java -jar sync-server.jar bench --help

              --config FILE    configuration in the Node server's config.json format (default: ./config.json).
                               Without any configuration file the server runs on an embedded PostgreSQL.
              --data-dir DIR   where the embedded PostgreSQL keeps its data (default: ./data)

            Environment: PORT (default 3000, wins over server.port), RATE_LIMIT_DISABLE=1
            """;

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("bench")) {
            BenchCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        Optional<Path> configFile = Optional.empty();
        Path dataDir = Path.of("data");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> configFile = Optional.of(Path.of(value(args, ++i)));
                case "--data-dir" -> dataDir = Path.of(value(args, ++i));
                case "--help", "-h" -> {
                    System.out.print(USAGE);
                    return;
                }
                default -> fail("Unknown argument: " + args[i]);
            }
        }
        Config config;
        try {
            config = new ConfigLoader(System.getenv()).load(configFile, Path.of("config.json"), dataDir);
        } catch (ConfigException e) {
            fail("Configuration error: " + e.getMessage());
            return;
        }
        App app = App.start(config, Clock.systemUTC());
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "shutdown"));
    }

    private static String value(String[] args, int index) {
        if (index >= args.length) {
            fail("Missing value for " + args[index - 1]);
        }
        return args[index];
    }

    private static void fail(String message) {
        System.err.println(message);
        System.err.print(USAGE);
        System.exit(2);
    }
}
