package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import dev.keel.core.KeelException;
import dev.keel.core.sql.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The statements an {@link IndexAdvisor} weighs: each with how often it ran and for how long, taken from
 * pg_stat_statements for the current database or given one by one, plus the statements left out and why.
 *
 * @param statements the statements to examine, most total time first
 * @param skipped    statements of the source that were left out, with the reason
 * @param source     "pg_stat_statements" or "query"
 */
public record Workload(List<Statement> statements, List<Skipped> skipped, String source) {

    /**
     * One statement of the workload.
     *
     * @param sql         the text, normalized with $1..$n parameters when it comes from pg_stat_statements
     * @param calls       how often it ran (1 for a statement given with --query)
     * @param totalMillis total execution time in milliseconds, 0 when unknown
     * @param rows        rows returned or changed over all calls, 0 when unknown
     */
    public record Statement(String sql, long calls, double totalMillis, long rows) {
        public Statement {
            requireNonNull(sql, "null sql");
            if (calls < 1) {
                throw new IllegalArgumentException("calls must be at least 1, was " + calls);
            }
        }
    }

    /** A statement left out of the advice, and why (utility statement, catalog query, cannot be planned, ...). */
    public record Skipped(String sql, String reason) {
        public Skipped {
            requireNonNull(sql, "null sql");
            requireNonNull(reason, "null reason");
        }
    }

    public Workload {
        statements = List.copyOf(statements);
        skipped = List.copyOf(skipped);
        requireNonNull(source, "null source");
    }

    private static final Pattern DML_START = Pattern.compile("(?is)^(select|with|insert|update|delete|values|table)\\b.*");
    private static final Pattern CATALOG = Pattern.compile("(?i)\\b(pg_catalog|information_schema)\\s*\\.|\\bpg_[a-z_]+\\b");
    // Keel's own statements: the advisor's planning and hypothetical indexes, and the history table's queries.
    private static final Pattern KEEL_OWN = Pattern.compile("(?i)keel_adv|hypopg|flyway_schema_history|/\\* keel |keel_history");

    // Checked on PostgreSQL 15 (pg_stat_statements 1.10; toplevel exists since 1.9, PostgreSQL 14). Nested
    // statements are left out: with track = all they include the statements the advisor's own EXPLAINs plan.
    private static final String STAT_STATEMENTS = """
            select s.query, s.calls, s.total_exec_time, s.rows
            from %s s
            where s.dbid = (select oid from pg_database where datname = current_database())
              and s.toplevel
            order by s.total_exec_time desc
            """;

    /** One statement per SQL text, each counted as one call: what {@code --query} gives. */
    public static Workload of(List<String> sql) {
        requireNonNull(sql, "null sql");
        List<Statement> statements = new ArrayList<>();
        for (String s : sql) {
            requireNonNull(s, "null statement");
            String text = s.strip().replaceAll(";+\\s*$", "").strip();
            if (text.isEmpty()) {
                throw new InsightException("an empty statement was given", "Pass a SQL statement such as \"select * from orders where customer_id = 1\".",
                        KeelException.USAGE, null);
            }
            statements.add(new Statement(text, 1, 0, 0));
        }
        return new Workload(statements, List.of(), "query");
    }

    /**
     * The current database's statements from pg_stat_statements, most total time first: at most {@code limit}
     * statements that ran at least {@code minCalls} times. Utility statements (SET, EXPLAIN, DDL, COPY),
     * catalog queries and Keel's own statements are skipped, with the reason.
     *
     * @throws InsightException (exit 2) when pg_stat_statements is not installed in the database
     */
    public static Workload fromStatStatements(Connection connection, long minCalls, int limit) {
        requireNonNull(connection, "null connection");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        List<Statement> statements = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        try {
            ActivityChecks.StatementsSetup setup = ActivityChecks.statementsSetup(connection);
            if (setup.schema() == null || setup.notPreloaded()) {
                throw new InsightException("pg_stat_statements is not " + (setup.notPreloaded() ? "loaded by the server"
                        : "installed in this database") + ", so there is no workload to read",
                        "Run CREATE EXTENSION pg_stat_statements; (the server needs shared_preload_libraries = 'pg_stat_statements'),"
                                + " let the application run, then try again; or pass statements with --query.",
                        KeelException.USAGE, null);
            }
            String query = STAT_STATEMENTS.formatted(Identifiers.qualified(setup.schema(), "pg_stat_statements"));
            try (PreparedStatement ps = connection.prepareStatement(query); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String sql = rs.getString(1).strip();
                    long calls = rs.getLong(2);
                    String reason = reasonToSkip(sql);
                    if (reason == null && calls < minCalls) {
                        reason = "ran " + calls + (calls == 1 ? " time" : " times") + ", fewer than --min-calls " + minCalls;
                    }
                    if (reason == null && statements.size() >= limit) {
                        reason = "beyond the " + limit + " statements with the most total time";
                    }
                    if (reason != null) {
                        skipped.add(new Skipped(sql, reason));
                    } else {
                        statements.add(new Statement(sql, calls, rs.getDouble(3), rs.getLong(4)));
                    }
                }
            }
        } catch (SQLException e) {
            throw new InsightException("cannot read pg_stat_statements: " + e.getMessage().strip().lines().findFirst().orElse(""),
                    "Check that the server preloads pg_stat_statements (shared_preload_libraries) and that this role may read it"
                            + " (pg_read_all_stats).", KeelException.RUNTIME, e);
        }
        return new Workload(statements, skipped, "pg_stat_statements");
    }

    private static final Pattern LEADING = Pattern.compile("^(?s)(\\s*(--[^\\n]*\\n|/\\*.*?\\*/|\\())*\\s*");

    /** The statement from its first word: leading comments (also over several lines) and parentheses left out. */
    static String code(String sql) {
        return LEADING.matcher(sql.strip()).replaceFirst("");
    }

    /** Why a pg_stat_statements entry is no statement to advise on, or null when it is one. */
    static String reasonToSkip(String sql) {
        String s = code(sql);
        if (!DML_START.matcher(s).matches()) {
            return "utility statement";
        }
        if (KEEL_OWN.matcher(sql).find()) { // on the whole text: Keel marks its statements with a leading comment
            return "Keel's own statement";
        }
        if (CATALOG.matcher(s.replaceAll("'(?:[^']++|'')*+'", "''")).find()) {
            return "reads the system catalog";
        }
        return null;
    }

    /** The kind of statement: select, insert, update, delete (WITH and VALUES count as select). */
    static String kind(String sql) {
        String s = code(sql).toLowerCase(Locale.ROOT);
        for (String k : List.of("insert", "update", "delete")) {
            if (s.startsWith(k)) {
                return k;
            }
        }
        return "select";
    }
}
