package dev.keel.schema.migrate;

import java.time.Instant;

/**
 * One row of the history table ({@code flyway_schema_history}), as Flyway writes it.
 *
 * @param installedRank the row's rank: the order in which things happened
 * @param version       null for repeatables and the schema marker
 * @param type          SQL, BASELINE, SCHEMA, UNDO_SQL, DELETE, ... (Flyway's MigrationType names)
 * @param checksum      null for baselines and markers
 * @param executionTime milliseconds
 */
public record AppliedMigration(int installedRank, MigrationVersion version, String description, String type,
                               String script, Integer checksum, String installedBy, Instant installedOn,
                               int executionTime, boolean success) {

    /** An undo: Flyway's UNDO_SQL, or the DELETE row Keel writes for an undo (its script is the U file). */
    public boolean isUndo() {
        return type.startsWith("UNDO") || (type.equals("DELETE") && script.matches("U[^_].*__.*\\.sql"));
    }

    public boolean isBaseline() {
        return type.equals("BASELINE");
    }

    /** A versioned migration's own row (not a baseline, undo, marker or deletion). */
    public boolean isVersionedMigration() {
        return version != null && !isUndo() && !isBaseline() && !type.equals("DELETE") && !type.equals("SCHEMA");
    }
}
