package dev.keel.ops.backup;

import dev.keel.core.KeelException;

/** A backup could not be written, read, verified or rekeyed; the message names the backup, stream and chunk. */
public class BackupException extends KeelException {

    public BackupException(String message, String remedy, int exitCode, Throwable cause) {
        super(message, remedy, exitCode, cause);
    }

    static BackupException runtime(String message, String remedy, Throwable cause) {
        return new BackupException(message, remedy, RUNTIME, cause);
    }

    static BackupException runtime(String message) {
        return new BackupException(message, null, RUNTIME, null);
    }

    static BackupException usage(String message, String remedy) {
        return new BackupException(message, remedy, USAGE, null);
    }
}
