package dev.keel.ops.insight;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How one statement uses the columns of each table it reads, taken from its verbose plan: columns compared
 * for equality (filters and join conditions), columns with a range (&lt;, &gt;, BETWEEN), and the leading
 * sort keys. From these come the candidate indexes: equality columns first, then one range or sort column,
 * the order in which a btree serves them.
 *
 * @param eq    per table ("schema.table"), the equality columns in the order the plan names them
 * @param range per table, the range columns
 * @param sort  per table, the sort keys of one Sort node whose leading keys all belong to that table
 * @param seqScanned the tables the plan reads with a Seq Scan
 */
record ColumnUse(Map<String, LinkedHashSet<String>> eq, Map<String, LinkedHashSet<String>> range,
        Map<String, List<String>> sort, Set<String> seqScanned) {

    static final int MAX_COLUMNS = 4;
    private static final String IDENT = "(?:[A-Za-z_][\\w$]*|\"(?:[^\"]++|\"\")++\")";
    // alias.column, not part of a longer dotted name, not a function name.
    private static final Pattern REF = Pattern.compile("(?<![\\w.\"$])(" + IDENT + ")\\.(" + IDENT + ")(?![\\w\"(.])");
    private static final Pattern AFTER = Pattern.compile(
            "^\\)?(?:::[a-z][a-z ]*(?:\\[\\])?)?\\s*(=|<>|!=|<=|>=|<|>|IS NULL|IS NOT NULL)(?!=)");
    private static final Pattern BEFORE = Pattern.compile("(=|<=|>=|<|>)\\s*\\(?$");
    private static final Pattern FUNCTION_BEFORE = Pattern.compile("\\w\\($");
    private static final List<String> CONDITIONS = List.of("Filter", "Index Cond", "Recheck Cond", "Hash Cond",
            "Merge Cond", "Join Filter");

    /** Reads a plan's "Plan" object; only columns of tables the plan scans (by alias) are kept. */
    static ColumnUse of(JsonNode plan) {
        Map<String, Set<String>> aliases = new HashMap<>();
        Set<String> seq = new HashSet<>();
        walk(plan, node -> {
            if (node.hasNonNull("Relation Name") && node.hasNonNull("Schema")) {
                String table = node.get("Schema").asText() + "." + node.get("Relation Name").asText();
                aliases.computeIfAbsent(node.path("Alias").asText(node.get("Relation Name").asText()), k -> new HashSet<>()).add(table);
                if (node.path("Node Type").asText().equals("Seq Scan")) {
                    seq.add(table);
                }
            }
        });
        ColumnUse use = new ColumnUse(new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>(), seq);
        walk(plan, node -> {
            for (String field : CONDITIONS) {
                if (node.hasNonNull(field)) {
                    use.conditions(node.get(field).asText(), aliases);
                }
            }
            if (node.path("Node Type").asText().equals("Sort") && node.has("Sort Key")) {
                use.sortKeys(node.get("Sort Key"), aliases);
            }
        });
        return use;
    }

    /** The tables the statement has candidate columns for. */
    Set<String> tables() {
        Set<String> all = new LinkedHashSet<>(eq.keySet());
        all.addAll(range.keySet());
        all.addAll(sort.keySet());
        return all;
    }

    /**
     * The candidate column lists for one table: each column alone, the equality columns together, and the
     * equality columns followed by one range column or by the sort keys.
     */
    List<List<String>> candidates(String table) {
        List<String> e = List.copyOf(eq.getOrDefault(table, new LinkedHashSet<>()));
        List<String> r = List.copyOf(range.getOrDefault(table, new LinkedHashSet<>()));
        List<String> s = sort.getOrDefault(table, List.of());
        LinkedHashSet<List<String>> out = new LinkedHashSet<>();
        e.forEach(c -> out.add(List.of(c)));
        r.forEach(c -> out.add(List.of(c)));
        if (!s.isEmpty()) {
            out.add(List.of(s.get(0)));
            out.add(s.subList(0, Math.min(s.size(), MAX_COLUMNS)));
        }
        List<String> prefix = e.subList(0, Math.min(e.size(), MAX_COLUMNS - 1));
        if (prefix.size() >= 2) {
            out.add(prefix);
        }
        if (!prefix.isEmpty()) {
            for (String c : r.subList(0, Math.min(r.size(), 2))) {
                if (!prefix.contains(c)) {
                    out.add(concat(prefix, List.of(c)));
                }
            }
            List<String> keys = s.stream().filter(c -> !prefix.contains(c)).toList();
            if (!keys.isEmpty()) {
                out.add(concat(prefix, keys.subList(0, Math.min(keys.size(), MAX_COLUMNS - prefix.size()))));
            }
        }
        return List.copyOf(out);
    }

    /** The one index a rule of thumb would pick for this table: equality columns, then a range column or the sort keys. */
    List<String> rule(String table) {
        List<String> e = List.copyOf(eq.getOrDefault(table, new LinkedHashSet<>()));
        List<String> r = List.copyOf(range.getOrDefault(table, new LinkedHashSet<>()));
        List<String> s = sort.getOrDefault(table, List.of());
        List<String> out = new ArrayList<>(e.subList(0, Math.min(e.size(), MAX_COLUMNS - 1)));
        if (!r.isEmpty() && !out.contains(r.get(0))) {
            out.add(r.get(0));
        } else if (r.isEmpty()) {
            s.stream().filter(c -> !out.contains(c)).limit(MAX_COLUMNS - out.size()).forEach(out::add);
        }
        return List.copyOf(out);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    private void conditions(String expression, Map<String, Set<String>> aliases) {
        String code = expression.replaceAll("'(?:[^']++|'')*+'", "''");
        Matcher m = REF.matcher(code);
        while (m.find()) {
            String table = table(m.group(1), aliases);
            if (table == null) {
                continue;
            }
            String before = code.substring(0, m.start());
            if (FUNCTION_BEFORE.matcher(before).find()) {
                continue; // lower(o.email) = $1 needs an expression index; not a candidate here
            }
            Matcher after = AFTER.matcher(code.substring(m.end()));
            String op = after.find() ? after.group(1) : null;
            if (op == null) {
                Matcher b = BEFORE.matcher(before);
                op = b.find() ? b.group(1) : null;
            }
            if (op == null) {
                continue;
            }
            String column = unquote(m.group(2));
            switch (op) {
                case "=", "IS NULL" -> eq.computeIfAbsent(table, k -> new LinkedHashSet<>()).add(column);
                case "<", ">", "<=", ">=" -> range.computeIfAbsent(table, k -> new LinkedHashSet<>()).add(column);
                default -> {
                    // <>, IS NOT NULL: an index rarely helps
                }
            }
        }
    }

    private void sortKeys(JsonNode keys, Map<String, Set<String>> aliases) {
        String table = null;
        List<String> columns = new ArrayList<>();
        for (JsonNode key : keys) {
            String k = key.asText().replaceAll("(?i)\\s+(DESC|ASC|NULLS FIRST|NULLS LAST|USING \\S+)+$", "").strip();
            Matcher m = REF.matcher(k);
            if (!m.matches()) {
                break;
            }
            String t = table(m.group(1), aliases);
            if (t == null || (table != null && !table.equals(t))) {
                break;
            }
            table = t;
            columns.add(unquote(m.group(2)));
        }
        if (table != null && !sort.containsKey(table)) {
            sort.put(table, List.copyOf(columns));
        }
    }

    private static String table(String alias, Map<String, Set<String>> aliases) {
        Set<String> tables = aliases.get(unquote(alias));
        return tables != null && tables.size() == 1 ? tables.iterator().next() : null;
    }

    static String unquote(String identifier) {
        return identifier.startsWith("\"") ? identifier.substring(1, identifier.length() - 1).replace("\"\"", "\"") : identifier;
    }

    private static void walk(JsonNode node, java.util.function.Consumer<JsonNode> visit) {
        visit.accept(node);
        for (JsonNode child : node.path("Plans")) {
            walk(child, visit);
        }
    }
}
