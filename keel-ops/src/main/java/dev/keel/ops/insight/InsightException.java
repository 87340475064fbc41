package dev.keel.ops.insight;

import dev.keel.core.KeelException;

/** A failure of an insight check, such as a statement PostgreSQL cannot plan. */
public final class InsightException extends KeelException {

    public InsightException(String message, String remedy, int exitCode, Throwable cause) {
        super(message, remedy, exitCode, cause);
    }
}
