package dev.keel.schema.migrate;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How migrations run: where the files are, which history table records them, and how statements wait
 * for locks.
 *
 * @param historySchema null for the connection's current schema (as Flyway does)
 * @param lockTimeout   lock_timeout for every statement
 * @param lockRetries   tries of a statement (or a migration's transaction) that timed out on a lock
 * @param retryBackoff  wait before the first retry; doubled before each next one
 * @param outOfOrder    apply pending versions older than the newest applied one
 * @param undoRecord    how an undo is written to the history table
 */
public record MigrationSettings(List<Path> locations, String historySchema, String historyTable, Duration lockTimeout,
                                int lockRetries, Duration retryBackoff, boolean outOfOrder, UndoRecord undoRecord) {

    /**
     * How {@code keel undo} records an undone version. Flyway's paid edition writes UNDO_SQL rows, which
     * Flyway's free edition refuses to read ("Unknown migration type 'UNDO_SQL'"); a DELETE row, Flyway's
     * own marker for an applied version that no longer counts, is read by every edition as "undone, pending".
     */
    public enum UndoRecord {
        /** A DELETE row (the default): every Flyway edition reads the history afterwards. */
        DELETE,
        /** An UNDO_SQL row, exactly as Flyway's paid edition: its free edition then cannot read the history. */
        UNDO_SQL
    }

    /** Compact constructor without an undo record: DELETE. */
    public MigrationSettings(List<Path> locations, String historySchema, String historyTable, Duration lockTimeout,
                             int lockRetries, Duration retryBackoff, boolean outOfOrder) {
        this(locations, historySchema, historyTable, lockTimeout, lockRetries, retryBackoff, outOfOrder, UndoRecord.DELETE);
    }

    public static final String DEFAULT_TABLE = "flyway_schema_history";

    public MigrationSettings {
        locations = List.copyOf(Objects.requireNonNull(locations, "null locations"));
        historyTable = historyTable == null || historyTable.isBlank() ? DEFAULT_TABLE : historyTable;
        lockTimeout = lockTimeout == null ? Duration.ofSeconds(5) : lockTimeout;
        if (lockRetries < 1) {
            throw new IllegalArgumentException("lockRetries must be 1 or more, was " + lockRetries);
        }
        retryBackoff = retryBackoff == null ? Duration.ofSeconds(1) : retryBackoff;
        undoRecord = undoRecord == null ? UndoRecord.DELETE : undoRecord;
    }

    /** Defaults: flyway_schema_history in the current schema, lock_timeout 5 s, 5 tries from 1 s back-off. */
    public static MigrationSettings of(List<Path> locations) {
        return new MigrationSettings(locations, null, DEFAULT_TABLE, Duration.ofSeconds(5), 5, Duration.ofSeconds(1),
                false);
    }

    public MigrationSettings withRetryBackoff(Duration backoff) {
        return new MigrationSettings(locations, historySchema, historyTable, lockTimeout, lockRetries, backoff, outOfOrder,
                undoRecord);
    }

    public MigrationSettings withOutOfOrder(boolean value) {
        return new MigrationSettings(locations, historySchema, historyTable, lockTimeout, lockRetries, retryBackoff, value,
                undoRecord);
    }

    public MigrationSettings withUndoRecord(UndoRecord value) {
        return new MigrationSettings(locations, historySchema, historyTable, lockTimeout, lockRetries, retryBackoff,
                outOfOrder, value);
    }

    /** The names of the tables the migrator keeps: the history table and its progress companion. */
    public java.util.Set<String> ownTables() {
        return java.util.Set.of(historyTable, historyTable + "_progress");
    }

    /** The settings keel.yaml's {@code schema} section gives, each checked with its key named. */
    public static MigrationSettings from(dev.keel.core.project.Project project) {
        var s = project.config().schema();
        Duration lockTimeout = s.lockTimeout() == null ? Duration.ofSeconds(5) : parseDuration(s.lockTimeout(),
                project.where("schema.lock-timeout"));
        int retries = s.lockRetries() == null ? 5 : s.lockRetries();
        if (retries < 1) {
            throw new dev.keel.core.ConfigException(project.where("schema.lock-retries") + ": must be 1 or more, was " + retries, null);
        }
        UndoRecord undo = UndoRecord.DELETE;
        if (s.undoRecord() != null) {
            undo = switch (s.undoRecord().strip().toLowerCase(java.util.Locale.ROOT)) {
                case "delete" -> UndoRecord.DELETE;
                case "undo-sql", "undo_sql" -> UndoRecord.UNDO_SQL;
                default -> throw new dev.keel.core.ConfigException(project.where("schema.undo-record") + ": '"
                        + s.undoRecord() + "' is not delete or undo-sql", null);
            };
        }
        return new MigrationSettings(project.migrationLocations(), s.historySchema(), s.historyTable(), lockTimeout,
                retries, Duration.ofSeconds(1), Boolean.TRUE.equals(s.outOfOrder()), undo);
    }

    /** "5s", "500ms", "2min", "1h" or a number of milliseconds. */
    static Duration parseDuration(String text, String where) {
        var m = java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|min|h)?").matcher(text.strip());
        if (!m.matches()) {
            throw new dev.keel.core.ConfigException(where + ": '" + text + "' is not a duration", "write e.g. 5s, 500ms or 2min");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "min" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }
}
