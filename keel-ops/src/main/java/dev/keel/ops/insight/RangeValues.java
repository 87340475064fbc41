package dev.keel.ops.insight;

import dev.keel.core.sql.Identifiers;
import com.fasterxml.jackson.databind.JsonNode;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Values for a normalized statement's range parameters ({@code col > $n}, {@code col < $n}, BETWEEN) chosen so
 * that the planner expects as many rows as the statement really returned per call (pg_stat_statements'
 * rows ÷ calls). A generic plan assumes a one-sided range on a parameter keeps a third of the rows, which
 * hides the index for the most common case, "the recent rows" ({@code created_at > $1}).
 *
 * <p>Implementation notes. The mapping from observed rows to a selectivity is only trusted when the plan's
 * output rows are proportional to the rows the range keeps: no aggregation, grouping, DISTINCT, set
 * operation, LIMIT, sub-plan or non-inner join, every {@code $n} in the plan appears once in a plain
 * comparison {@code alias.column op $n}, and all range parameters compare one column (one lower bound, one
 * upper bound, or both). Equality parameters stay generic: the generic estimate for {@code col = $n} is the
 * average over the column's values (1 / n_distinct), the right weight for many calls with varied values.
 * The value of a range parameter is the column's pg_stats histogram bound at the quantile that keeps a share
 * s of the rows (for {@code col > $n} the quantile 1 − s, for {@code col < $n} the quantile s, for a pair a
 * window of width s in the middle), interpolated between two bounds for numbers, timestamps and dates (the
 * planner interpolates the same way) and otherwise the bound on the side that keeps at least s. The first
 * guess is s = rows per call ÷ reltuples; the planner's row estimate with that value is compared with the
 * observed rows, and when it is off by more than a factor of two (other filters, joins, MCVs), s is scaled
 * by observed ÷ estimated and planned once more. So at most two extra EXPLAINs per statement; the literals
 * then stay fixed for every hypothetical plan of the statement. Without a histogram, reltuples, or a usable
 * mapping, the generic plan stays. Checked on PostgreSQL 15.
 */
final class RangeValues {

    /** A range parameter: {@code column} of {@code table} ("schema.table") compared with $number. */
    record Param(String table, String column, int number, boolean lower) {
    }

    /**
     * The statement to plan instead, with literals for its range parameters, and its plan.
     *
     * @param sql    the statement as planned (LIMIT already constant, remaining parameters renumbered later)
     * @param plan   its plan ("Plan" object)
     * @param values how the values were chosen, for the user
     */
    record Choice(String sql, JsonNode plan, String values) {
    }

    static final double CLOSE_ENOUGH = 2.0;
    private static final String IDENT = "(?:[A-Za-z_][\\w$]*|\"(?:[^\"]++|\"\")++\")";
    private static final Pattern ANY_PARAM = Pattern.compile("\\$(\\d+)(?!\\d)");
    private static final Pattern COLUMN_FIRST = Pattern.compile(
            "\\((" + IDENT + ")\\.(" + IDENT + ") (=|<=|>=|<|>) \\$(\\d+)\\)");
    private static final Pattern PARAM_FIRST = Pattern.compile(
            "\\(\\$(\\d+) (=|<=|>=|<|>) (" + IDENT + ")\\.(" + IDENT + ")\\)");
    private static final Set<String> NOT_PROPORTIONAL = Set.of("Aggregate", "Group", "Unique", "SetOp", "Limit",
            "ProjectSet", "Recursive Union", "Append", "Merge Append", "WindowAgg", "Subquery Scan", "CTE Scan");
    private static final Set<String> INTERPOLATED_NUMBERS = Set.of("smallint", "integer", "bigint", "numeric", "real",
            "double precision");
    private static final Set<String> INTERPOLATED_TIMES = Set.of("timestamp without time zone", "timestamp with time zone");

    private RangeValues() {
    }

