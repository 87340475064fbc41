package dev.keel.embedded;

/**
 * Thrown when the embedded PostgreSQL cannot be located, initialised, started or stopped. The message is
 * one line naming what failed and where; the remedy says what to do.
 */
public class EmbeddedException extends RuntimeException {

    private final String remedy;

    public EmbeddedException(String message, String remedy, Throwable cause) {
        super(message, cause);
        this.remedy = remedy;
    }

    public EmbeddedException(String message, String remedy) {
        this(message, remedy, null);
    }

    /** What the user can do about it; may be null. */
    public String remedy() {
        return remedy;
    }
}
