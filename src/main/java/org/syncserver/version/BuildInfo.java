package org.syncserver.version;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What was built: the release version, the commit it was built from and the PostgreSQL of the embedded database.
 * Maven writes them into {@code build-info.properties}; a build outside a git checkout has the commit "unknown".
 *
 * @param postgres version of the embedded PostgreSQL binaries, e.g. {@code 18.4.0}
 */
public record BuildInfo(String version, String commit, String postgres) {

    private static final String RESOURCE = "/org/syncserver/build-info.properties";

    public static BuildInfo load() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String commit = filtered(properties, "commit");
        if (!commit.equals("unknown") && "true".equals(properties.getProperty("dirty"))) {
            commit += "-dirty";
        }
        return new BuildInfo(filtered(properties, "version"), commit, filtered(properties, "postgres"));
    }

    /** The major version of the embedded PostgreSQL, which decides whether a data folder can be opened. */
    public int postgresMajor() {
        return Integer.parseInt(postgres.substring(0, postgres.indexOf('.')));
    }

    /** One line for {@code --version} and the start-up log. */
    public String describe() {
        return "Sync Server " + version + " (commit " + commit + ", embedded PostgreSQL " + postgres + ")";
    }

    /** A value Maven did not fill in (an IDE build without resource filtering) reads as "unknown". */
    private static String filtered(Properties properties, String key) {
        String value = properties.getProperty(key, "unknown");
        return value.startsWith("${") || value.isBlank() ? "unknown" : value;
    }
}
