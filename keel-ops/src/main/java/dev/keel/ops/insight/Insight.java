package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import dev.keel.core.KeelException;
import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Findings;
import dev.keel.core.findings.Severity;
import dev.keel.core.sql.Identifiers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code keel insight}: one report of what needs attention on a server and its current database — the busiest
 * and slowest statements, long-running and idle-in-transaction sessions, blocking chains, connections against
 * the limit, cache hit ratios, replication lag and slots, checkpoint pressure and settings far from sane for
 * the machine. Each check is one query (no per-object round trips, so it stays fast on databases with many
 * tables); a check that cannot run (a missing privilege, an older server) becomes one
 * {@value #CHECK_FAILED} finding and the rest still run.
 *
 * <p>pg_stat_statements: the report never creates the extension in a user's database on its own; it says what
 * to run instead. Only when {@link InsightOptions#createExtension()} is set (the CLI sets it for Keel's own
 * embedded server) and the library is preloaded does it run {@code CREATE EXTENSION pg_stat_statements}.
 */
public final class Insight {

    static final String CHECK_FAILED = "insight.check-failed";

    /** Starts every query Keel's insight runs, so that the statement checks can leave Keel's own work out. */
    static final String MARKER = "/* keel insight */ ";

    private Insight() {
    }

    /**
     * Runs every check on {@code c} (left open, with its auto-commit mode restored).
     *
     * @throws InsightException when the connection cannot even tell its database (it is broken)
     */
    public static InsightReport report(Connection c, InsightOptions options) {
        requireNonNull(c, "null connection");
        requireNonNull(options, "null options");
        boolean autoCommit;
        Session session;
        try {
            autoCommit = c.getAutoCommit();
            // each check on its own: one that fails must not abort a transaction the next one runs in
            c.setAutoCommit(true);
            session = session(c);
        } catch (SQLException e) {
            throw new InsightException("cannot read the current database and role: " + e.getMessage(),
                    "check the connection", KeelException.RUNTIME, e);
        }
        List<Finding> findings = new ArrayList<>();
        ActivityChecks activity = new ActivityChecks(c, options);
        SettingsChecks settings = new SettingsChecks(c, options, session.database(), session.role());
        try {
            // ---- The check groups, in report order. Each returns findings; one that throws becomes a
            // ---- "insight.check-failed" finding. Add a group with one more line here.
            run("statements", findings, session, activity::statements);
            run("sessions", findings, session, activity::sessions);
            run("blocking", findings, session, activity::blocking);
            run("connections", findings, session, activity::connections);
            run("cache-hit", findings, session, activity::cacheHit);
            run("replication", findings, session, activity::replication);
            run("replication-slots", findings, session, activity::slots);
            run("checkpoints", findings, session, activity::checkpoints);
            run("settings", findings, session, settings::run);
            // Table and index checks, one group each so a check the role may not run costs only itself.
            run("unused-indexes", findings, session, () -> ObjectChecks.unusedIndexes(c));
            run("duplicate-indexes", findings, session, () -> ObjectChecks.duplicateIndexes(c));
            run("invalid-indexes", findings, session, () -> ObjectChecks.invalidIndexes(c));
            run("not-valid-constraints", findings, session, () -> ObjectChecks.notValidConstraints(c));
            run("foreign-keys", findings, session, () -> ObjectChecks.unindexedForeignKeys(c));
            run("seq-scans", findings, session, () -> ObjectChecks.seqScanHeavy(c));
            run("table-bloat", findings, session, () -> ObjectChecks.tableBloat(c));
            run("index-bloat", findings, session, () -> ObjectChecks.indexBloat(c));
            run("vacuum", findings, session, () -> ObjectChecks.vacuumAndAnalyze(c));
            run("wraparound", findings, session, () -> ObjectChecks.wraparound(c, ObjectChecks.WRAPAROUND_WARN_AGE,
                    ObjectChecks.WRAPAROUND_ERROR_AGE));
            run("sequences", findings, session, () -> ObjectChecks.sequences(c));
            run("table-cache-hit", findings, session, () -> ObjectChecks.cacheHitRatio(c, ObjectChecks.CACHE_MIN_BLOCKS,
                    ObjectChecks.CACHE_INFO_RATIO));
            // Trends between the snapshots of keel insight snapshot (nothing when there are none).
            run("trends", findings, session, () -> StatementHistory.trendFindings(c).list());
            // ---- end of the check groups
        } finally {
            try {
                c.setAutoCommit(autoCommit);
            } catch (SQLException ignored) {
                // the report stands; the caller's next statement will meet the broken connection
            }
        }
        return new InsightReport(Findings.of(findings), Optional.ofNullable(activity.topStatements()),
                Optional.ofNullable(activity.connectionSummary()), session.database());
    }

    /** One group of checks; it may throw what JDBC throws. */
    interface Check {
        List<Finding> run() throws SQLException;
    }

    record Session(String database, String role) {
    }

    private static Session session(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(MARKER
                + "select current_database(), current_user")) {
            rs.next();
            return new Session(rs.getString(1), rs.getString(2));
        }
    }

    static void run(String name, List<Finding> into, Session session, Check check) {
        try {
            into.addAll(check.run());
        } catch (SQLException e) {
            into.add(failed(name, session, e.getSQLState(), e.getMessage()));
        } catch (RuntimeException e) {
            // a bug or an unexpected value must not cost the user the rest of the report
            into.add(failed(name, session, null, e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
    }

    private static final Pattern DENIED = Pattern.compile("permission denied for (?:view|table|relation) (\\S+)");

    static Finding failed(String check, Session session, String sqlState, String reason) {
        String why = reason == null ? "no reason given" : reason.replace('\n', ' ').strip();
        boolean denied = "42501".equals(sqlState);
        String remedy = "";
        if (denied) {
            // pg_monitor reads every statistics view and setting; a revoked grant on one view needs its own GRANT
            StringBuilder r = new StringBuilder("GRANT pg_monitor TO " + Identifiers.quote(session.role()) + ";");
            Matcher m = DENIED.matcher(why);
            if (m.find()) {
                r.append("\nGRANT SELECT ON ").append(m.group(1)).append(" TO ")
                        .append(Identifiers.quote(session.role())).append(";");
            }
            remedy = r.toString();
        }
        return Finding.of(CHECK_FAILED, denied ? Severity.INFO : Severity.WARNING, check,
                        "The " + check + " check could not run: " + why, remedy)
                .withEvidence("check", check)
                .withEvidence("sqlState", sqlState == null ? "" : sqlState)
                .withEvidence("role", session.role());
    }
}
