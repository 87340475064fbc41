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

    /** As {@code keel info --json} prints one migration: version, description, type, script, state, installedOn, ... */
    public java.util.Map<String, Object> toMap() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("version", version == null ? null : version.toString());
        m.put("description", description);
        m.put("type", type);
        m.put("script", script);
        m.put("state", state.label());
        m.put("installedOn", installedOn == null ? null : installedOn.toString());
        m.put("executionTime", executionTime);
        m.put("checksum", checksum);
        return m;
    }

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
