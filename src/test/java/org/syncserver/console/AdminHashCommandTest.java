package org.syncserver.console;

import org.junit.jupiter.api.Test;
import org.syncserver.Main;
import org.syncserver.identity.PasswordHasher;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code admin-hash} prints the Argon2id hash of a secret read from standard input, never from the command line. */
class AdminHashCommandTest {

    private record Run(int exitCode, String stdout, String stderr) {
    }

    @Test
    void theHashOfASecretReadFromStandardInputVerifiesAgainstTheSecret() throws Exception {
        Run run = adminHash(List.of(), "correct horse battery staple\n");

        assertThat(run.exitCode()).isZero();
        String hash = run.stdout().strip();
        assertThat(hash).startsWith("$argon2id$v=19$");
        assertThat(new PasswordHasher().verify("correct horse battery staple", hash, null)).isTrue();
        assertThat(run.stdout() + run.stderr()).doesNotContain("correct horse");
    }

    @Test
    void aSecretOnTheCommandLineOrAShortOneIsRefused() throws Exception {
        Run onCommandLine = adminHash(List.of("correct horse battery staple"), "");
        Run tooShort = adminHash(List.of(), "hunter2\n");

        assertThat(onCommandLine.exitCode()).isNotZero();
        assertThat(onCommandLine.stdout()).doesNotContain("$argon2id$");
        assertThat(tooShort.exitCode()).isEqualTo(1);
        assertThat(tooShort.stderr()).contains("at least 12 characters");
    }

    @Test
    void aNewApiTokenComesWithItsHash() throws Exception {
        Run run = adminHash(List.of("--new-token"), "");

        String[] lines = run.stdout().strip().split("\n");
        String token = lines[0].replace("token:", "").strip();
        String hash = lines[1].replace("hash:", "").strip();
        assertThat(token).hasSize(43);
        assertThat(new PasswordHasher().verify(token, hash, null)).isTrue();
    }

    private static Run adminHash(List<String> arguments, String input) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "admin-hash"));
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).start();
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write(input.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
