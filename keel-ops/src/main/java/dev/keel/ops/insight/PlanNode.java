package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import dev.keel.core.sql.Identifiers;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One node of a plan as PostgreSQL's {@code EXPLAIN (FORMAT JSON)} gives it, with the fields the rules
 * and the text tree use lifted out; {@link #raw} keeps the rest.
 *
 * @param id          1-based position in a depth-first walk, so findings and the text tree can point at it
 * @param depth       0 for the root
 * @param nodeType    "Seq Scan", "Hash Join", ...
 * @param relation    the schema-qualified relation a scan reads, quoted as SQL needs it, or empty
 * @param planRows    estimated rows per loop
 * @param actualRows  actual rows per loop, with ANALYZE
 * @param loops       how often the node ran (1 without ANALYZE)
 * @param actualTotalMs actual time per loop in milliseconds, with ANALYZE
 * @param children    the child nodes, outer first
 * @param raw         the node's JSON object, children included
 */
public record PlanNode(int id, int depth, String nodeType, Optional<String> relation, double planRows,
        OptionalDouble actualRows, long loops, OptionalDouble actualTotalMs, List<PlanNode> children,
        JsonNode raw) {

    public PlanNode {
        requireNonNull(nodeType, "null nodeType");
        requireNonNull(relation, "null relation");
        requireNonNull(actualRows, "null actualRows");
        requireNonNull(actualTotalMs, "null actualTotalMs");
        requireNonNull(raw, "null raw");
        children = List.copyOf(children);
    }

    /** Reads a "Plan" object and its children, numbering nodes depth-first from 1. */
    static PlanNode parse(JsonNode plan) {
        return parse(plan, 0, new int[]{0});
    }

    private static PlanNode parse(JsonNode plan, int depth, int[] counter) {
        int id = ++counter[0];
        List<PlanNode> children = new ArrayList<>();
        for (JsonNode child : plan.path("Plans")) {
            children.add(parse(child, depth + 1, counter));
        }
        Optional<String> relation = plan.hasNonNull("Relation Name")
                ? Optional.of(plan.hasNonNull("Schema")
                        ? Identifiers.qualified(plan.get("Schema").asText(), plan.get("Relation Name").asText())
                        : Identifiers.quote(plan.get("Relation Name").asText()))
                : Optional.empty();
        boolean analyzed = plan.has("Actual Rows");
        return new PlanNode(id, depth, plan.path("Node Type").asText("?"), relation,
                plan.path("Plan Rows").asDouble(),
                analyzed ? OptionalDouble.of(plan.get("Actual Rows").asDouble()) : OptionalDouble.empty(),
                analyzed ? Math.max(plan.path("Actual Loops").asLong(1), 0) : 1,
                plan.has("Actual Total Time") ? OptionalDouble.of(plan.get("Actual Total Time").asDouble())
                        : OptionalDouble.empty(),
                children, plan);
    }

    /** This node and all below it, depth-first. */
    public List<PlanNode> walk() {
        List<PlanNode> all = new ArrayList<>();
        walk(all);
        return all;
    }

    private void walk(List<PlanNode> into) {
        into.add(this);
        children.forEach(child -> child.walk(into));
    }

    /** Actual rows over all loops with ANALYZE, else the estimate: what the node fed its parent. */
    public double rowsTotal() {
        return actualRows.isPresent() ? actualRows.getAsDouble() * loops : planRows * loops;
    }

    /** "Seq Scan on public.orders", "Hash Join", "Delete on public.orders" (a ModifyTable node, as psql shows it). */
    public String label() {
        String name = nodeType.equals("ModifyTable") ? raw.path("Operation").asText(nodeType) : nodeType;
        return relation.map(r -> name + " on " + r).orElse(name);
    }

    /** A text field of the raw node ("Filter", "Sort Method", ...), or empty. */
    public Optional<String> text(String field) {
        return raw.hasNonNull(field) ? Optional.of(raw.get(field).asText()) : Optional.empty();
    }
}
