package dev.keel.ops.insight;

/** The outcome of one health check, worst last; a skipped check does not count towards the overall status. */
public enum HealthStatus {
    SKIPPED, OK, WARN, FAIL;

    /** The lowercase name used in output: ok, warn, fail, skipped. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