    /**
     * Plans {@code sql} with values for its range parameters that match {@code rowsPerCall}, or empty to keep
     * the generic plan ({@code generic}).
     */
    static Optional<Choice> choose(PlanSession session, String sql, JsonNode generic, double rowsPerCall) throws SQLException {
        String[] prepared = PlanSession.prepared(sql);
        if (prepared == null || rowsPerCall < 0) {
            return Optional.empty();
        }
        Optional<List<Param>> found = rangeParams(generic);
        if (found.isEmpty() || found.get().isEmpty()) {
            return Optional.empty();
        }
        List<Param> params = found.get();
        String code = PlanSession.blankStrings(prepared[0]);
        for (Param p : params) {
            if (count(code, p.number()) != 1) {
                return Optional.empty(); // the same $n elsewhere too: its value would change more than the range
            }
        }
        Param first = params.get(0);
        String table = first.table();
        int dot = table.indexOf('.');
        // Checked on PostgreSQL 15: pg_stats shows only columns this role may read; inherited = false first.
        Optional<List<String>> stats = session.row("""
                select c.reltuples::text, s.histogram_bounds::text, a.atttypid::regtype::text
                from pg_class c join pg_namespace n on n.oid = c.relnamespace
                join pg_attribute a on a.attrelid = c.oid and a.attname = ?
                left join pg_stats s on s.schemaname = n.nspname and s.tablename = c.relname and s.attname = a.attname
                where n.nspname = ? and c.relname = ?
                order by s.inherited limit 1
                """, List.of(first.column(), table.substring(0, dot), table.substring(dot + 1)));
        if (stats.isEmpty() || stats.get().get(1) == null) {
            return Optional.empty();
        }
        double reltuples = Double.parseDouble(stats.get().get(0));
        Optional<List<String>> bounds = session.textArray(stats.get().get(1));
        Optional<List<String>> types = session.parameterTypes(prepared[0]);
        if (reltuples < 1 || bounds.isEmpty() || bounds.get().size() < 2 || types.isEmpty()) {
            return Optional.empty();
        }
        Values values = new Values(session, bounds.get(), stats.get().get(2), types.get(), params);
        double target = Math.max(rowsPerCall, 1);
        double share = Math.min(1, target / reltuples);
        Optional<Choice> choice = values.plan(prepared[0], share);
        if (choice.isEmpty()) {
            return Optional.empty();
        }
        double estimated = Math.max(rows(choice.get().plan()), 1);
        if (estimated <= target * CLOSE_ENOUGH && estimated >= target / CLOSE_ENOUGH) {
            return choice;
        }
        double corrected = Math.min(1, share * target / estimated);
        if (Math.abs(corrected - share) <= share * 0.01) {
            return choice;
        }
        Optional<Choice> second = values.plan(prepared[0], corrected);
        return second.isPresent() ? second : choice;
    }

    /**
     * The range parameters of a plan, or empty when its output rows do not follow the range's selectivity or
     * a parameter is used in a way this cannot map (see the class's implementation notes).
     */
    static Optional<List<Param>> rangeParams(JsonNode plan) {
        Map<String, Set<String>> aliases = new HashMap<>();
        List<JsonNode> nodes = new ArrayList<>();
        collect(plan, nodes);
        for (JsonNode node : nodes) {
            String type = node.path("Node Type").asText();
            String join = node.path("Join Type").asText("Inner");
            String parent = node.path("Parent Relationship").asText("");
            if (NOT_PROPORTIONAL.contains(type) || !join.equals("Inner") || parent.equals("SubPlan") || parent.equals("InitPlan")) {
                return Optional.empty();
            }
            if (node.hasNonNull("Relation Name") && node.hasNonNull("Schema")) {
                aliases.computeIfAbsent(node.path("Alias").asText(node.get("Relation Name").asText()), k -> new HashSet<>())
                        .add(node.get("Schema").asText() + "." + node.get("Relation Name").asText());
            }
        }
        int occurrences = count(plan.toString(), -1);
        List<Param> all = new ArrayList<>();
        Map<Integer, String> useOf = new HashMap<>();
        for (JsonNode node : nodes) {
            for (String field : List.of("Filter", "Index Cond", "Recheck Cond")) {
                if (!node.hasNonNull(field)) {
                    continue;
                }
                String text = node.get(field).asText().replaceAll("'(?:[^']++|'')*+'", "''");
                Matcher m = COLUMN_FIRST.matcher(text);
                while (m.find()) {
                    if (!add(all, useOf, aliases, m.group(1), m.group(2), m.group(3), Integer.parseInt(m.group(4)))) {
                        return Optional.empty();
                    }
                }
                Matcher r = PARAM_FIRST.matcher(text);
                while (r.find()) {
                    String flipped = switch (r.group(2)) {
                        case "<" -> ">";
                        case "<=" -> ">=";
                        case ">" -> "<";
                        case ">=" -> "<=";
                        default -> r.group(2);
                    };
                    if (!add(all, useOf, aliases, r.group(3), r.group(4), flipped, Integer.parseInt(r.group(1)))) {
                        return Optional.empty();
                    }
                }
            }
        }
        // Every $n of the plan must be one of the comparisons read above (the JSON text holds each field once).
        if (all.size() != occurrences) {
            return Optional.empty();
        }
        List<Param> ranges = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (Param p : all) {
            if (!useOf.get(p.number()).startsWith("=") && seen.add(p.number())) {
                ranges.add(p);
            }
        }
        if (ranges.isEmpty()) {
            return Optional.of(List.of());
        }
        Param first = ranges.get(0);
        long lower = ranges.stream().filter(Param::lower).count();
        boolean oneColumn = ranges.stream().allMatch(p -> p.table().equals(first.table()) && p.column().equals(first.column()));
        if (!oneColumn || lower > 1 || ranges.size() - lower > 1) {
            return Optional.empty();
        }
        return Optional.of(List.copyOf(ranges));
    }

