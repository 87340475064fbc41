package dev.keel.schema.migrate;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A migration file found in the project's locations.
 *
 * @param version     null for a repeatable migration
 * @param description as Flyway stores it: the file's description part with underscores as spaces
 * @param script      the file name, as Flyway stores it in the history table's {@code script} column
 * @param checksum    Flyway's CRC32 checksum of the file's lines
 */
public record ResolvedMigration(Kind kind, MigrationVersion version, String description, String script, Path path,
                                int checksum) {

    /** The kinds of migration file. */
    public enum Kind {
        /** {@code V<version>__<description>.sql} */
        VERSIONED,
        /** {@code U<version>__<description>.sql}: reverses the V file of the same version */
        UNDO,
        /** {@code R__<description>.sql}: re-applied whenever its checksum changes */
        REPEATABLE
    }

    public ResolvedMigration {
        Objects.requireNonNull(kind, "null kind");
        Objects.requireNonNull(description, "null description");
        Objects.requireNonNull(script, "null script");
        Objects.requireNonNull(path, "null path");
        if ((version == null) != (kind == Kind.REPEATABLE)) {
            throw new IllegalArgumentException("versioned and undo migrations have a version, repeatables do not");
        }
    }
}
