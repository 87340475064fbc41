package dev.keel.schema.measure;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one migration statement really did when {@link StatementProbe} ran it on a scratch copy of the
 * schema: the locks it held, the relations it rewrote, the tables it read in full, and how long it took.
 * Only relations that existed before the statement count; one it created (a new table, the index being
 * built) cannot block anybody.
 *
 * @param statement     the statement's text as the splitter gave it
 * @param line          the 1-based line of the file where it starts
 * @param outcome       whether it ran, failed or was left out
 * @param message       why it failed (the server's message and SQLSTATE) or was skipped; "" when measured
 * @param transactional true when it ran inside a transaction (BEGIN ... COMMIT around it); false for the
 *                      statements PostgreSQL refuses to run in one, such as CREATE INDEX CONCURRENTLY
 * @param locks         the strongest lock mode held (or waited for) on each existing user relation, by name
 * @param rewritten     existing user tables and indexes that got a new file (pg_class.relfilenode changed)
 * @param scanned       existing user tables read by sequential scans
 * @param millis        wall-clock time of the statement on the scratch copy (for a concurrent statement,
 *                      without the time it was deliberately held waiting)
 */
public record Measurement(String statement, int line, Outcome outcome, String message, boolean transactional,
                          List<Lock> locks, List<Relation> rewritten, List<Scan> scanned, long millis) {

    /** What happened to the statement on the scratch copy. */
    public enum Outcome {
        /** It ran and was measured. */
        MEASURED,
        /** It failed; {@code message} has the server's error. Later statements of the file were not run. */
        FAILED,
        /**
         * It was not run: transaction control (each statement is measured in a transaction of its own) or a
         * statement that acts on the whole server (CREATE DATABASE, ALTER SYSTEM, ...).
         */
        SKIPPED
    }

    /**
     * A lock on a relation.
     *
     * @param relation the qualified name, unquoted: {@code shop.orders}
     * @param kind     "table", "partitioned table", "index", "partitioned index", "sequence", "view",
     *                 "materialized view", "foreign table" or "composite type"
     * @param mode     as {@code pg_locks.mode} names it: "AccessExclusiveLock", "ShareLock", ...
     */
    public record Lock(String relation, String kind, String mode) {
        public Lock {
            Objects.requireNonNull(relation, "null relation");
            Objects.requireNonNull(kind, "null kind");
            Objects.requireNonNull(mode, "null mode");
        }
    }

    /**
     * A relation by name and kind.
     *
     * @param relation the qualified name, unquoted
     * @param kind     as in {@link Lock#kind()}
     */
    public record Relation(String relation, String kind) {
        public Relation {
            Objects.requireNonNull(relation, "null relation");
            Objects.requireNonNull(kind, "null kind");
        }
    }

    /**
     * A table read by sequential scans.
     *
     * @param relation the qualified name, unquoted
     * @param scans    sequential scans started on it
     * @param rowsRead rows those scans returned (0 on an empty scratch table)
     */
    public record Scan(String relation, long scans, long rowsRead) {
        public Scan {
            Objects.requireNonNull(relation, "null relation");
        }
    }

    public Measurement {
        Objects.requireNonNull(statement, "null statement");
        Objects.requireNonNull(outcome, "null outcome");
        message = message == null ? "" : message;
        locks = List.copyOf(Objects.requireNonNull(locks, "null locks"));
        rewritten = List.copyOf(Objects.requireNonNull(rewritten, "null rewritten"));
        scanned = List.copyOf(Objects.requireNonNull(scanned, "null scanned"));
        if (line < 1) {
            throw new IllegalArgumentException("line must be 1 or more, was " + line);
        }
    }

    /** A statement that was not run, with the reason. */
    static Measurement skipped(String statement, int line, boolean transactional, String reason) {
        return new Measurement(statement, line, Outcome.SKIPPED, reason, transactional, List.of(), List.of(), List.of(), 0);
    }

    /** The lock held on {@code relation}, if any. */
    public Optional<Lock> lockOn(String relation) {
        return locks.stream().filter(l -> l.relation().equals(relation)).findFirst();
    }

    /** True when {@code relation} got a new file. */
    public boolean rewrote(String relation) {
        return rewritten.stream().anyMatch(r -> r.relation().equals(relation));
    }

    /** True when {@code relation} was read by a sequential scan. */
    public boolean scannedTable(String relation) {
        return scanned.stream().anyMatch(s -> s.relation().equals(relation));
    }
}
