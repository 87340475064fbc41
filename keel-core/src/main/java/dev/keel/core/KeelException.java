package dev.keel.core;

import java.util.Optional;

/**
 * The root of Keel's unchecked exceptions. Each carries what a user needs to act: a one-line message,
 * an optional remedy, and the exit code the CLI turns it into (2 bad usage or configuration, 3 runtime
 * failure). Engines subclass it per area.
 */
public class KeelException extends RuntimeException {

    /** Exit code for bad usage or bad configuration. */
    public static final int USAGE = 2;
    /** Exit code for a runtime failure: cannot connect, server error, missing tool. */
    public static final int RUNTIME = 3;

    private final String remedy;
    private final int exitCode;

    public KeelException(String message, String remedy, int exitCode, Throwable cause) {
        super(message, cause);
        this.remedy = remedy;
        this.exitCode = exitCode;
    }

    public KeelException(String message, Throwable cause) {
        this(message, null, RUNTIME, cause);
    }

    public KeelException(String message) {
        this(message, null, RUNTIME, null);
    }

    /** What the user can do about it, when Keel knows. */
    public Optional<String> remedy() {
        return Optional.ofNullable(remedy);
    }

    public int exitCode() {
        return exitCode;
    }
}
