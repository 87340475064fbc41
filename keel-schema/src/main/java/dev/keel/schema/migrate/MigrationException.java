package dev.keel.schema.migrate;

import dev.keel.core.KeelException;

/**
 * A migration could not be resolved, validated or applied: names the file (and line when known), with the
 * server's message for a failed statement. Exit code 2 for bad files and configuration, 1 for a failed
 * validation, 3 for a failure while applying.
 */
public class MigrationException extends KeelException {

    /** Exit code of a validation that found problems (DESIGN.md: "the command ran and found ..."). */
    public static final int VALIDATION = 1;

    public MigrationException(String message, String remedy, int exitCode, Throwable cause) {
        super(message, remedy, exitCode, cause);
    }

    static MigrationException badFile(String message, String remedy) {
        return new MigrationException(message, remedy, USAGE, null);
    }
}