    /** Adds one comparison; false when the same $n is used on another column or with another operator class. */
    private static boolean add(List<Param> all, Map<Integer, String> useOf, Map<String, Set<String>> aliases, String alias,
            String column, String op, int number) {
        Set<String> tables = aliases.get(ColumnUse.unquote(alias));
        if (tables == null || tables.size() != 1) {
            return false;
        }
        String table = tables.iterator().next();
        String col = ColumnUse.unquote(column);
        boolean lower = op.startsWith(">");
        String use = (op.equals("=") ? "=" : lower ? ">" : "<") + table + "." + col;
        String before = useOf.putIfAbsent(number, use);
        if (before != null && !before.equals(use)) {
            return false;
        }
        all.add(new Param(table, col, number, lower));
        return true;
    }

    /** The rows the plan returns or changes (a ModifyTable node shows 0 rows: its input's count). */
    static double rows(JsonNode plan) {
        if (plan.path("Node Type").asText().equals("ModifyTable") && plan.path("Plans").size() > 0) {
            return plan.path("Plans").get(0).path("Plan Rows").asDouble();
        }
        return plan.path("Plan Rows").asDouble();
    }

    /** Occurrences of $number in code (-1: of any parameter). */
    private static int count(String code, int number) {
        Matcher m = ANY_PARAM.matcher(code);
        int n = 0;
        while (m.find()) {
            if (number < 0 || Integer.parseInt(m.group(1)) == number) {
                n++;
            }
        }
        return n;
    }

    private static void collect(JsonNode node, List<JsonNode> into) {
        into.add(node);
        for (JsonNode child : node.path("Plans")) {
            collect(child, into);
        }
    }

    /** Picks and substitutes the values for one statement. */
    private static final class Values {
        private final PlanSession session;
        private final List<String> bounds;
        private final String columnType;
        private final List<String> parameterTypes;
        private final List<Param> params;

        Values(PlanSession session, List<String> bounds, String columnType, List<String> parameterTypes, List<Param> params) {
            this.session = session;
            this.bounds = bounds;
            this.columnType = columnType;
            this.parameterTypes = parameterTypes;
            this.params = params;
        }

        Optional<Choice> plan(String prepared, double share) throws SQLException {
            boolean pair = params.size() == 2;
            Map<Integer, String> literals = new HashMap<>();
            List<String> shown = new ArrayList<>();
            for (Param p : params) {
                double q = pair ? (p.lower() ? 0.5 - share / 2 : 0.5 + share / 2) : (p.lower() ? 1 - share : share);
                String value = quantile(q, p.lower());
                if (value == null || p.number() > parameterTypes.size()) {
                    return Optional.empty();
                }
                literals.put(p.number(), "CAST(" + Identifiers.literal(value) + " AS " + parameterTypes.get(p.number() - 1) + ")");
                shown.add(p.column() + (p.lower() ? " > " : " < ") + Identifiers.literal(value));
            }
            String sql = substitute(prepared, literals);
            String[] failure = new String[1];
            Optional<JsonNode> plan = session.plan(sql, failure);
            return plan.map(n -> new Choice(sql, n, String.join(" and ", shown)
                    + String.format(Locale.ROOT, " (%.4g%% of the rows, as observed)", 100 * share)));
        }

        /** The column's value at quantile q of its histogram; between bounds interpolated, else on the side keeping more rows. */
        private String quantile(double q, boolean lower) throws SQLException {
            double pos = Math.max(0, Math.min(1, q)) * (bounds.size() - 1);
            int i = (int) Math.floor(pos);
            double f = pos - i;
            if (i >= bounds.size() - 1 || f < 1e-9) {
                return bounds.get(Math.min(i, bounds.size() - 1));
            }
            String lo = bounds.get(i);
            String hi = bounds.get(i + 1);
            String expression = null;
            if (INTERPOLATED_NUMBERS.contains(columnType)) {
                expression = "(cast(? as numeric) + (cast(? as numeric) - cast(? as numeric)) * cast(? as numeric))::" + columnType;
            } else if (INTERPOLATED_TIMES.contains(columnType)) {
                expression = "cast(? as " + columnType + ") + (cast(? as " + columnType + ") - cast(? as " + columnType
                        + ")) * cast(? as float8)";
            } else if (columnType.equals("date")) {
                expression = "cast(? as date) + round((cast(? as date) - cast(? as date)) * cast(? as float8))::int";
            }
            if (expression != null) {
                Optional<List<String>> v = session.row("select (" + expression + ")::text",
                        List.of(lo, hi, lo, Double.toString(f)));
                if (v.isPresent() && v.get().get(0) != null) {
                    return v.get().get(0);
                }
            }
            // col > v keeps more rows with the lower bound, col < v with the upper one.
            return lower ? lo : hi;
        }


        /** Replaces each $n of {@code literals} in code (not inside string literals). */
        private static String substitute(String sql, Map<Integer, String> literals) {
            String code = PlanSession.blankStrings(sql);
            Matcher m = ANY_PARAM.matcher(code);
            StringBuilder out = new StringBuilder();
            int at = 0;
            while (m.find()) {
                String literal = literals.get(Integer.parseInt(m.group(1)));
                if (literal != null) {
                    out.append(sql, at, m.start()).append(literal);
                    at = m.end();
                }
            }
            return out.append(sql.substring(at)).toString();
        }
    }
}
