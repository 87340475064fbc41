package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import dev.keel.core.findings.Finding;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What {@code keel maintain} would do to the connected database, derived from {@link ObjectChecks} findings
 * alone, so insight and maintenance share one set of thresholds:
 * <ul>
 * <li>{@code insight.dead-tuples} → VACUUM; {@code insight.analyze-needed} → ANALYZE; both on one table → one
 *   {@code VACUUM (ANALYZE)}.</li>
 * <li>{@code insight.index-bloat} → {@code REINDEX INDEX CONCURRENTLY}.</li>
 * <li>{@code insight.unused-index}, {@code insight.duplicate-index}, {@code insight.redundant-index} →
 *   {@code DROP INDEX CONCURRENTLY}, only with --apply; an index to be dropped is not also rebuilt, and an index
 *   that a duplicate or redundant one is dropped in favour of is not dropped for being unused.</li>
 * </ul>
 * Other findings (invalid indexes, table bloat, wraparound, sequences) need a person's decision or a lock
 * maintenance should not take, so they stay insight's. Actions are ordered drops, rebuilds, vacuums, analyzes,
 * then by object.
 */
public record MaintenancePlan(List<MaintenanceAction> actions) {

    public MaintenancePlan {
        actions = List.copyOf(requireNonNull(actions, "null actions"));
    }

    /** Runs the checks maintenance acts on and plans from their findings. */
    public static MaintenancePlan of(Connection c) {
        requireNonNull(c, "null connection");
        List<Finding> findings = new ArrayList<>();
        findings.addAll(ObjectChecks.guard("unused indexes", () -> ObjectChecks.unusedIndexes(c)));
        findings.addAll(ObjectChecks.guard("duplicate indexes", () -> ObjectChecks.duplicateIndexes(c)));
        findings.addAll(ObjectChecks.guard("index bloat", () -> ObjectChecks.indexBloat(c)));
        findings.addAll(ObjectChecks.guard("vacuum and analyze", () -> ObjectChecks.vacuumAndAnalyze(c)));
        return from(findings);
    }

    /** Plans from findings of {@link ObjectChecks#run}; findings of other rules are ignored. */
    public static MaintenancePlan from(List<Finding> findings) {
        requireNonNull(findings, "null findings");
        Map<String, List<Finding>> drops = group(findings, ObjectChecks.UNUSED_INDEX, ObjectChecks.DUPLICATE_INDEX,
                ObjectChecks.REDUNDANT_INDEX);
        // An index another drop keeps in its place stays, even when unused: of two unused duplicates one goes,
        // never both, and an unused index whose used twin is dropped will take over the twin's scans.
        List<Object> kept = findings.stream()
                .filter(f -> f.rule().equals(ObjectChecks.DUPLICATE_INDEX) || f.rule().equals(ObjectChecks.REDUNDANT_INDEX))
                .map(f -> f.evidence().get("keptIndex")).toList();
        drops.entrySet().removeIf(e -> kept.contains(e.getKey())
                && e.getValue().stream().allMatch(f -> f.rule().equals(ObjectChecks.UNUSED_INDEX)));
        Map<String, List<Finding>> rebuilds = group(findings, ObjectChecks.INDEX_BLOAT);
        Map<String, List<Finding>> vacuums = group(findings, ObjectChecks.DEAD_TUPLES);
        Map<String, List<Finding>> analyzes = group(findings, ObjectChecks.ANALYZE_NEEDED);

        List<MaintenanceAction> actions = new ArrayList<>();
        drops.forEach((index, why) -> actions.add(new MaintenanceAction(MaintenanceAction.Kind.DROP_INDEX, index,
                "DROP INDEX CONCURRENTLY " + index, reason(why), true, why)));
        rebuilds.forEach((index, why) -> {
            if (!drops.containsKey(index)) {
                actions.add(new MaintenanceAction(MaintenanceAction.Kind.REINDEX, index,
                        "REINDEX INDEX CONCURRENTLY " + index, reason(why), false, why));
            }
        });
        vacuums.forEach((table, why) -> {
            List<Finding> analyze = analyzes.get(table);
            if (analyze != null) {
                List<Finding> both = new ArrayList<>(why);
                both.addAll(analyze);
                actions.add(new MaintenanceAction(MaintenanceAction.Kind.VACUUM_ANALYZE, table, "VACUUM (ANALYZE) " + table,
                        reason(both), false, both));
            } else {
                actions.add(new MaintenanceAction(MaintenanceAction.Kind.VACUUM, table, "VACUUM " + table, reason(why), false, why));
            }
        });
        analyzes.forEach((table, why) -> {
            if (!vacuums.containsKey(table)) {
                actions.add(new MaintenanceAction(MaintenanceAction.Kind.ANALYZE, table, "ANALYZE " + table, reason(why), false, why));
            }
        });
        actions.sort(Comparator.comparing(MaintenanceAction::kind).thenComparing(MaintenanceAction::object));
        return new MaintenancePlan(actions);
    }

    /** The actions a run without --apply leaves out. */
    public List<MaintenanceAction> needingApply() {
        return actions.stream().filter(MaintenanceAction::needsApply).toList();
    }

    private static Map<String, List<Finding>> group(List<Finding> findings, String... rules) {
        List<String> wanted = List.of(rules);
        return findings.stream().filter(f -> wanted.contains(f.rule()))
                .collect(Collectors.groupingBy(Finding::object, LinkedHashMap::new, Collectors.toList()));
    }

    private static String reason(List<Finding> why) {
        return why.stream().map(f -> f.rule() + ": " + f.message()).collect(Collectors.joining(" "));
    }
}
