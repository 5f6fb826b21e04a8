package org.syncserver.cli;

import org.syncserver.identity.PasswordHasher;
import org.syncserver.identity.Secrets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * {@code admin-hash}: prints the Argon2id hash of one secret for config.json's {@code admin} block. The secret is read
 * from standard input (or typed, unechoed, at a terminal), never from the command line, where {@code ps} and the
 * shell's history would show it.
 */
@Command(name = "admin-hash", mixinStandardHelpOptions = true,
        description = {"Print the Argon2id hash of a secret read from standard input, for admin.operators or "
                + "admin.apiTokens in config.json.",
                "Example: java -jar sync-server.jar admin-hash < password-file"})
final class AdminHashCommand implements Callable<Integer> {

    /** Shorter operator passwords are refused: the console can delete every user's data. */
    static final int MIN_LENGTH = 12;

    @Option(names = "--new-token", description = "Make a random API token instead of reading a secret: prints the "
            + "token (give it to the script) and its hash (put it in admin.apiTokens).")
    boolean newToken;

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;

    @Override
    public Integer call() throws IOException {
        if (newToken) {
            String token = Secrets.randomToken();
            out.println("token: " + token);
            out.println("hash:  " + new PasswordHasher().hash(token).hash());
            return 0;
        }
        String secret = readSecret();
        if (secret == null || secret.length() < MIN_LENGTH) {
            err.println("admin-hash: the secret must be at least " + MIN_LENGTH + " characters (read from standard input)");
            return 1;
        }
        out.println(new PasswordHasher().hash(secret).hash());
        return 0;
    }

    private static String readSecret() throws IOException {
        Console console = System.console();
        if (console != null) { // Java 21: null unless both input and output are a terminal
            char[] typed = console.readPassword("Secret (not shown): ");
            return typed == null ? null : new String(typed);
        }
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        return line == null ? null : line.replace("\r", "");
    }
}
