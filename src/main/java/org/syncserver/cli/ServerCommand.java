package org.syncserver.cli;

import org.syncserver.config.Config;
import org.syncserver.config.ConfigException;
import org.syncserver.config.ConfigLoader;
import org.syncserver.db.EmbeddedDatabaseException;
import org.syncserver.logging.LogSetup;
import org.syncserver.version.BuildInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/**
 * {@code java -jar sync-server.jar [serve|migrate|check-config|admin-hash|backup|restore] [--config FILE] [--data-dir DIR]}: the command
 * line, on picocli. Serving is the default; the other commands run and exit with their code.
 */
@Command(name = "sync-server", mixinStandardHelpOptions = true, versionProvider = ServerCommand.Version.class,
        subcommands = {ServerCommand.Serve.class, ServerCommand.Migrate.class, ServerCommand.CheckConfig.class,
                AdminHashCommand.class, ServerCommand.Backup.class, RestoreCommand.class},
        description = "Keeps the SQLite databases of an app's devices in sync (the sync_client protocol).",
        footer = {"", "Environment: PORT (default 3000) and HOST (default 0.0.0.0) win over server.port and "
                + "server.host; LOG_FORMAT (text or json) and LOG_LEVEL (trace, debug, info, warn, error); "
                + "RATE_LIMIT_DISABLE=1; and any variable that config.json names as $${NAME} (or $${NAME:-default}) "
                + "in a string value."})
public final class ServerCommand implements Callable<Integer> {

    /** Exit code of a configuration that cannot be used. */
    public static final int BAD_CONFIGURATION = 2;

    @Mixin
    ConfigOptions options;

    /** Starts the server: given by the wiring, so that this package does not depend on it. */
    private final Consumer<Config> starter;
    private final Map<String, String> environment;
    private boolean serving;

    public ServerCommand(Consumer<Config> starter, Map<String, String> environment) {
        this.starter = starter;
        this.environment = environment;
    }

    /** Parses the arguments and runs the command. @return the exit code; ignore it when {@link #serving()} */
    public int execute(String... args) {
        return new CommandLine(this).execute(args);
    }

    /** Whether the server was started, and keeps the process alive. */
    public boolean serving() {
        return serving;
    }

    @Override
    public Integer call() {
        return withConfig(options, this::start);
    }

    private int start(Config config) {
        LogSetup.apply(config.logging());
        starter.accept(config);
        serving = true;
        return 0;
    }

    private int withConfig(ConfigOptions with, ToIntFunction<Config> command) {
        Config config;
        try {
            config = new ConfigLoader(environment).load(Optional.ofNullable(with.configFile), Path.of("config.json"),
                    with.dataDir);
        } catch (ConfigException e) {
            System.err.println("Configuration error: " + e.getMessage());
            return BAD_CONFIGURATION;
        }
        try {
            return command.applyAsInt(config);
        } catch (EmbeddedDatabaseException e) {
            System.err.println("Cannot start the embedded PostgreSQL: " + e.getMessage());
            return 1;
        }
    }

    /** {@code --config} and {@code --data-dir}, for every command. */
    static final class ConfigOptions {
        @Option(names = "--config", paramLabel = "FILE", description = "configuration in the Node server's "
                + "config.json format (default: ./config.json). Without any, the server runs on an embedded PostgreSQL.")
        Path configFile;

        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data",
                description = "where the embedded PostgreSQL keeps its data (default: ${DEFAULT-VALUE})")
        Path dataDir;
    }

    /** A subcommand: the shared options, and what to do with the configuration they name. */
    abstract static class Subcommand implements Callable<Integer> {
        @CommandLine.ParentCommand
        ServerCommand parent;
        @Mixin
        ConfigOptions options;

        @Override
        public Integer call() {
            return parent.withConfig(options, this::run);
        }

        abstract int run(Config config);
    }

    @Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the server (the default).")
    static final class Serve extends Subcommand {
        @Override
        int run(Config config) {
            return parent.start(config);
        }
    }

    @Command(name = "migrate", mixinStandardHelpOptions = true,
            description = "Bring every realm database to the current schema, then exit.")
    static final class Migrate extends Subcommand {
        @Override
        int run(Config config) {
            return new Commands(System.out, BuildInfo.load()).migrate(config);
        }
    }

    @Command(name = "check-config", mixinStandardHelpOptions = true,
            description = {"Validate the configuration and try every realm database and the SMTP server.",
                    "Exit code 0 when all is well, 1 when something failed, 2 for a bad configuration."})
    static final class CheckConfig extends Subcommand {
        @Override
        int run(Config config) {
            return new Commands(System.out, BuildInfo.load()).checkConfig(config);
        }
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = {"Take one base backup of the embedded database now into backup.dir, and verify it.",
                    "Beside a running server, through its PostgreSQL; otherwise PostgreSQL is started for it."})
    static final class Backup extends Subcommand {
        @Override
        int run(Config config) {
            return new Commands(System.out, BuildInfo.load()).backup(config);
        }
    }

    /** {@code --version}: the release, the commit and the embedded PostgreSQL. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {BuildInfo.load().describe()};
        }
    }
}
