package org.syncserver.sync;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A push body kept to be read a second time: in memory while small, in a temporary file once it passes
 * {@link #IN_MEMORY} bytes, so that a push of 100 MB of photos costs disk rather than heap.
 */
public final class Spool extends OutputStream {

    static final int IN_MEMORY = 1024 * 1024;

    private ByteArrayOutputStream memory = new ByteArrayOutputStream(8192);
    private Path file;
    private OutputStream fileOut;
    private long size;

    @Override
    public void write(int b) throws IOException {
        write(new byte[]{(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] buffer, int offset, int length) throws IOException {
        size += length;
        if (fileOut == null && memory.size() + length > IN_MEMORY) {
            file = Files.createTempFile("sync-server-push-", ".json");
            fileOut = Files.newOutputStream(file);
            memory.writeTo(fileOut);
            memory = null;
        }
        if (fileOut != null) {
            fileOut.write(buffer, offset, length);
        } else {
            memory.write(buffer, offset, length);
        }
    }

    /** Bytes written so far. */
    long size() {
        return size;
    }

    /** A stream of everything written so far; no more is written afterwards. */
    InputStream open() {
        try {
            if (fileOut != null) {
                fileOut.close();
                return Files.newInputStream(file);
            }
            return new ByteArrayInputStream(memory.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            if (fileOut != null) {
                fileOut.close();
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
