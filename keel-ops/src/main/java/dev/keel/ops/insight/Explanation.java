package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Findings;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What {@link Explainer} found: PostgreSQL's JSON plan as it came, the same plan as a tree, and the
 * findings about its costly nodes (each finding's evidence holds the node's id under {@code node}).
 *
 * @param plan       PostgreSQL's plan document: {"Plan": {...}, "Planning Time": ..., ...}
 * @param root       the plan tree
 * @param findings   the costly nodes, in plain words
 * @param analyzed   true when the statement was run (EXPLAIN ANALYZE)
 * @param rolledBack true when the statement was run and changes data, so its changes were rolled back
 */
public record Explanation(JsonNode plan, PlanNode root, Findings findings, boolean analyzed, boolean rolledBack) {

    public Explanation {
        requireNonNull(plan, "null plan");
        requireNonNull(root, "null root");
        requireNonNull(findings, "null findings");
    }

    /** The ids of the nodes some finding points at. */
    public Set<Integer> costlyNodes() {
        return findings.list().stream().map(Finding::evidence).map(e -> e.get("node"))
                .filter(Integer.class::isInstance).map(Integer.class::cast).collect(Collectors.toSet());
    }
}
