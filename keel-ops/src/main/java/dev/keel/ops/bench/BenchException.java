package dev.keel.ops.bench;

import dev.keel.core.KeelException;

/** A failure of a load test: a bad workload file (exit 2), pgbench missing or failing (exit 3). */
public final class BenchException extends KeelException {

    public BenchException(String message, String remedy, int exitCode, Throwable cause) {
        super(message, remedy, exitCode, cause);
    }

    static BenchException usage(String message, String remedy) {
        return new BenchException(message, remedy, USAGE, null);
    }

    static BenchException runtime(String message, String remedy, Throwable cause) {
        return new BenchException(message, remedy, RUNTIME, cause);
    }
}
