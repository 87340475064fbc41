package dev.keel.schema.plan;

import dev.keel.schema.measure.Measurement;
import java.util.List;
import java.util.Objects;

/**
 * One pending statement and what it will do to the live target: the locks it takes on existing relations,
 * whether it rewrites or scans tables, how big those tables are on the target, and how long it will take.
 *
 * @param file           the migration file
 * @param line           the 1-based line where the statement starts
 * @param statement      its first 200 characters
 * @param outcome        MEASURED; FAILED when it failed on the scratch copy (nothing after it is planned);
 *                       SKIPPED for transaction control and server-wide statements
 * @param message        the error or the reason it was skipped; "" when measured
 * @param transactional  false for statements that run outside a transaction (CREATE INDEX CONCURRENTLY, ...)
 * @param locks          the strongest lock on each existing relation, as measured on the scratch copy
 * @param rewrite        true when it writes an existing table or index anew (a new file)
 * @param scan           true when it reads an existing table in full (sequential scan)
 * @param rows           the target's row estimate of the tables it rewrites, scans or locks (SHARE UPDATE
 *                       EXCLUSIVE or stronger); null when the target has no statistics for any of them
 * @param bytes          the target's size of those tables, indexes included; null when unknown
 * @param estimateMillis the expected duration on the target: see {@link Planner}
 */
public record PlannedStatement(String file, int line, String statement, Measurement.Outcome outcome, String message,
                               boolean transactional, List<Measurement.Lock> locks, boolean rewrite, boolean scan,
                               Long rows, Long bytes, long estimateMillis) {

    public PlannedStatement {
        Objects.requireNonNull(file, "null file");
        Objects.requireNonNull(statement, "null statement");
        Objects.requireNonNull(outcome, "null outcome");
        message = message == null ? "" : message;
        locks = List.copyOf(Objects.requireNonNull(locks, "null locks"));
    }
}
