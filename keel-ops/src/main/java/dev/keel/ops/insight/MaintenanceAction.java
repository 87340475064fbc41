package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import dev.keel.core.findings.Finding;
import java.util.List;

/**
 * One statement {@code keel maintain} runs, with the findings that call for it.
 *
 * @param kind       what the statement does
 * @param object     the qualified table or index it works on
 * @param sql        the statement, runnable as written outside a transaction
 * @param reason     one sentence: why, from the findings
 * @param needsApply true for statements that remove something (dropping an index): they run only with --apply
 * @param findings   the findings it comes from, with their evidence
 */
public record MaintenanceAction(Kind kind, String object, String sql, String reason, boolean needsApply, List<Finding> findings) {

    /** What an action does; declared in the order a run takes them. */
    public enum Kind {
        /** Dropping an index first spares the rebuilds and vacuums below the work of maintaining it. */
        DROP_INDEX,
        REINDEX,
        VACUUM_ANALYZE,
        VACUUM,
        ANALYZE;

        /** "drop-index", "vacuum-analyze": the label in JSON and on the terminal. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    public MaintenanceAction {
        requireNonNull(kind, "null kind");
        requireNonNull(object, "null object");
        requireNonNull(sql, "null sql");
        requireNonNull(reason, "null reason");
        findings = List.copyOf(requireNonNull(findings, "null findings"));
    }
}
