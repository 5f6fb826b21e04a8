package org.syncserver.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.ServerProcess;
import org.syncserver.support.TestPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Realm URLs as people write them, with passwords that are not percent-encoded and full of the characters a URL
 * gives meaning to: whatever fails, the server and check-config name the host and port and what went wrong, and
 * no log line holds a piece of any password.
 */
class DatabaseUrlSecrecyTest {

    private static final List<String> PASSWORDS = List.of("Xq@ss#wo?rd/9", "Kv:8@h%ZZ#!&=+?Lm", "Tz/@@?#Yp%Wq;Ju");

    @TempDir
    Path dir;

    @Test
    void unreachableRealmsAreLoggedWithTheirHostAndPortAndWithoutAPieceOfTheirPasswords() throws IOException {
        int closedPort = ServerProcess.freePort();
        Path log = dir.resolve("server.log");
        Path config = config(closedPort);

        try (ServerProcess server = ServerProcess.startLive(log, Map.of(), "--config", config.toString())) {
            assertThat(server.client().get("/readyz").status()).isEqualTo(503);
        }
        assertThat(ServerProcess.run(log, "check-config", "--config", config.toString())).isEqualTo(1);

        String output = Files.readString(log);
        assertThat(output).contains("realm lost: database not reachable", "database at nohost.invalid:5432: unknown host")
                .contains("realm refused: FAILED: database at 127.0.0.1:" + closedPort + ": connection refused")
                .contains("realm working: database reached");
        PASSWORDS.forEach(password -> assertThat(output).doesNotContain(piecesOf(password)));
    }

    private Path config(int closedPort) throws IOException {
        RealmConfig working = TestPostgres.newRealm("working");
        String workingUrl = TestPostgres.url(working).replace("postgresql://postgres@",
                "postgresql://postgres:" + PASSWORDS.get(2) + "@");
        return Files.writeString(dir.resolve("config.json"), """
                {"db": {"realms": {
                  "lost": "postgresql://sync:%s@nohost.invalid:5432/sync",
                  "refused": {"connectionString": "postgresql://sync:%s@127.0.0.1:%d/sync", "pool": {"max": 2}},
                  "working": "%s"}}}""".formatted(PASSWORDS.get(0), PASSWORDS.get(1), closedPort, workingUrl));
    }

    /** Every run of four characters of the password: enough to be a clue, too long to occur by chance. */
    private static String[] piecesOf(String password) {
        return IntStream.rangeClosed(0, password.length() - 4).mapToObj(i -> password.substring(i, i + 4))
                .toArray(String[]::new);
    }
}
