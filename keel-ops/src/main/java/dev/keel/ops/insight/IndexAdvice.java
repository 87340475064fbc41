package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Findings;
import dev.keel.core.findings.Severity;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@link IndexAdvisor} recommends for a workload.
 *
 * @param recommendations the indexes to create, most time (else cost) saved first
 * @param rejected        indexes that would help reads but were left out, with the reason (write overhead)
 * @param validated       true when hypopg checked every recommendation against the planner; false for
 *                        rule-of-thumb advice
 * @param note            how the advice was validated, or why it could not be
 * @param examined        the statements planned and weighed
 * @param skipped         the statements left out, with the reason
 * @param explains        how many EXPLAINs the advice took
 */
public record IndexAdvice(List<Recommendation> recommendations, List<Rejected> rejected, boolean validated, String note,
        List<Examined> examined, List<Workload.Skipped> skipped, int explains) {

    public IndexAdvice {
        recommendations = List.copyOf(recommendations);
        rejected = List.copyOf(rejected);
        requireNonNull(note, "null note");
        examined = List.copyOf(examined);
        skipped = List.copyOf(skipped);
    }

    /**
     * One index to create.
     *
     * @param table       "schema.table"
     * @param columns     the key columns, in order
     * @param method      the access method (btree)
     * @param ddl         the CREATE INDEX CONCURRENTLY statement
     * @param costBefore  planner cost of the statements it serves, times their calls, before it (and after the
     *                    recommendations ranked above it in the selection); for rule-of-thumb advice the cost
     *                    without any recommended index
     * @param costAfter   the same with it; null when not validated
     * @param saving      costBefore − costAfter − writePenalty; for rule-of-thumb advice, null
     * @param writePenalty the estimated cost of keeping the index up to date for the workload's writes
     * @param timeSavedMillis estimated execution time saved over the workload, from pg_stat_statements' times
     *                    scaled by the cost saved; null when times or validation are missing
     * @param statements  the statements it serves
     * @param validated   false for rule-of-thumb advice that hypopg did not check
     */
    public record Recommendation(String table, List<String> columns, String method, String ddl, double costBefore,
            Double costAfter, Double saving, double writePenalty, Double timeSavedMillis, List<Served> statements,
            boolean validated) {
        public Recommendation {
            requireNonNull(table, "null table");
            columns = List.copyOf(columns);
            requireNonNull(method, "null method");
            requireNonNull(ddl, "null ddl");
            statements = List.copyOf(statements);
        }

        /** The share of costBefore the index saves (0 to 1), or null when not validated. */
        public Double savedShare() {
            return costAfter == null || costBefore <= 0 ? null : (costBefore - costAfter) / costBefore;
        }
    }

    /**
     * A statement a recommendation serves: its plan cost per call before and with the index.
     *
     * @param costAfter null when not validated
     */
    public record Served(String sql, long calls, double costBefore, Double costAfter) {
        public Served {
            requireNonNull(sql, "null sql");
        }
    }

    /** An index that would help reads but costs more to maintain than it saves. */
    public record Rejected(String table, List<String> columns, double saving, double writePenalty, String reason) {
        public Rejected {
            requireNonNull(table, "null table");
            columns = List.copyOf(columns);
            requireNonNull(reason, "null reason");
        }
    }

    /**
     * A statement that was planned: its cost per call without new indexes, and how often it ran.
     *
     * @param values null when planned as written (or as a generic plan); otherwise the values its range
     *               parameters were planned with, chosen to match the rows it returned per call
     */
    public record Examined(String sql, long calls, double cost, String values) {
        public Examined {
            requireNonNull(sql, "null sql");
        }
    }

    /**
     * Each recommendation as a finding ("advise.missing-index"): a warning when validated, info when it is
     * rule-of-thumb advice. The remedy is the DDL.
     */
    public Findings findings() {
        List<Finding> list = new ArrayList<>();
        for (Recommendation r : recommendations) {
            String on = r.table() + " (" + String.join(", ", r.columns()) + ")";
            int n = r.statements().size();
            String served = n + (n == 1 ? " statement" : " statements");
            String message = r.validated()
                    ? String.format(Locale.ROOT, "An index on %s cuts the planner's cost of %s by %.0f%% (%s → %s, weighted by calls).",
                            on, served, 100 * r.savedShare(), IndexAdvisor.cost(r.costBefore()), IndexAdvisor.cost(r.costAfter()))
                    : "An index on " + on + " may help " + served + " (not validated: hypopg was not used).";
            Finding f = Finding.of("advise.missing-index", r.validated() ? Severity.WARNING : Severity.INFO, r.table(), message, r.ddl())
                    .withEvidence("columns", r.columns())
                    .withEvidence("validated", r.validated())
                    .withEvidence("costBefore", Math.round(r.costBefore()));
            if (r.costAfter() != null) {
                f = f.withEvidence("costAfter", Math.round(r.costAfter()));
            }
            if (r.timeSavedMillis() != null) {
                f = f.withEvidence("timeSavedMillis", Math.round(r.timeSavedMillis()));
            }
            f = f.withEvidence("statements", r.statements().stream().map(Served::sql).toList());
            list.add(f);
        }
        return Findings.of(list);
    }
}
