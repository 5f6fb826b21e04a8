package org.syncserver;

import org.syncserver.cli.ServerCommand;

import java.time.Clock;

/** {@code java -jar sync-server.jar [COMMAND] [OPTIONS]}; {@code --help} lists them. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        ServerCommand command = new ServerCommand(config -> {
            App app = App.start(config, Clock.systemUTC());
            Runtime.getRuntime().addShutdownHook(new Thread(app::close, "shutdown"));
        }, System.getenv());
        int exitCode = command.execute(args);
        if (!command.serving()) {
            System.exit(exitCode);
        }
    }
}
