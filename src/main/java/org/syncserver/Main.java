package org.syncserver;

import org.syncserver.cli.ServerCommand;
import org.syncserver.logging.LogSetup;

import java.time.Clock;

/** {@code java -jar sync-server.jar [COMMAND] [OPTIONS]}; {@code --help} lists them. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        ServerCommand command = new ServerCommand(config -> {
            App app = App.start(config, Clock.systemUTC());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                app.close();
                LogSetup.stop(); // writes the log lines still queued
            }, "shutdown"));
        }, System.getenv());
        int exitCode = command.execute(args);
        if (!command.serving()) {
            System.exit(exitCode);
        }
    }
}
