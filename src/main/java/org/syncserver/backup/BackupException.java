package org.syncserver.backup;

/** A backup that could not be taken or verified, or a restore that could not be made: the message says why. */
public final class BackupException extends RuntimeException {
    public BackupException(String message) {
        super(message);
    }

    public BackupException(String message, Throwable cause) {
        super(message, cause);
    }
}
