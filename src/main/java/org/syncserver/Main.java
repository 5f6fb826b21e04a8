package org.syncserver;

import io.opentelemetry.api.GlobalOpenTelemetry;
import org.syncserver.cli.ServerCommand;
import org.syncserver.logging.LogSetup;

import java.time.Clock;

/** {@code java -jar sync-server.jar [COMMAND] [OPTIONS]}; {@code --help} lists them. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        ServerCommand command = new ServerCommand(config -> {
            // The javaagent's OpenTelemetry when the server runs with it (the agent sets it before main), else the
            // API's no-op (README "Tracing"). Not get(): that would look for an SDK to configure from the environment.
            App app = App.start(config, Clock.systemUTC(), GlobalOpenTelemetry.getOrNoop());
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
