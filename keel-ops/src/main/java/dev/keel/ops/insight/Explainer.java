package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.core.KeelException;
import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Findings;
import dev.keel.core.findings.Severity;
import dev.keel.core.sql.Identifiers;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs {@code EXPLAIN (FORMAT JSON, VERBOSE, BUFFERS[, ANALYZE])} for one statement and reports its costly
 * nodes as findings, in plain words, each with a remedy a user can act on.
 *
 * <p>The statement always runs inside a transaction that is rolled back (a savepoint when the caller's
 * connection is already in one), read-only when ANALYZE is off; so with ANALYZE an INSERT, UPDATE, DELETE or
 * MERGE really runs, and its changes are undone. Sequence values it draws are not given back. Session
 * settings the caller made on the connection ({@code SET work_mem}) apply.
 *
 * <p>Rules and thresholds:
 * <ul>
 * <li>{@code explain.seq-scan-big-table}: a sequential scan of a table of more than {@value #BIG_TABLE_ROWS}
 *   rows or {@value #BIG_TABLE_PAGES} pages (80 MB). Below that a full scan takes milliseconds and is often
 *   what the planner should pick. When a filter keeps at most 1 row in {@value #SELECTIVE_ONE_IN} the finding
 *   is a warning naming the CREATE INDEX on the filtered columns; a scan that keeps most rows is only info,
 *   since an index would not help it.</li>
 * <li>{@code explain.misestimate} (ANALYZE only): actual rows differ from the estimate by more than
 *   {@value #MISESTIMATE_FACTOR}x, and the larger of the two is at least {@value #MISESTIMATE_MIN_ROWS} rows
 *   (below that the plan rarely changes). Only the lowest such node is reported, since an error propagates up
 *   the tree; nodes under a Limit that returned fewer rows than estimated are skipped (they were stopped
 *   early, not misjudged).</li>
 * <li>{@code explain.spill}: with ANALYZE, a sort that went to disk, a hash with more than one batch, or a
 *   hash aggregate that wrote to disk; without it, a sort or hash whose estimated input (rows x width) is
 *   more than work_mem (times hash_mem_multiplier for hashes). The suggested work_mem is twice the spilled
 *   size, rounded up to a power of two MB, since a tuple takes more room in memory than on disk.</li>
 * <li>{@code explain.nested-loop-many-rows}: a nested loop whose outer side gives more than
 *   {@value #NESTED_LOOP_OUTER_ROWS} rows (actual with ANALYZE, else estimated): its inner side runs once per
 *   outer row, where a hash or merge join reads each side once.</li>
 * </ul>
 * Checked on PostgreSQL 14 to 17.
 */
public final class Explainer {

    static final long BIG_TABLE_ROWS = 100_000;
    static final long BIG_TABLE_PAGES = 10_000;
    static final int SELECTIVE_ONE_IN = 10;
    static final int MISESTIMATE_FACTOR = 10;
    static final long MISESTIMATE_MIN_ROWS = 1_000;
    static final long NESTED_LOOP_OUTER_ROWS = 10_000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern READ_ONLY_START = Pattern.compile("(?is)^(select|with|values|table)\\b.*");
    private static final Pattern DML_WORD = Pattern.compile("(?i)\\b(insert|update|delete|merge)\\b");

    private static final String TABLE_FACTS = """
            select c.relpages, c.reltuples,
                   pg_relation_size(c.oid) / current_setting('block_size')::bigint as pages_now,
                   array(select a.attname::text from pg_attribute a
                         where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum) as columns
            from pg_class c
            where c.oid = to_regclass(quote_ident(?) || '.' || quote_ident(?))
            """;

    private static final String SETTINGS = """
            select pg_size_bytes(current_setting('work_mem')),
                   coalesce(current_setting('hash_mem_multiplier', true), '1')::float8,
                   current_setting('enable_hashjoin'), current_setting('enable_mergejoin')
            """;

    private Explainer() {
    }

    /**
     * Explains {@code sql} on {@code connection}.
     *
     * @param analyze run the statement (in a transaction that is rolled back) for actual rows, times and spills
     * @throws InsightException with PostgreSQL's message (exit code 2) when the statement cannot be explained
     */
    public static Explanation explain(Connection connection, String sql, boolean analyze) {
        requireNonNull(connection, "null connection");
        requireNonNull(sql, "null sql");
        String statement = sql.strip().replaceAll(";+\\s*$", "").strip();
        if (statement.isEmpty()) {
            throw new InsightException("no statement to explain", "Pass one SQL statement, such as \"select * from orders where id = 1\".", KeelException.USAGE, null);
        }
        String options = analyze ? "FORMAT JSON, VERBOSE, BUFFERS, ANALYZE" : "FORMAT JSON, VERBOSE, BUFFERS";
        try {
            boolean ownTransaction = connection.getAutoCommit();
            Savepoint savepoint = null;
            if (ownTransaction) {
                connection.setAutoCommit(false);
            } else {
                savepoint = connection.setSavepoint();
            }
            try (Statement st = connection.createStatement()) {
                if (ownTransaction && !analyze) {
                    st.execute("set transaction read only");
                }
                JsonNode document;
                try (ResultSet rs = st.executeQuery("EXPLAIN (" + options + ") " + statement)) {
                    rs.next();
                    document = JSON.readTree(rs.getString(1)).get(0);
                } catch (SQLException e) {
                    throw new InsightException("cannot explain the statement: " + firstLine(e.getMessage()),
                            "Fix the statement so that it runs in psql; EXPLAIN takes one statement without $1 parameters.",
                            KeelException.USAGE, e);
                }
                PlanNode root = PlanNode.parse(document.get("Plan"));
                Findings findings = new Rules(connection, analyze).check(root);
                return new Explanation(document, root, findings, analyze, analyze && changesData(statement));
            } finally {
                if (ownTransaction) {
                    connection.rollback();
                    connection.setAutoCommit(true);
                } else {
                    connection.rollback(savepoint);
                }
            }
        } catch (SQLException e) {
            throw new InsightException("explain failed: " + firstLine(e.getMessage()), null, KeelException.RUNTIME, e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InsightException("cannot read PostgreSQL's plan: " + e.getOriginalMessage(), null, KeelException.RUNTIME, e);
        }
    }

    /** True for a statement that may change data: anything but a plain SELECT, WITH, VALUES or TABLE. */
    static boolean changesData(String sql) {
        String s = Workload.code(sql);
        if (!READ_ONLY_START.matcher(s).matches()) {
            return true;
        }
        return s.toLowerCase(Locale.ROOT).startsWith("with") && DML_WORD.matcher(s).find();
    }

    private static String firstLine(String message) {
        String m = message == null ? "unknown error" : message.strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }


    static String rows(double n) {
        return String.format(Locale.ROOT, "%,d", Math.round(n));
    }

    /** Megabytes for a work_mem suggestion: twice {@code kb}, rounded up to a power of two, at least 8 MB. */
    static long suggestedWorkMemMb(long kb) {
        long mb = Math.max(8, (2 * kb + 1023) / 1024);
        return Long.highestOneBit(mb - 1) << 1;
    }

    /** The columns of {@code columns} that {@code expression} mentions, in the order it mentions them. */
    static List<String> columnsIn(String expression, List<String> columns) {
        TreeMap<Integer, String> found = new TreeMap<>();
        String code = expression.replaceAll("'(?:[^']++|'')*+'", "''"); // no columns inside string literals
        for (String column : columns) {
            Matcher m = Pattern.compile("(?<![\\w\"$])(?:\\w+\\.)?\"?" + Pattern.quote(column) + "\"?(?![\\w\"(])")
                    .matcher(code);
            if (m.find()) {
                found.putIfAbsent(m.start(), column);
            }
        }
        return List.copyOf(found.values());
    }

    /** The facts of one table the rules need. */
    record TableFacts(long pages, double rows, List<String> columns) {
        boolean big() {
            return rows > BIG_TABLE_ROWS || pages > BIG_TABLE_PAGES;
        }
    }

    /** The rules over one plan; reads table sizes and settings on the same connection, once each. */
    private static final class Rules {
        private final Connection connection;
        private final boolean analyze;
        private final Map<String, Optional<TableFacts>> tables = new HashMap<>();
        private final List<Finding> findings = new ArrayList<>();
        private long workMemBytes;
        private double hashMemMultiplier;
        private String enableHashjoin;
        private String enableMergejoin;

        Rules(Connection connection, boolean analyze) throws SQLException {
            this.connection = connection;
            this.analyze = analyze;
            try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(SETTINGS)) {
                rs.next();
                workMemBytes = rs.getLong(1);
                hashMemMultiplier = rs.getDouble(2);
                enableHashjoin = rs.getString(3);
                enableMergejoin = rs.getString(4);
            }
        }

        Findings check(PlanNode root) throws SQLException {
            visit(root, false);
            return Findings.of(findings);
        }

        /** Returns true when this node or one below it is misestimated. */
        private boolean visit(PlanNode node, boolean underLimit) throws SQLException {
            boolean limit = underLimit || node.nodeType().equals("Limit");
            boolean below = false;
            for (PlanNode child : node.children()) {
                below |= visit(child, limit);
            }
            seqScan(node);
            spill(node);
            nestedLoop(node);
            boolean off = misestimated(node, limit);
            if (off && !below) {
                misestimate(node);
            }
            return off || below;
        }

        private Optional<TableFacts> facts(PlanNode node) throws SQLException {
            if (node.relation().isEmpty() || !node.raw().hasNonNull("Schema")) {
                return Optional.empty();
            }
            String key = node.relation().get();
            if (!tables.containsKey(key)) {
                try (PreparedStatement ps = connection.prepareStatement(TABLE_FACTS)) {
                    ps.setString(1, node.raw().get("Schema").asText());
                    ps.setString(2, node.raw().get("Relation Name").asText());
                    try (ResultSet rs = ps.executeQuery()) {
                        Optional<TableFacts> facts = Optional.empty();
                        if (rs.next()) {
                            long relpages = rs.getLong(1);
                            double reltuples = rs.getDouble(2);
                            long pagesNow = rs.getLong(3);
                            double rows = reltuples < 0 ? -1
                                    : relpages > 0 ? reltuples / relpages * pagesNow : reltuples;
                            Array array = rs.getArray(4);
                            List<String> columns = List.of((String[]) array.getArray());
                            facts = Optional.of(new TableFacts(pagesNow, rows, columns));
                        }
                        tables.put(key, facts);
                    }
                }
            }
            return tables.get(key);
        }

        private Map<String, Object> evidence(PlanNode node) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("node", node.id());
            e.put("nodeType", node.nodeType());
            node.relation().ifPresent(r -> e.put("relation", r));
            e.put("estimatedRows", Math.round(node.planRows() * node.loops()));
            node.actualRows().ifPresent(a -> e.put("actualRows", Math.round(a * node.loops())));
            if (node.loops() != 1) {
                e.put("loops", node.loops());
            }
            return e;
        }

        private void add(String rule, Severity severity, PlanNode node, String message, String remedy,
                Map<String, Object> evidence) {
            findings.add(new Finding(rule, severity, node.relation().orElse("#" + node.id() + " " + node.nodeType()),
                    message, remedy, evidence, null));
        }

        private void seqScan(PlanNode node) throws SQLException {
            if (!node.nodeType().equals("Seq Scan")) {
                return;
            }
            Optional<TableFacts> found = facts(node);
            if (found.isEmpty() || !found.get().big()) {
                return;
            }
            TableFacts t = found.get();
            Map<String, Object> e = evidence(node);
            e.put("tableRows", Math.round(Math.max(t.rows(), 0)));
            e.put("pages", t.pages());
            String relation = node.relation().get();
            String size = (t.rows() >= 0 ? "~" + rows(t.rows()) + " rows, " : "") + rows(t.pages()) + " pages";
            Optional<String> filter = node.text("Filter");
            double kept = node.rowsTotal();
            boolean selective = t.rows() > 0 && kept * SELECTIVE_ONE_IN <= t.rows();
            if (filter.isPresent()) {
                e.put("filter", filter.get());
            }
            List<String> columns = filter.map(f -> columnsIn(f, t.columns())).orElse(List.of());
            if (filter.isPresent() && selective && !columns.isEmpty()) {
                String cols = String.join(", ", columns.stream().map(Identifiers::quote).toList());
                add("explain.seq-scan-big-table", Severity.WARNING, node,
                        "Seq Scan on " + relation + " reads the whole table (" + size + ") to keep about "
                                + rows(kept) + " rows through the filter " + filter.get()
                                + "; an index on the filtered column" + (columns.size() > 1 ? "s" : "")
                                + " would read only those rows.",
                        "CREATE INDEX CONCURRENTLY ON " + relation + " (" + cols + ");"
                                + " -- then run keel explain again to see whether the planner uses it",
                        e);
            } else if (filter.isPresent()) {
                add("explain.seq-scan-big-table", Severity.INFO, node,
                        "Seq Scan on " + relation + " reads the whole table (" + size + ") and keeps about "
                                + rows(kept) + " rows through the filter " + filter.get()
                                + "; that is most of the table, so an index would not make it cheaper.",
                        "If you need fewer rows, narrow the WHERE clause on a column an index can serve.", e);
            } else {
                add("explain.seq-scan-big-table", Severity.INFO, node,
                        "Seq Scan on " + relation + " reads the whole table (" + size + ") without a filter.",
                        "If you need only some rows, add a WHERE clause (and an index on its column) or a LIMIT.", e);
            }
        }

        private static boolean misestimated(PlanNode node, boolean underLimit) {
            if (node.actualRows().isEmpty() || node.loops() == 0) {
                return false;
            }
            double est = node.planRows() * node.loops();
            double act = node.actualRows().getAsDouble() * node.loops();
            if (underLimit && act < est) {
                return false;
            }
            double big = Math.max(est, act);
            double small = Math.max(Math.min(est, act), 1);
            return big >= MISESTIMATE_MIN_ROWS && big / small > MISESTIMATE_FACTOR;
        }

        private void misestimate(PlanNode node) throws SQLException {
            double est = node.planRows() * node.loops();
            double act = node.actualRows().getAsDouble() * node.loops();
            Map<String, Object> e = evidence(node);
            long factor = Math.round(Math.max(est, act) / Math.max(Math.min(est, act), 1));
            e.put("factor", factor);
            Optional<String> filter = node.text("Filter").or(() -> node.text("Index Cond"))
                    .or(() -> node.text("Hash Cond")).or(() -> node.text("Join Filter"));
            filter.ifPresent(f -> e.put("condition", f));
            String message = node.label() + " was estimated at " + rows(est) + " rows but returned " + rows(act)
                    + " (" + factor + "x " + (act > est ? "more" : "fewer") + ")"
                    + filter.map(f -> " for " + f).orElse("")
                    + "; plans built on a wrong row count pick the wrong join methods and memory sizes.";
            String remedy;
            if (node.relation().isPresent()) {
                String relation = node.relation().get();
                List<String> columns = facts(node).map(t -> filter.map(f -> columnsIn(f, t.columns())).orElse(List.<String>of()))
                        .orElse(List.of());
                remedy = "ANALYZE " + relation + ";";
                if (columns.size() >= 2) {
                    String table = node.raw().get("Relation Name").asText();
                    String name = Identifiers.quote((table + "_" + String.join("_", columns) + "_stats").toLowerCase(Locale.ROOT));
                    remedy += " If the estimate stays off, the columns are likely correlated: CREATE STATISTICS "
                            + Identifiers.quote(node.raw().get("Schema").asText()) + "." + name + " (dependencies, mcv) ON "
                            + String.join(", ", columns.stream().map(Identifiers::quote).toList()) + " FROM " + relation
                            + "; ANALYZE " + relation + ";";
                }
            } else {
                List<String> below = node.walk().stream().flatMap(n -> n.relation().stream()).distinct().toList();
                remedy = below.isEmpty() ? "ANALYZE the tables the statement reads."
                        : "ANALYZE " + String.join(", ", below) + ";"
                        + " If the estimate stays off, consider CREATE STATISTICS on the join columns.";
            }
            add("explain.misestimate", Severity.WARNING, node, message, remedy, e);
        }

        private void spill(PlanNode node) {
            JsonNode raw = node.raw();
            String type = node.nodeType();
            Map<String, Object> e = evidence(node);
            long workMemKb = workMemBytes / 1024;
            e.put("workMem", workMemKb + " kB");
            if (analyze) {
                long spillKb;
                String what;
                if (type.equals("Sort") && "Disk".equals(raw.path("Sort Space Type").asText())) {
                    spillKb = raw.path("Sort Space Used").asLong();
                    what = "Sort" + node.text("Sort Key").map(k -> " by " + k).orElse("") + " (" + raw.path("Sort Method").asText()
                            + ") wrote " + rows(spillKb) + " kB to disk";
                    e.put("sortMethod", raw.path("Sort Method").asText());
                } else if (type.equals("Hash") && raw.path("Hash Batches").asLong(1) > 1) {
                    long batches = raw.path("Hash Batches").asLong();
                    spillKb = Math.max(raw.path("Peak Memory Usage").asLong(), workMemKb) * batches;
                    what = "Hash split its input into " + batches + " batches, writing all but one to disk (about "
                            + rows(spillKb) + " kB in all)";
                    e.put("batches", batches);
                } else if (type.equals("Aggregate") && raw.path("Disk Usage").asLong() > 0) {
                    spillKb = raw.path("Disk Usage").asLong();
                    what = "HashAggregate wrote " + rows(spillKb) + " kB to disk";
                } else {
                    return;
                }
                e.put("spillKB", spillKb);
                long mb = suggestedWorkMemMb(spillKb);
                add("explain.spill", Severity.WARNING, node,
                        what + " because work_mem (" + workMemKb + " kB) was too small; disk is far slower than memory.",
                        "SET work_mem = '" + mb + "MB'; for this session, or ALTER ROLE ... SET work_mem = '" + mb
                                + "MB' for the role that runs it (not server-wide: every sort and hash of every connection may use that much)."
                                + (type.equals("Sort") ? " An index in the sort order avoids the sort." : ""),
                        e);
                return;
            }
            double limit;
            if (type.equals("Sort")) {
                limit = workMemBytes;
            } else if (type.equals("Hash")) {
                limit = workMemBytes * hashMemMultiplier;
            } else {
                return;
            }
            double bytes = node.planRows() * raw.path("Plan Width").asDouble();
            if (bytes <= limit) {
                return;
            }
            long kb = Math.round(bytes / 1024);
            e.put("estimatedKB", kb);
            long mb = suggestedWorkMemMb(kb);
            add("explain.spill", Severity.INFO, node,
                    type + (node.text("Sort Key").map(k -> " by " + k).orElse("")) + " is estimated to hold about "
                            + rows(kb) + " kB, more than work_mem allows (" + workMemKb
                            + " kB), so it will likely spill to disk. Run with --analyze to see whether it does.",
                    "SET work_mem = '" + mb + "MB'; for this session, or ALTER ROLE ... SET work_mem for the role that runs it.",
                    e);
        }

        private void nestedLoop(PlanNode node) {
            if (!node.nodeType().equals("Nested Loop") || node.children().size() < 2) {
                return;
            }
            PlanNode outer = node.children().get(0);
            PlanNode inner = node.children().get(1);
            double outerRows = outer.rowsTotal();
            if (outerRows <= NESTED_LOOP_OUTER_ROWS) {
                return;
            }
            Map<String, Object> e = evidence(node);
            e.put("outerRows", Math.round(outerRows));
            e.put("outer", outer.label());
            e.put("inner", inner.label());
            node.text("Join Filter").ifPresent(f -> e.put("joinFilter", f));
            List<String> settings = new ArrayList<>();
            if ("off".equals(enableHashjoin)) {
                settings.add("SET enable_hashjoin = on;");
            }
            if ("off".equals(enableMergejoin)) {
                settings.add("SET enable_mergejoin = on;");
            }
            String remedy = settings.isEmpty()
                    ? "ANALYZE the joined tables so the planner sees the real row counts, and make sure the inner side's join column is indexed"
                            + inner.walk().stream().flatMap(n -> n.relation().stream()).findFirst().map(r -> " (" + r + ")").orElse("")
                            + "; a hash join reads each side once."
                    : "This session has " + String.join(" and ", settings.stream().map(s -> s.replace("SET ", "").replace(" = on;", " off")).toList())
                            + ", which forces the nested loop: " + String.join(" ", settings);
            add("explain.nested-loop-many-rows", Severity.WARNING, node,
                    "Nested Loop runs its inner side (" + inner.label() + ") once for each of "
                            + (analyze ? "" : "an estimated ") + rows(outerRows) + " outer rows (" + outer.label() + ").",
                    remedy, e);
        }
    }
}
