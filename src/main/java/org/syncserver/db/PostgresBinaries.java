package org.syncserver.db;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.util.LinuxUtils;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The PostgreSQL programs bundled in the jar (zonky's binary artifacts, one per platform), unpacked once per
 * version into a folder of their own, and the command lines that run them. Only the unpacking of zonky is used:
 * its runner starts PostgreSQL with fsync off and trusts every local connection, which a server must not do.
 */
final class PostgresBinaries {

    private static final Logger log = LoggerFactory.getLogger(PostgresBinaries.class);
    private static final String COMPLETE = ".complete";

    private final Path home;

    private PostgresBinaries(Path home) {
        this.home = home;
    }

    /** The binaries of this machine's platform in {@code folder/VERSION}, unpacked there unless they already are. */
    static PostgresBinaries unpack(Path folder, String version) {
        Path home = folder.resolve(version).toAbsolutePath();
        if (Files.exists(home.resolve(COMPLETE))) {
            return new PostgresBinaries(home);
        }
        try {
            Files.createDirectories(folder);
            Path partial = Files.createTempDirectory(folder, version + ".unpacking-");
            try (InputStream archive = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system(),
                    System.getProperty("os.arch"))) {
                untar(new TarArchiveInputStream(new XZInputStream(archive)), partial);
            }
            Files.createFile(partial.resolve(COMPLETE));
            deleteTree(home);
            Files.move(partial, home, StandardCopyOption.ATOMIC_MOVE);
            log.info("PostgreSQL {} unpacked into {}", version, home);
            removeOtherVersions(folder, home);
            return new PostgresBinaries(home);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot unpack the embedded PostgreSQL into " + folder, e);
        }
    }

    /**
     * The command line of one of the programs. PostgreSQL refuses to run as root; as root on Linux (a container's
     * default) it runs in a user namespace of its own, where it is not root, as zonky does.
     */
    List<String> command(String program, String... args) {
        List<String> command = new ArrayList<>();
        if (LinuxUtils.isUnshareAvailable()) {
            command.addAll(List.of("unshare", "-U"));
        }
        command.add(home.resolve("bin").resolve(program).toString());
        command.addAll(List.of(args));
        return command;
    }

    private static String system() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        if (os.contains("win")) {
            return "Windows";
        }
        return os.contains("mac") ? "Darwin" : "Linux";
    }

    private static void untar(TarArchiveInputStream tar, Path target) throws IOException {
        for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
            Path path = target.resolve(entry.getName()).normalize();
            if (!path.startsWith(target)) {
                throw new IOException("Archive entry outside its folder: " + entry.getName());
            }
            if (entry.isDirectory()) {
                Files.createDirectories(path);
            } else if (entry.isSymbolicLink()) {
                Files.createDirectories(path.getParent());
                Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
            } else {
                Files.createDirectories(path.getParent());
                Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
                if ((entry.getMode() & 0100) != 0 || path.getParent().getFileName().toString().equals("bin")) {
                    path.toFile().setExecutable(true, false);
                }
            }
        }
    }

    /** Binaries of earlier releases take 50 MB each and are never used again. */
    private static void removeOtherVersions(Path folder, Path current) throws IOException {
        try (Stream<Path> versions = Files.list(folder)) {
            for (Path other : versions.filter(path -> !path.equals(current)).toList()) {
                deleteTree(other);
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
