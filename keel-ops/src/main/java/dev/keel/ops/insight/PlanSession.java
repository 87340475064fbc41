package dev.keel.ops.insight;

import dev.keel.core.sql.Identifiers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plans statements without running them, on one connection, inside one transaction that is rolled back at
 * {@link #close} (a savepoint of the caller's transaction when the connection is in one, so the caller's
 * work stays); hypothetical indexes (hypopg) live in the session while it is open.
 *
 * <p>Each plan runs between a savepoint and a rollback to it, so the locks planning takes (RowExclusiveLock
 * for an UPDATE) are released at once and a failed plan does not abort the rest. Statements with $n
 * parameters (pg_stat_statements) are planned as Dexter does on PostgreSQL 15, which has no EXPLAIN
 * (GENERIC_PLAN): {@code PREPARE} with {@code plan_cache_mode = force_generic_plan}, then
 * {@code EXPLAIN EXECUTE} with a NULL for each parameter. A parameter of LIMIT or OFFSET is planned as
 * {@value #PLANNED_LIMIT} and 0: pg_stat_statements hides the constant, and a generic plan would assume a
 * tenth of the rows, which hides every index that avoids a sort. Range parameters may be given literal values
 * before planning ({@link RangeValues}); the other parameters stay generic.
 */
final class PlanSession implements AutoCloseable {

    static final int PLANNED_LIMIT = 100;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PARAM = Pattern.compile("\\$(\\d+)");
    private static final Pattern LIMIT_PARAM = Pattern.compile("(?i)\\b(limit|offset)\\s+\\$(\\d+)\\b");
    private static final Pattern STRING = Pattern.compile("'(?:[^']++|'')*+'");

    private final Connection connection;
    private final boolean autoCommit;
    private String hypopgSchema;
    private int explains;
    private int savepoints;

    PlanSession(Connection connection) throws SQLException {
        this.connection = connection;
        this.autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement st = connection.createStatement()) {
            if (!autoCommit) {
                // The caller's transaction: undo only what the advisor did, at close.
                st.execute("savepoint keel_adv_outer");
            }
            // Planning takes the same locks as running would; do not queue behind DDL for long.
            st.execute("set local lock_timeout = '2s'; set local plan_cache_mode = force_generic_plan");
        }
    }

    /** How many EXPLAINs ran. */
    int explains() {
        return explains;
    }

    /** What the session found about hypopg: usable (and where), or why not. */
    record Hypopg(boolean usable, String note) {
    }

    /**
     * Makes hypopg usable: as installed; or, when the server has it but the database does not, by CREATE
     * EXTENSION inside this transaction, which {@link #close} rolls back with everything else.
     */
    Hypopg enableHypopg() throws SQLException {
        String installedIn = null;
        boolean available = false;
        // Checked on PostgreSQL 15.
        try (PreparedStatement ps = connection.prepareStatement("""
                select (select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace
                        where e.extname = 'hypopg'),
                       exists (select 1 from pg_available_extensions where name = 'hypopg')
                """); ResultSet rs = ps.executeQuery()) {
            rs.next();
            installedIn = rs.getString(1);
            available = rs.getBoolean(2);
        }
        if (installedIn != null) {
            hypopgSchema = installedIn;
            return new Hypopg(true, "hypopg " + "is installed");
        }
        if (!available) {
            return new Hypopg(false, "hypopg is not available on this server (install the package postgresql-15-hypopg"
                    + " or your platform's hypopg, then CREATE EXTENSION hypopg)");
        }
        String sp = savepoint();
        try (Statement st = connection.createStatement()) {
            st.execute("create extension hypopg");
            st.execute("release savepoint " + sp);
        } catch (SQLException e) {
            rollbackTo(sp);
            return new Hypopg(false, "hypopg is available on the server but not installed in this database, and this role cannot"
                    + " create it (" + firstLine(e) + "); ask a superuser to run CREATE EXTENSION hypopg;");
        }
        try (PreparedStatement ps = connection.prepareStatement(
                "select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'hypopg'");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            hypopgSchema = rs.getString(1);
        }
        return new Hypopg(true, "hypopg was not installed in this database: Keel created it inside its own transaction"
                + " and rolled it back, so nothing is left behind");
    }

    /** The plan of {@code sql} ("Plan" object of EXPLAIN (FORMAT JSON, VERBOSE)), or the reason it cannot be planned. */
    Optional<JsonNode> plan(String sql, String[] failure) throws SQLException {
        String[] prepared = prepared(sql);
        String sp = "keel_adv_" + (++savepoints);
        // One round trip when all goes well: the savepoint, the plan, and the rollback that drops its locks.
        String text = "savepoint " + sp + ";\n" + (prepared == null
                ? "explain (format json, verbose) " + sql
                : "prepare keel_adv as " + prepared[0] + ";\nexplain (format json, verbose) execute keel_adv" + prepared[1]
                        + ";\ndeallocate keel_adv")
                + ";\nrollback to savepoint " + sp + ";\nrelease savepoint " + sp;
        explains++;
        try (Statement st = connection.createStatement()) {
            JsonNode plan = null;
            boolean isResult = st.execute(text);
            while (true) {
                if (isResult) {
                    try (ResultSet rs = st.getResultSet()) {
                        rs.next();
                        plan = JSON.readTree(rs.getString(1)).get(0).get("Plan");
                    }
                } else if (st.getUpdateCount() == -1) {
                    break;
                }
                isResult = st.getMoreResults();
            }
            return Optional.ofNullable(plan);
        } catch (SQLException e) {
            rollbackTo(sp);
            if (prepared != null) {
                deallocate();
            }
            failure[0] = "cannot be planned: " + firstLine(e);
            return Optional.empty();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            failure[0] = "unreadable plan: " + e.getOriginalMessage();
            return Optional.empty();
        }
    }

    /**
     * The rows of a read-only query, each column as text (null for SQL NULL), or empty when it fails (the
     * failure is undone with a savepoint, so the session goes on).
     */
    Optional<List<List<String>>> query(String sql, List<String> args) throws SQLException {
        String sp = savepoint();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                ps.setString(i + 1, args.get(i));
            }
            List<List<String>> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>(columns);
                    for (int c = 1; c <= columns; c++) {
                        row.add(rs.getString(c));
                    }
                    rows.add(row);
                }
            }
            release(sp);
            return Optional.of(rows);
        } catch (SQLException e) {
            rollbackTo(sp);
            return Optional.empty();
        }
    }

    /** The first row of {@link #query}, or empty when it fails or returns nothing. */
    Optional<List<String>> row(String sql, List<String> args) throws SQLException {
        return query(sql, args).filter(rows -> !rows.isEmpty()).map(rows -> rows.get(0));
    }

    /** The elements of a text[] literal such as pg_stats' histogram_bounds::text, parsed by the server. */
    Optional<List<String>> textArray(String literal) throws SQLException {
        return query("select unnest(cast(? as text[]))", List.of(literal))
                .map(rows -> rows.stream().map(r -> r.get(0)).toList());
    }

    /**
     * The types PostgreSQL infers for the parameters of {@code preparedSql} (numbered from $1 without gaps, as
     * {@link #prepared} gives it), as SQL type names; empty when it cannot be prepared. Checked on PostgreSQL 15.
     */
    Optional<List<String>> parameterTypes(String preparedSql) throws SQLException {
        String sp = savepoint();
        try (Statement st = connection.createStatement()) {
            st.execute("prepare keel_adv as " + preparedSql);
        } catch (SQLException e) {
            rollbackTo(sp);
            deallocate();
            return Optional.empty();
        }
        release(sp);
        try {
            return query("""
                    select u.t::text from pg_prepared_statements p, unnest(p.parameter_types) with ordinality u(t, i)
                    where p.name = 'keel_adv' order by u.i
                    """, List.of()).map(rows -> rows.stream().map(r -> r.get(0)).toList());
        } finally {
            deallocate();
        }
    }

    /** Creates a hypothetical btree index; returns its oid, or empty with the reason in {@code failure}. */
    Optional<Long> createHypothetical(String createIndex, String[] failure) throws SQLException {
        String sp = savepoint();
        try (PreparedStatement ps = connection.prepareStatement(
                "select indexrelid from " + Identifiers.quote(hypopgSchema) + ".hypopg_create_index(?)")) {
            ps.setString(1, createIndex);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long oid = rs.getLong(1);
                release(sp);
                return Optional.of(oid);
            }
        } catch (SQLException e) {
            rollbackTo(sp);
            failure[0] = firstLine(e);
            return Optional.empty();
        }
    }

    void dropHypothetical(long oid) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "select " + Identifiers.quote(hypopgSchema) + ".hypopg_drop_index(?::oid)")) {
            ps.setLong(1, oid);
            ps.execute();
        }
    }

    /** Drops every hypothetical index of this session. */
    void resetHypothetical() throws SQLException {
        if (hypopgSchema != null) {
            String sp = savepoint();
            try (Statement st = connection.createStatement()) {
                st.execute("select " + Identifiers.quote(hypopgSchema) + ".hypopg_reset()");
                release(sp);
            } catch (SQLException e) {
                rollbackTo(sp);
            }
        }
    }

    /** Drops the hypothetical indexes, rolls the transaction back and gives the connection back as it was. */
    @Override
    public void close() throws SQLException {
        try {
            if (!connection.isClosed()) {
                resetHypothetical();
            }
        } finally {
            if (autoCommit) {
                try {
                    connection.rollback();
                } finally {
                    connection.setAutoCommit(true);
                }
            } else {
                try (Statement st = connection.createStatement()) {
                    st.execute("rollback to savepoint keel_adv_outer; release savepoint keel_adv_outer");
                }
            }
        }
    }

    /**
     * The statement to PREPARE and the EXECUTE arguments, or null when it has no parameters. LIMIT and
     * OFFSET parameters become constants and the rest are renumbered from $1.
     */
    static String[] prepared(String sql) {
        String code = blankStrings(sql);
        if (!PARAM.matcher(code).find()) {
            return null;
        }
        TreeSet<Integer> constants = new TreeSet<>();
        Matcher lm = LIMIT_PARAM.matcher(code);
        while (lm.find()) {
            constants.add(Integer.parseInt(lm.group(2)));
        }
        TreeSet<Integer> remaining = new TreeSet<>();
        Matcher pm = PARAM.matcher(code);
        while (pm.find()) {
            remaining.add(Integer.parseInt(pm.group(1)));
        }
        remaining.removeAll(constants);
        StringBuilder out = new StringBuilder();
        Matcher m = Pattern.compile("(?i)\\b(limit|offset)\\s+\\$(\\d+)\\b|\\$(\\d+)").matcher(code);
        int at = 0;
        while (m.find()) {
            out.append(sql, at, m.start());
            if (m.group(1) != null) {
                out.append(sql, m.start(1), m.end(1)).append(' ')
                        .append(m.group(1).equalsIgnoreCase("limit") ? PLANNED_LIMIT : 0);
            } else {
                int n = Integer.parseInt(m.group(3));
                out.append(constants.contains(n) ? "null" : "$" + remaining.headSet(n, true).size());
            }
            at = m.end();
        }
        out.append(sql.substring(at));
        int count = remaining.size();
        String args = count == 0 ? "" : "(" + String.join(", ", Collections.nCopies(count, "null")) + ")";
        return new String[]{out.toString(), args};
    }

    /** The same text with the inside of each string literal blanked, same length, so positions carry over. */
    static String blankStrings(String sql) {
        return STRING.matcher(sql).replaceAll(m -> "'" + "x".repeat(m.group().length() - 2) + "'");
    }

    private String savepoint() throws SQLException {
        String name = "keel_adv_" + (++savepoints);
        try (Statement st = connection.createStatement()) {
            st.execute("savepoint " + name);
        }
        return name;
    }

    private void release(String name) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("release savepoint " + name);
        }
    }

    private void rollbackTo(String name) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("rollback to savepoint " + name + "; release savepoint " + name);
        }
    }

    private void deallocate() throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("select 1 from pg_prepared_statements where name = 'keel_adv'")) {
            if (rs.next()) {
                try (Statement d = connection.createStatement()) {
                    d.execute("deallocate keel_adv");
                }
            }
        }
    }

    static String firstLine(SQLException e) {
        String m = e.getMessage() == null ? "unknown error" : e.getMessage().strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
