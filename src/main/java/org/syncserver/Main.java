package org.syncserver;

import org.syncserver.bench.BenchCommand;
import org.syncserver.config.Config;
import org.syncserver.config.ConfigException;
import org.syncserver.config.ConfigLoader;
import org.syncserver.db.EmbeddedDatabaseException;
import org.syncserver.logging.LogSetup;
import org.syncserver.cli.Commands;
import org.syncserver.version.BuildInfo;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;

/** {@code java -jar sync-server.jar [COMMAND] [--config FILE] [--data-dir DIR]}: loads the configuration and runs. */
public final class Main {

    private static final String USAGE = """
            Usage: java -jar sync-server.jar [COMMAND] [--config FILE] [--data-dir DIR]

            Commands:
              serve          run the server (the default)
              migrate        bring every realm database to the current schema, then exit
              check-config   validate the configuration and try every realm database and the SMTP server;
                             exit code 0 when all is well, 1 when something failed, 2 for a bad configuration
              bench          run the benchmark (java -jar sync-server.jar bench --help)

            Options:
              --config FILE    configuration in the Node server's config.json format (default: ./config.json).
                               Without any configuration file the server runs on an embedded PostgreSQL.
              --data-dir DIR   where the embedded PostgreSQL keeps its data (default: ./data)
              --version        print the version, the commit and the embedded PostgreSQL version

            Environment: PORT (default 3000) and HOST (default 0.0.0.0), winning over server.port and server.host;
            LOG_FORMAT (text or json) and LOG_LEVEL (trace, debug, info, warn, error); RATE_LIMIT_DISABLE=1;
            and any variable that config.json names as ${NAME} (or ${NAME:-default}) in a string value
            """;

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length > 0 && !args[0].startsWith("-") ? args[0] : "serve";
        String[] options = command.equals("serve") && (args.length == 0 || args[0].startsWith("-"))
                ? args : Arrays.copyOfRange(args, 1, args.length);
        if (command.equals("bench")) {
            BenchCommand.run(options);
            return;
        }
        BuildInfo build = BuildInfo.load();
        Optional<Path> configFile = Optional.empty();
        Path dataDir = Path.of("data");
        for (int i = 0; i < options.length; i++) {
            switch (options[i]) {
                case "--config" -> configFile = Optional.of(Path.of(value(options, ++i)));
                case "--data-dir" -> dataDir = Path.of(value(options, ++i));
                case "--help", "-h" -> {
                    System.out.print(USAGE);
                    return;
                }
                case "--version", "-V" -> {
                    System.out.println(build.describe());
                    return;
                }
                default -> fail("Unknown argument: " + options[i]);
            }
        }
        Config config;
        try {
            config = new ConfigLoader(System.getenv()).load(configFile, Path.of("config.json"), dataDir);
        } catch (ConfigException e) {
            fail("Configuration error: " + e.getMessage());
            return;
        }
        LogSetup.apply(config.logging());
        try {
            switch (command) {
                case "serve" -> {
                    App app = App.start(config, Clock.systemUTC());
                    Runtime.getRuntime().addShutdownHook(new Thread(app::close, "shutdown"));
                }
                case "migrate" -> System.exit(new Commands(System.out, build).migrate(config));
                case "check-config" -> System.exit(new Commands(System.out, build).checkConfig(config));
                default -> fail("Unknown command: " + command);
            }
        } catch (EmbeddedDatabaseException e) {
            System.err.println("Cannot start the embedded PostgreSQL: " + e.getMessage());
            System.exit(1);
        }
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
