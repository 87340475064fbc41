package dev.keel.schema.migrate;

import java.time.Instant;

/**
 * One line of {@code keel info}: a migration file, a history row, or both, and its state.
 *
 * @param script      file name (or the history's script for a missing file)
 * @param installedOn null when not applied
 */
public record MigrationState(MigrationVersion version, String description, String type, String script,
                             State state, Instant installedOn, Integer executionTime, Integer checksum) {

    /** Flyway's migration states, in the words {@code keel info} prints. */
    public enum State {
        PENDING("Pending"), SUCCESS("Success"), FAILED("Failed"), MISSING("Missing"), BASELINE("Baseline"),
        BELOW_BASELINE("Below Baseline"), IGNORED("Ignored"), FUTURE("Future"), OUTDATED("Outdated"),
        UNDONE("Undone"), SUPERSEDED("Superseded");

        private final String label;

        State(String label) {
            this.label = label;
        }

        @com.fasterxml.jackson.annotation.JsonValue
        public String label() {
            return label;
        }
    }
}
