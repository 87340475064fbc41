package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keel.core.KeelException;
import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.CatalogOptions;
import dev.keel.core.catalog.CatalogReader;
import dev.keel.core.catalog.Index;
import dev.keel.core.catalog.Table;
import dev.keel.core.sql.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recommends a small set of btree indexes for a workload, each checked against PostgreSQL's planner with
 * hypothetical indexes (hypopg). Statements are only planned, never run.
 *
 * <p>Implementation notes (the cost model). Each statement is planned once as it is (its generic plan, for
 * $n statements), giving cost0 per call. Candidate indexes come from the plans: the columns a statement
 * compares for equality (filters, join conditions), then one range column or the sort keys (see
 * {@link ColumnUse}); candidates an existing btree index already leads with are dropped. A candidate's
 * saving is the sum, over the statements that read its table, of calls × (cost now − cost with it), where a
 * statement counts only if its cost drops by at least {@value #MIN_DROP_PERCENT}% (Dexter's rule: smaller
 * drops are within the planner's noise and rarely worth an index), and statements whose cost0 is under
 * {@value #MIN_COST} are left out (nothing much to save). From that saving the write overhead is
 * subtracted: the rows the workload inserted or updated in the table (pg_stat_statements' rows of its
 * INSERT and UPDATE statements) times two random page accesses (2 × random_page_cost), roughly a btree leaf
 * read and its write-back per row. DELETE rows are not counted: btree entries are removed later by VACUUM.
 *
 * <p>A $n statement from pg_stat_statements whose parameters include a range ({@code created_at > $1}) is
 * planned with values instead of its generic plan when the observed rows per call say how selective it is,
 * because the generic plan's fixed guess (a third of the rows for a one-sided range) hides the index for
 * "the recent rows"; see {@link RangeValues}. The statement keeps those values for all its plans, so its
 * costs stay comparable. Statements whose rows say nothing about the range (aggregates, LIMIT) keep the
 * generic plan.
 *
 * <p>Selection is greedy across statements, as in the classic index-selection heuristics (Chaudhuri and
 * Narasayya's "An Efficient, Cost-Driven Index Selection Tool", 1997): repeatedly take the candidate with
 * the largest net saving given the indexes already chosen (which stay as hypothetical indexes, so later
 * plans see them), until the best one saves nothing or {@link Options#maxIndexes} are chosen. To bound the
 * number of EXPLAINs the selection is lazy (Minoux's accelerated greedy): a saving can only shrink as
 * indexes are added, so a candidate is re-planned only when its stale saving is still the best; only the
 * statements that read the candidate's table are re-planned, and each (statement, indexes on its tables)
 * plan is cached.
 *
 * <p>Without hypopg the same candidates give rule-of-thumb advice: per statement and table read by a Seq
 * Scan of at least {@value #RULE_MIN_ROWS} rows, the equality columns then one range column or the sort
 * keys; marked not validated, ranked by the statements' total time. Checked on PostgreSQL 15 with hypopg 1.3.1.
 */
public final class IndexAdvisor {

    static final double MIN_COST = 100;
    static final int MIN_DROP_PERCENT = 50;
    static final long RULE_MIN_ROWS = 10_000;

    private static final Pattern WRITE_TARGET = Pattern.compile(
            "(?is)^\\s*(?:insert\\s+into|update(?:\\s+only)?|delete\\s+from(?:\\s+only)?)\\s+((?:\"(?:[^\"]++|\"\")++\"|[\\w$]+)(?:\\s*\\.\\s*(?:\"(?:[^\"]++|\"\")++\"|[\\w$]+))?)");

    /**
     * How to advise.
     *
     * @param hypothetical use hypopg to validate candidates (false: rule-of-thumb advice only)
     * @param maxIndexes   the most indexes to recommend
     * @param status       status lines for the user (which mode, what was created), never null
     */
    public record Options(boolean hypothetical, int maxIndexes, Consumer<String> status) {
        public Options {
            if (maxIndexes < 1) {
                throw new IllegalArgumentException("maxIndexes must be at least 1, was " + maxIndexes);
            }
            requireNonNull(status, "null status");
        }

        /** hypopg when it can be used, at most 10 indexes, no status lines. */
        public static Options defaults() {
            return new Options(true, 10, line -> { });
        }

        public Options withHypothetical(boolean use) {
            return new Options(use, maxIndexes, status);
        }

        public Options withMaxIndexes(int n) {
            return new Options(hypothetical, n, status);
        }

        public Options withStatus(Consumer<String> lines) {
            return new Options(hypothetical, maxIndexes, lines);
        }
    }

    private IndexAdvisor() {
    }

    /**
     * Advises indexes for {@code workload} on the database of {@code connection}. Everything runs in one
     * transaction that is rolled back; hypothetical indexes are dropped before it ends, also on failure.
     *
     * @throws InsightException (exit 2) when every statement given with --query fails to plan
     */
    public static IndexAdvice advise(Connection connection, Workload workload, Options options) {
        requireNonNull(connection, "null connection");
        requireNonNull(workload, "null workload");
        requireNonNull(options, "null options");
        try (PlanSession session = new PlanSession(connection)) {
            return new Run(connection, session, workload, options).advise();
        } catch (SQLException e) {
            throw new InsightException("index advice failed: " + PlanSession.firstLine(e), null, KeelException.RUNTIME, e);
        }
    }

    static String cost(double c) {
        return String.format(Locale.ROOT, "%,.0f", c);
    }

    /** One planned statement. */
    private static final class Planned {
        final int id;
        final Workload.Statement statement;
        final String planSql;
        final String values;
        final double cost0;
        final ColumnUse use;
        final Set<String> tables;
        double current;

        Planned(int id, Workload.Statement statement, String planSql, String values, JsonNode plan) {
            this.id = id;
            this.statement = statement;
            this.planSql = planSql;
            this.values = values;
            this.cost0 = plan.path("Total Cost").asDouble();
            this.current = cost0;
            this.use = ColumnUse.of(plan);
            this.tables = new TreeSet<>();
            collectTables(plan, tables);
        }

        private static void collectTables(JsonNode node, Set<String> into) {
            if (node.hasNonNull("Relation Name") && node.hasNonNull("Schema")) {
                into.add(node.get("Schema").asText() + "." + node.get("Relation Name").asText());
            }
            for (JsonNode child : node.path("Plans")) {
                collectTables(child, into);
            }
        }
    }

    /** One candidate index and its last evaluation. */
    private static final class Candidate {
        final String table;
        final List<String> columns;
        final String key;
        final Set<Integer> from = new LinkedHashSet<>();
        int round = -1;
        double gain;
        double net;
        Map<Integer, Double> costs = Map.of();

        Candidate(String table, List<String> columns) {
            this.table = table;
            this.columns = List.copyOf(columns);
            this.key = table + "(" + String.join(",", columns) + ")";
        }

        String ddl(boolean concurrently) {
            int dot = table.indexOf('.');
            return "CREATE INDEX " + (concurrently ? "CONCURRENTLY " : "") + "ON " + Identifiers.qualified(table.substring(0, dot), table.substring(dot + 1))
                    + " (" + String.join(", ", columns.stream().map(Identifiers::quote).toList()) + ")";
        }
    }

    /** The state of one advice run. */
    private static final class Run {
        private final Connection connection;
        private final PlanSession session;
        private final Workload workload;
        private final Options options;
        private final List<Planned> planned = new ArrayList<>();
        private final List<Workload.Skipped> skipped = new ArrayList<>();
        private final Map<String, Double> rowsWritten = new HashMap<>();
        private final Map<String, Double> planCache = new HashMap<>();
        private final List<Candidate> chosen = new ArrayList<>();
        private double writeCostPerRow;

        Run(Connection connection, PlanSession session, Workload workload, Options options) {
            this.connection = connection;
            this.session = session;
            this.workload = workload;
            this.options = options;
        }

        IndexAdvice advise() throws SQLException {
            skipped.addAll(workload.skipped());
            PlanSession.Hypopg hypopg = options.hypothetical() ? session.enableHypopg()
                    : new PlanSession.Hypopg(false, "--no-hypopg: hypopg was not used");
            options.status().accept(hypopg.usable() ? "Validating candidates with hypothetical indexes (" + hypopg.note() + ")."
                    : "Not validated: " + hypopg.note() + ". The advice below is a rule of thumb.");
            writeCostPerRow = 2 * setting("random_page_cost");
            String[] failure = new String[1];
            for (Workload.Statement s : workload.statements()) {
                String kind = Workload.kind(s.sql());
                if (!kind.equals("select")) {
                    countWrites(s, kind);
                }
                if (kind.equals("insert") && !s.sql().toLowerCase(Locale.ROOT).matches("(?s).*\\bselect\\b.*")) {
                    skipped.add(new Workload.Skipped(s.sql(), "INSERT ... VALUES reads no table (its rows count as write overhead)"));
                    continue;
                }
                Optional<JsonNode> plan = session.plan(s.sql(), failure);
                if (plan.isEmpty()) {
                    skipped.add(new Workload.Skipped(s.sql(), failure[0]));
                    continue;
                }
                String sql = s.sql();
                JsonNode chosenPlan = plan.get();
                String values = null;
                if (workload.source().equals("pg_stat_statements") && !kind.equals("insert")) {
                    Optional<RangeValues.Choice> c = RangeValues.choose(session, s.sql(), plan.get(), (double) s.rows() / s.calls());
                    if (c.isPresent()) {
                        sql = c.get().sql();
                        chosenPlan = c.get().plan();
                        values = c.get().values();
                    }
                }
                Planned p = new Planned(planned.size(), s, sql, values, chosenPlan);
                if (p.tables.isEmpty()) {
                    skipped.add(new Workload.Skipped(s.sql(), "reads no table"));
                } else {
                    planned.add(p);
                }
            }
            if (planned.isEmpty() && workload.source().equals("query") && !skipped.isEmpty()
                    && skipped.stream().allMatch(k -> k.reason().startsWith("cannot be planned"))) {
                throw new InsightException("the statement " + skipped.get(0).reason(),
                        "Fix the statement so that it runs in psql.", KeelException.USAGE, null);
            }
            Catalog catalog = catalog();
            Map<String, Candidate> candidates = candidates(catalog, hypopg.usable());
            List<IndexAdvice.Recommendation> recommendations = new ArrayList<>();
            List<IndexAdvice.Rejected> rejected = new ArrayList<>();
            if (hypopg.usable()) {
                select(candidates, recommendations, rejected);
                session.resetHypothetical();
            } else {
                rules(candidates, recommendations, rejected);
            }
            boolean times = workload.statements().stream().anyMatch(s -> s.totalMillis() > 0);
            Comparator<IndexAdvice.Recommendation> order = times && hypopg.usable()
                    ? Comparator.comparing((IndexAdvice.Recommendation r) -> r.timeSavedMillis() == null ? 0 : r.timeSavedMillis()).reversed()
                    : Comparator.comparing(IndexAdvice.Recommendation::costBefore).reversed();
            if (!hypopg.usable()) {
                order = Comparator.comparing((IndexAdvice.Recommendation r) -> -weightOfRule(r));
            }
            recommendations.sort(order);
            List<IndexAdvice.Examined> examined = planned.stream()
                    .map(p -> new IndexAdvice.Examined(p.statement.sql(), p.statement.calls(), p.cost0, p.values)).toList();
            return new IndexAdvice(recommendations, rejected, hypopg.usable(), hypopg.note(), examined, skipped, session.explains());
        }

        private double weightOfRule(IndexAdvice.Recommendation r) {
            double ms = 0;
            for (IndexAdvice.Served s : r.statements()) {
                ms += planned.stream().filter(p -> p.statement.sql().equals(s.sql())).mapToDouble(p -> p.statement.totalMillis()).sum();
            }
            return ms > 0 ? ms : r.costBefore();
        }

        private double setting(String name) throws SQLException {
            try (PreparedStatement ps = connection.prepareStatement("select pg_catalog.current_setting(?)::float8")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getDouble(1);
                }
            }
        }

        /** Adds the rows an INSERT or UPDATE wrote to its table's write count (pg_stat_statements' rows). */
        private void countWrites(Workload.Statement s, String kind) throws SQLException {
            if (kind.equals("delete") || s.rows() <= 0) {
                return;
            }
            String target = writeTarget(s.sql());
            if (target == null) {
                return;
            }
            // Checked on PostgreSQL 15: to_regclass resolves the name as the statement would, on this search_path.
            try (PreparedStatement ps = connection.prepareStatement("""
                    select n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                    where c.oid = pg_catalog.to_regclass(?)
                    """)) {
                ps.setString(1, target.replaceAll("\\s+", ""));
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        rowsWritten.merge(rs.getString(1), (double) s.rows(), Double::sum);
                    }
                }
            }
        }

        private Catalog catalog() {
            List<String> schemas = planned.stream().flatMap(p -> p.tables.stream())
                    .map(t -> t.substring(0, t.indexOf('.'))).distinct().sorted().toList();
            if (schemas.isEmpty()) {
                return null;
            }
            return CatalogReader.read(connection, CatalogOptions.defaults().withSchemas(schemas));
        }

        private Map<String, Candidate> candidates(Catalog catalog, boolean hypothetical) {
            Map<String, Candidate> all = new LinkedHashMap<>();
            for (Planned p : planned) {
                if (p.cost0 < MIN_COST) {
                    skipped.add(new Workload.Skipped(p.statement.sql(), "low cost (" + cost(p.cost0) + " < " + cost(MIN_COST)
                            + "): an index cannot save much"));
                    continue;
                }
                for (String table : p.use.tables()) {
                    Optional<Table> t = catalog.table(table.substring(0, table.indexOf('.')), table.substring(table.indexOf('.') + 1));
                    if (t.isEmpty() || t.get().partitioned() || t.get().partition()) {
                        continue; // hypopg does not handle partitioned tables
                    }
                    List<List<String>> lists;
                    if (hypothetical) {
                        lists = p.use.candidates(table);
                    } else {
                        Long rows = t.get().statistics() == null ? null : t.get().statistics().rowEstimate();
                        if (!p.use.seqScanned().contains(table) || rows == null || rows < RULE_MIN_ROWS) {
                            continue;
                        }
                        List<String> rule = p.use.rule(table);
                        lists = rule.isEmpty() ? List.of() : List.of(rule);
                    }
                    for (List<String> columns : lists) {
                        if (!columns.stream().allMatch(c -> t.get().column(c).isPresent()) || covered(t.get(), columns)) {
                            continue;
                        }
                        all.computeIfAbsent(new Candidate(table, columns).key, k -> new Candidate(table, columns)).from.add(p.id);
                    }
                }
            }
            return all;
        }

        /** True when an existing valid btree index starts with these columns. */
        private static boolean covered(Table table, List<String> columns) {
            // index keys are written as pg_get_indexdef writes them (quoted where needed); compare the bare names
            for (Index index : table.indexes()) {
                if (index.valid() && index.method().equals("btree") && index.predicate() == null
                        && index.keys().size() >= columns.size()
                        && index.keys().subList(0, columns.size()).stream().map(ColumnUse::unquote).toList().equals(columns)) {
                    return true;
                }
            }
            return false;
        }

        /** Lazy greedy selection with hypothetical indexes; see the class's implementation notes. */
        private void select(Map<String, Candidate> candidates, List<IndexAdvice.Recommendation> out,
                List<IndexAdvice.Rejected> rejected) throws SQLException {
            PriorityQueue<Candidate> queue = new PriorityQueue<>(Comparator.comparingDouble((Candidate c) -> -c.net)
                    .thenComparing(c -> c.key));
            Map<String, IndexAdvice.Rejected> rejectedByKey = new LinkedHashMap<>();
            int round = 0;
            for (Candidate c : candidates.values()) {
                evaluate(c, round);
                noteRejected(c, rejectedByKey);
                if (c.net > 0) {
                    queue.add(c);
                }
            }
            while (!queue.isEmpty() && chosen.size() < options.maxIndexes()) {
                Candidate c = queue.poll();
                if (c.round != round) {
                    evaluate(c, round);
                    noteRejected(c, rejectedByKey);
                    if (c.net > 0) {
                        queue.add(c);
                    }
                    continue;
                }
                String[] failure = new String[1];
                Optional<Long> oid = session.createHypothetical(c.ddl(false), failure);
                if (oid.isEmpty()) {
                    continue;
                }
                chosen.add(c);
                rejectedByKey.remove(c.key);
                List<IndexAdvice.Served> served = new ArrayList<>();
                double before = 0;
                double after = 0;
                double millis = 0;
                for (Map.Entry<Integer, Double> e : c.costs.entrySet()) {
                    Planned p = planned.get(e.getKey());
                    double now = e.getValue();
                    if (counts(p.current, now)) {
                        served.add(new IndexAdvice.Served(p.statement.sql(), p.statement.calls(), p.current, now));
                        before += p.statement.calls() * p.current;
                        after += p.statement.calls() * now;
                        millis += p.statement.totalMillis() * (p.current - now) / p.cost0;
                    }
                    p.current = Math.min(p.current, now);
                }
                double penalty = penalty(c);
                out.add(new IndexAdvice.Recommendation(c.table, c.columns, "btree", c.ddl(true) + ";", before, after,
                        before - after - penalty, penalty, millis > 0 ? millis : null, served, true));
                round++;
            }
            rejected.addAll(rejectedByKey.values());
        }

        private void noteRejected(Candidate c, Map<String, IndexAdvice.Rejected> into) {
            if (c.gain > 0 && c.net <= 0) {
                into.put(c.key, new IndexAdvice.Rejected(c.table, c.columns, c.gain, penalty(c),
                        String.format(Locale.ROOT, "keeping it up to date for %,.0f written rows would cost more than it saves",
                                rowsWritten.getOrDefault(c.table, 0.0))));
            } else if (c.gain > 0) {
                into.remove(c.key);
            }
        }

        private static boolean counts(double current, double now) {
            return now <= current * (1 - MIN_DROP_PERCENT / 100.0);
        }

        private double penalty(Candidate c) {
            return rowsWritten.getOrDefault(c.table, 0.0) * writeCostPerRow;
        }

        /** Plans the statements reading c's table with c and the chosen indexes present; sets gain and net. */
        private void evaluate(Candidate c, int round) throws SQLException {
            c.round = round;
            Map<Integer, Double> costs = new LinkedHashMap<>();
            Long oid = null;
            String[] failure = new String[1];
            double gain = 0;
            for (Planned p : planned) {
                if (p.cost0 < MIN_COST || !p.tables.contains(c.table)) {
                    continue;
                }
                String cacheKey = p.id + "|" + chosen.stream().filter(x -> p.tables.contains(x.table)).map(x -> x.key).sorted()
                        .reduce("", (a, b) -> a + ";" + b) + "|" + c.key;
                Double now = planCache.get(cacheKey);
                if (now == null) {
                    if (oid == null) {
                        Optional<Long> created = session.createHypothetical(c.ddl(false), failure);
                        if (created.isEmpty()) {
                            c.gain = 0;
                            c.net = 0;
                            return;
                        }
                        oid = created.get();
                    }
                    Optional<JsonNode> plan = session.plan(p.planSql, failure);
                    now = plan.map(n -> n.path("Total Cost").asDouble()).orElse(p.current);
                    planCache.put(cacheKey, now);
                }
                costs.put(p.id, now);
                if (counts(p.current, now)) {
                    gain += p.statement.calls() * (p.current - now);
                }
            }
            if (oid != null) {
                session.dropHypothetical(oid);
            }
            c.costs = costs;
            c.gain = gain;
            c.net = gain - penalty(c);
        }

        /** Rule-of-thumb advice: one index per (table, columns) the rule gives, not validated. */
        private void rules(Map<String, Candidate> candidates, List<IndexAdvice.Recommendation> out,
                List<IndexAdvice.Rejected> rejected) {
            for (Candidate c : candidates.values()) {
                List<IndexAdvice.Served> served = new ArrayList<>();
                double before = 0;
                for (int id : c.from) {
                    Planned p = planned.get(id);
                    served.add(new IndexAdvice.Served(p.statement.sql(), p.statement.calls(), p.cost0, null));
                    before += p.statement.calls() * p.cost0;
                }
                double penalty = penalty(c);
                // Without plans to compare, assume the index could save at most half the cost it serves.
                if (penalty > before / 2) {
                    rejected.add(new IndexAdvice.Rejected(c.table, c.columns, before / 2, penalty,
                            String.format(Locale.ROOT, "keeping it up to date for %,.0f written rows would likely cost more than it saves",
                                    rowsWritten.getOrDefault(c.table, 0.0))));
                    continue;
                }
                out.add(new IndexAdvice.Recommendation(c.table, c.columns, "btree", c.ddl(true) + ";", before, null, null,
                        penalty, null, served, false));
                if (out.size() >= options.maxIndexes()) {
                    break;
                }
            }
        }
    }

    /** The table an INSERT, UPDATE or DELETE writes to, as written in the statement, or null. */
    static String writeTarget(String sql) {
        Matcher m = WRITE_TARGET.matcher(sql);
        return m.find() ? m.group(1) : null;
    }
}
