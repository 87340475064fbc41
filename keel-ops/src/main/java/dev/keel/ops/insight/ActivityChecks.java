package dev.keel.ops.insight;

import static dev.keel.ops.insight.Insight.MARKER;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Severity;
import dev.keel.core.progress.Progress;
import dev.keel.core.sql.Identifiers;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The checks of what the server is doing: statements (pg_stat_statements), sessions, blocking chains,
 * connections, cache hit ratios, replication, slots and checkpoints. One query per check, no per-object round
 * trips. Checked on PostgreSQL 15; the columns used exist in 14 to 16 (pg_locks.waitstart is 14+; 17 renamed
 * pg_stat_statements' blk_read_time and moved the checkpoint counters to pg_stat_checkpointer, and those two
 * checks then become "insight.check-failed" findings).
 */
final class ActivityChecks {

    /** More slow statements than this are not listed one by one. */
    static final int SLOW_MAX_FINDINGS = 20;
    /** Blocked this long (or longer) makes a blocking chain an error rather than a warning. */
    static final double BLOCKING_ERROR_SECONDS = 60;
    /** Share of usable connection slots taken at which connections warn, and fail. */
    static final double CONNECTIONS_WARN_FRACTION = 0.80;
    static final double CONNECTIONS_ERROR_FRACTION = 0.95;
    /** Below this share of blocks found in shared buffers a database warns (PgHero's rule of thumb). */
    static final double CACHE_HIT_WARN = 0.99;
    /** A database must have touched this many blocks since the statistics reset before its ratio means anything. */
    static final long CACHE_MIN_BLOCKS = 10_000;
    /** Replication lag at which a replica warns, and fails: the same limits as keel health. */
    static final double LAG_WARN_SECONDS = HealthChecks.LAG_WARN_SECONDS;
    static final double LAG_ERROR_SECONDS = HealthChecks.LAG_FAIL_SECONDS;
    /** An inactive slot holding back this much WAL is an error rather than a warning. */
    static final long SLOT_ERROR_BYTES = 1L << 30;
    /** Checkpoints since the reset before the requested share means anything, and the share that warns. */
    static final long CHECKPOINT_MIN = 10;
    static final double CHECKPOINT_REQUESTED_WARN = 0.20;
    /** Buffers written since the reset before the backends' share means anything, and the share that warns. */
    static final long BUFFERS_MIN = 10_000;
    static final double BACKEND_WRITES_WARN = 0.20;

    private static final int QUERY_CHARS = 500;

    private final Connection c;
    private final InsightOptions o;
    private TopStatements topStatements;
    private ConnectionSummary connectionSummary;

    ActivityChecks(Connection c, InsightOptions o) {
        this.c = c;
        this.o = o;
    }

    TopStatements topStatements() {
        return topStatements;
    }

    ConnectionSummary connectionSummary() {
        return connectionSummary;
    }

    // ---- statements ------------------------------------------------------------------------------------

    /**
     * Whether pg_stat_statements can be read here: preloaded (when this role may see
     * shared_preload_libraries) and created in this database, and in which schema.
     */
    record StatementsSetup(String schema, String preload) {
        boolean preloaded() {
            return preload != null && List.of(preload.split("\\s*,\\s*")).contains("pg_stat_statements");
        }

        /** Known not to be preloaded: the role may see shared_preload_libraries, and it is not there. */
        boolean notPreloaded() {
            return preload != null && !preloaded();
        }
    }

    private StatementsSetup statementsSetup() throws SQLException {
        return statementsSetup(c);
    }

    /**
     * Reads pg_settings, not current_setting(): shared_preload_libraries is superuser-only, and pg_settings hides
     * it from other roles (null here) instead of failing. Checked on PostgreSQL 15.
     */
    static StatementsSetup statementsSetup(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(MARKER + """
                select (select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace
                        where e.extname = 'pg_stat_statements'),
                       (select setting from pg_settings where name = 'shared_preload_libraries')""")) {
            rs.next();
            return new StatementsSetup(rs.getString(1), rs.getString(2));
        }
    }

    List<Finding> statements() throws SQLException {
        StatementsSetup setup = statementsSetup();
        if (setup.schema() == null && setup.preloaded() && o.createExtension()) {
            try (Statement st = c.createStatement()) {
                st.execute(MARKER + "create extension if not exists pg_stat_statements");
            }
            setup = statementsSetup();
        }
        if (setup.schema() == null) {
            return List.of(statementsMissing(setup));
        }
        String view = Identifiers.qualified(setup.schema(), "pg_stat_statements");
        int slowRanks = Math.max(o.topN(), SLOW_MAX_FINDINGS);
        List<Ranked> rows = new ArrayList<>();
        double all = 0;
        try (PreparedStatement ps = c.prepareStatement(MARKER + """
                with s as (
                  select s.queryid, r.rolname, s.query, s.calls, s.total_exec_time, s.mean_exec_time, s.rows,
                         s.shared_blks_read + s.shared_blks_written + s.local_blks_read + s.local_blks_written
                           + s.temp_blks_read + s.temp_blks_written as io_blocks,
                         s.blk_read_time + s.blk_write_time as io_ms, s.temp_blks_written
                  from %s s left join pg_roles r on r.oid = s.userid
                  where s.dbid = (select oid from pg_database where datname = current_database())
                    and s.toplevel and s.query not like '/* keel insight */%%' and s.query not like '%%keel\\_history%%'
                ), ranked as (
                  select s.*, sum(total_exec_time) over () as all_ms,
                         row_number() over (order by total_exec_time desc, queryid) as by_total,
                         row_number() over (order by mean_exec_time desc, queryid) as by_mean,
                         row_number() over (order by calls desc, queryid) as by_calls,
                         row_number() over (order by io_blocks desc, io_ms desc, queryid) as by_io
                  from s
                )
                select queryid, rolname, query, calls, total_exec_time, mean_exec_time, rows, io_blocks, io_ms,
                       temp_blks_written, all_ms, by_total, by_mean, by_calls, by_io
                from ranked
                where by_total <= ? or by_calls <= ? or (by_io <= ? and io_blocks > 0) or by_mean <= ?
                """.formatted(view))) {
            ps.setInt(1, o.topN());
            ps.setInt(2, o.topN());
            ps.setInt(3, o.topN());
            ps.setInt(4, slowRanks);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    all = rs.getDouble(11);
                    rows.add(new Ranked(new TopStatements.Statement(rs.getLong(1), rs.getString(2), rs.getString(3),
                            rs.getLong(4), rs.getDouble(5), rs.getDouble(6), rs.getLong(7), rs.getLong(8),
                            rs.getDouble(9), rs.getLong(10)), rs.getInt(12), rs.getInt(13), rs.getInt(14),
                            rs.getInt(15)));
                }
            } catch (SQLException e) {
                if ("55000".equals(e.getSQLState())) {
                    // created but not preloaded: "pg_stat_statements must be loaded via shared_preload_libraries"
                    return List.of(statementsMissing(new StatementsSetup(setup.schema(), "")));
                }
                throw e;
            }
        }
        topStatements = new TopStatements(all, top(rows, Ranked::byTotal), top(rows, Ranked::byMean),
                top(rows, Ranked::byCalls), rows.stream().filter(r -> r.byIo() <= o.topN() && r.s().ioBlocks() > 0)
                        .sorted(Comparator.comparingInt(Ranked::byIo)).map(Ranked::s).toList());
        List<Finding> out = new ArrayList<>();
        rows.stream().filter(r -> r.s().meanMs() >= o.slowMs()).sorted(Comparator.comparingInt(Ranked::byMean))
                .limit(SLOW_MAX_FINDINGS).forEach(r -> out.add(slow(r.s())));
        return out;
    }

    private record Ranked(TopStatements.Statement s, int byTotal, int byMean, int byCalls, int byIo) {
    }

    private List<TopStatements.Statement> top(List<Ranked> rows, java.util.function.ToIntFunction<Ranked> rank) {
        return rows.stream().filter(r -> rank.applyAsInt(r) <= o.topN()).sorted(Comparator.comparingInt(rank))
                .map(Ranked::s).toList();
    }

    private Finding slow(TopStatements.Statement s) {
        String query = oneLine(s.query());
        String remedy = (query.contains("$") ? "-- put typical values in for $1, $2, ... then read the plan:\n" : "")
                + "EXPLAIN " + query + (query.endsWith(";") ? "" : ";");
        return Finding.of("insight.slow-statement", Severity.WARNING, "queryid " + s.queryId(),
                        String.format(Locale.ROOT, "Statement takes %s per call on average (%,d calls, %s in all), at or "
                                        + "above the %d ms threshold: %s", ms(s.meanMs()), s.calls(), ms(s.totalMs()),
                                o.slowMs(), abbreviate(query, 120)), remedy)
                .withEvidence("queryId", s.queryId())
                .withEvidence("user", s.user())
                .withEvidence("calls", s.calls())
                .withEvidence("meanMs", round(s.meanMs()))
                .withEvidence("totalMs", round(s.totalMs()))
                .withEvidence("rows", s.rows())
                .withEvidence("ioBlocks", s.ioBlocks())
                .withEvidence("thresholdMs", o.slowMs())
                .withEvidence("query", abbreviate(query, QUERY_CHARS));
    }

    private Finding statementsMissing(StatementsSetup setup) {
        String create = "CREATE EXTENSION IF NOT EXISTS pg_stat_statements;";
        String remedy;
        String why;
        if (setup.preloaded()) {
            why = "pg_stat_statements is preloaded but the extension is not created in this database";
            remedy = create;
        } else {
            List<String> libs = new ArrayList<>();
            if (setup.preload() != null) {
                for (String lib : setup.preload().split("\\s*,\\s*")) {
                    if (!lib.isBlank()) {
                        libs.add(lib.strip());
                    }
                }
            }
            libs.add("pg_stat_statements");
            why = setup.preload() == null
                    ? "pg_stat_statements is not created in this database (and this role cannot see shared_preload_libraries)"
                    : "pg_stat_statements is not in shared_preload_libraries"
                            + (setup.schema() == null ? " and the extension is not created in this database" : "");
            remedy = (setup.preload() == null ? "-- keep the libraries already in SHOW shared_preload_libraries\n" : "")
                    + "ALTER SYSTEM SET shared_preload_libraries = '" + String.join(",", libs) + "';\n"
                    + "ALTER SYSTEM SET pg_stat_statements.track = 'all';\n"
                    + "-- restart the server, then:\n" + create;
        }
        return Finding.of("insight.statements-unavailable", Severity.WARNING, "pg_stat_statements",
                        why + ": the statement checks (top and slow statements) were skipped.", remedy)
                .withEvidence("preloaded", setup.preload() == null ? "unknown" : setup.preloaded())
                .withEvidence("extensionCreated", setup.schema() != null);
    }

    // ---- sessions ----------------------------------------------------------------------------------------

    /** Long-running statements (not those waiting on a lock: the blocking chains cover them) and idle transactions. */
    List<Finding> sessions() throws SQLException {
        List<Finding> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(MARKER + """
                select a.pid, a.datname, a.usename, a.application_name, host(a.client_addr), a.state,
                       extract(epoch from now() - a.query_start), extract(epoch from now() - a.xact_start),
                       extract(epoch from now() - a.state_change), a.wait_event_type, a.wait_event,
                       left(a.query, %d), a.backend_xmin is not null
                from pg_stat_activity a
                where a.backend_type = 'client backend' and a.pid <> pg_backend_pid()
                  and ((a.state = 'active' and a.query_start < now() - make_interval(secs => ?)
                        and a.wait_event_type is distinct from 'Lock')
                    or (a.state like 'idle in transaction%%' and a.state_change < now() - make_interval(secs => ?)))
                order by a.state, a.state_change, a.pid""".formatted(QUERY_CHARS))) {
            ps.setDouble(1, o.longRunning().toMillis() / 1000.0);
            ps.setDouble(2, o.idleInTransaction().toMillis() / 1000.0);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int pid = rs.getInt(1);
                    String state = rs.getString(6);
                    boolean idle = state.startsWith("idle in transaction");
                    double seconds = idle ? rs.getDouble(9) : rs.getDouble(7);
                    String who = who(rs.getString(3), rs.getString(4), rs.getString(2));
                    String query = oneLine(rs.getString(12));
                    Finding f;
                    if (idle) {
                        f = Finding.of("insight.idle-in-transaction", Severity.WARNING, "pid " + pid,
                                String.format(Locale.ROOT, "Session %d (%s) has been idle in an open transaction for %s; it "
                                        + "holds its locks and keeps vacuum from removing dead rows. Last statement: %s",
                                        pid, who, duration(seconds), abbreviate(query, 120)),
                                "SELECT pg_terminate_backend(" + pid + ");\n"
                                        + "-- to end such sessions automatically: ALTER SYSTEM SET "
                                        + "idle_in_transaction_session_timeout = '5min'; SELECT pg_reload_conf();");
                    } else {
                        f = Finding.of("insight.long-running-statement", Severity.WARNING, "pid " + pid,
                                String.format(Locale.ROOT, "Session %d (%s) has been running one statement for %s: %s",
                                        pid, who, duration(seconds), abbreviate(query, 120)),
                                "SELECT pg_cancel_backend(" + pid + ");");
                    }
                    out.add(f.withEvidence("pid", pid)
                            .withEvidence("database", nz(rs.getString(2)))
                            .withEvidence("user", nz(rs.getString(3)))
                            .withEvidence("application", nz(rs.getString(4)))
                            .withEvidence("client", rs.getString(5) == null ? "local" : rs.getString(5))
                            .withEvidence("state", state)
                            .withEvidence("seconds", round(seconds))
                            .withEvidence("transactionSeconds", round(rs.getDouble(8)))
                            .withEvidence("waitEvent", rs.getString(10) == null ? "" : rs.getString(10) + ":" + rs.getString(11))
                            .withEvidence("holdsXmin", rs.getBoolean(13))
                            .withEvidence("thresholdSeconds", (idle ? o.idleInTransaction() : o.longRunning()).toMillis() / 1000.0)
                            .withEvidence("query", query));
                }
            }
        }
        return out;
    }

    // ---- blocking chains ---------------------------------------------------------------------------------

    /** A session taking part in a blocking chain: what it waits for (if it waits) and who it waits on. */
    record Waiter(int pid, String database, String user, String application, String state, List<Integer> blockers,
                  String lockType, String mode, String relation, double waitSeconds, double transactionSeconds,
                  String query) {
    }

    /**
     * pg_blocking_pids of every session waiting on a lock, in one query with the lock waited for and, for a
     * transaction-id wait (a row lock), the relation of the tuple lock the waiter already holds — that is the
     * table whose row it wants. Roots are blockers that do not wait themselves; one finding per root.
     */
    List<Finding> blocking() throws SQLException {
        Map<Integer, Waiter> sessions = new LinkedHashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(MARKER + """
                with w as (
                  select pid, pg_blocking_pids(pid) as blockers
                  from pg_stat_activity where wait_event_type = 'Lock'
                ), involved as (
                  select pid from w where cardinality(blockers) > 0
                  union select unnest(blockers) from w
                ), here as (select oid from pg_database where datname = current_database())
                select a.pid, a.datname, a.usename, a.application_name, a.state, w.blockers, l.locktype, l.mode,
                       case when rel.database = (select oid from here)
                              then (select format('%%I.%%I', n.nspname, cl.relname) from pg_class cl
                                    join pg_namespace n on n.oid = cl.relnamespace where cl.oid = rel.relation)
                            when rel.relation is not null then 'relation ' || rel.relation || ' of database ' || rel.database
                       end,
                       extract(epoch from now() - l.waitstart), extract(epoch from now() - a.xact_start),
                       left(a.query, %d)
                from involved i
                join pg_stat_activity a on a.pid = i.pid
                left join w on w.pid = a.pid
                left join lateral (select * from pg_locks l where l.pid = a.pid and not l.granted limit 1) l on true
                left join lateral (
                  select coalesce(l.relation, t.relation) as relation, coalesce(l.database, t.database) as database
                  from (select 1) one
                  left join lateral (select relation, database from pg_locks t where t.pid = a.pid and t.granted
                                     and t.locktype = 'tuple' limit 1) t on true
                ) rel on true
                order by a.pid""".formatted(QUERY_CHARS))) {
            while (rs.next()) {
                List<Integer> blockers = new ArrayList<>();
                Array arr = rs.getArray(6);
                if (arr != null) {
                    for (Object p : (Object[]) arr.getArray()) {
                        blockers.add(((Number) p).intValue());
                    }
                }
                int pid = rs.getInt(1);
                sessions.put(pid, new Waiter(pid, nz(rs.getString(2)), nz(rs.getString(3)), nz(rs.getString(4)),
                        nz(rs.getString(5)), blockers, rs.getString(7), rs.getString(8), rs.getString(9),
                        rs.getDouble(10), rs.getDouble(11), oneLine(rs.getString(12))));
            }
        }
        Map<Integer, List<Waiter>> blockedBy = new TreeMap<>();
        for (Waiter w : sessions.values()) {
            for (int b : w.blockers()) {
                blockedBy.computeIfAbsent(b, k -> new ArrayList<>()).add(w);
            }
        }
        List<Finding> out = new ArrayList<>();
        for (int root : blockedBy.keySet()) {
            Waiter r = sessions.get(root);
            if (r != null && !r.blockers().isEmpty()) {
                continue; // it waits itself: it is part of a longer chain, reported from its root
            }
            out.add(chain(root, r, blockedBy));
        }
        return out;
    }

    private static Finding chain(int root, Waiter r, Map<Integer, List<Waiter>> blockedBy) {
        List<Map<String, Object>> chain = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        Set<Integer> seen = new LinkedHashSet<>();
        Deque<Waiter> queue = new ArrayDeque<>(blockedBy.get(root));
        double longest = 0;
        while (!queue.isEmpty()) {
            Waiter w = queue.removeFirst();
            if (!seen.add(w.pid())) {
                continue;
            }
            longest = Math.max(longest, w.waitSeconds());
            String on = w.lockType() + " " + w.mode() + (w.relation() == null ? "" : " on " + w.relation());
            parts.add(String.format(Locale.ROOT, "%d waits %s for %s (blocked by %s)", w.pid(), duration(w.waitSeconds()),
                    on, join(w.blockers())));
            Map<String, Object> link = new LinkedHashMap<>();
            link.put("pid", w.pid());
            link.put("blockedBy", w.blockers());
            link.put("lockType", w.lockType());
            link.put("mode", w.mode());
            link.put("relation", w.relation());
            link.put("waitSeconds", round(w.waitSeconds()));
            link.put("user", w.user());
            link.put("application", w.application());
            link.put("query", abbreviate(w.query(), QUERY_CHARS));
            chain.add(link);
            queue.addAll(blockedBy.getOrDefault(w.pid(), List.of()));
        }
        String rootState = r == null ? "not visible" : r.state();
        String who = r == null ? "a session this role cannot see" : who(r.user(), r.application(), r.database());
        Severity severity = longest >= BLOCKING_ERROR_SECONDS ? Severity.ERROR : Severity.WARNING;
        String message = String.format(Locale.ROOT, "Session %d (%s, %s%s) blocks %d session%s: %s.", root, who, rootState,
                r == null ? "" : " in a transaction open for " + duration(r.transactionSeconds()),
                chain.size(), chain.size() == 1 ? "" : "s", String.join("; ", parts));
        Map<String, Object> blocker = new LinkedHashMap<>();
        blocker.put("pid", root);
        if (r != null) {
            blocker.put("user", r.user());
            blocker.put("application", r.application());
            blocker.put("database", r.database());
            blocker.put("state", r.state());
            blocker.put("transactionSeconds", round(r.transactionSeconds()));
            blocker.put("query", abbreviate(r.query(), QUERY_CHARS));
        }
        return Finding.of("insight.blocking-chain", severity, "pid " + root, message,
                        "-- ends the blocking session and rolls back its transaction, which releases its locks:\n"
                                + "SELECT pg_terminate_backend(" + root + ");")
                .withEvidence("blocker", blocker)
                .withEvidence("blocked", chain)
                .withEvidence("longestWaitSeconds", round(longest));
    }

    // ---- connections ---------------------------------------------------------------------------------------

    List<Finding> connections() throws SQLException {
        int max = 0;
        int reserved = 0;
        int total = 0;
        List<ConnectionSummary.Group> groups = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(MARKER + """
                select current_setting('max_connections')::int,
                       current_setting('superuser_reserved_connections')::int
                         + coalesce(current_setting('reserved_connections', true)::int, 0),
                       a.datname, a.usename, a.application_name, a.state, a.n
                from (select 1) one
                left join (select datname, usename, application_name, state, count(*)::int as n
                           from pg_stat_activity where backend_type = 'client backend'
                           group by 1, 2, 3, 4) a on true
                order by a.n desc nulls last, 3, 4, 5, 6""")) {
            while (rs.next()) {
                max = rs.getInt(1);
                reserved = rs.getInt(2);
                int n = rs.getInt(7);
                if (n > 0) {
                    groups.add(new ConnectionSummary.Group(rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getString(6), n));
                    total += n;
                }
            }
        }
        ConnectionSummary summary = new ConnectionSummary(max, reserved, total, groups);
        connectionSummary = summary;
        int usable = summary.usable();
        double used = usable == 0 ? 1 : (double) total / usable;
        if (used < CONNECTIONS_WARN_FRACTION) {
            return List.of();
        }
        Map<String, Integer> byState = summary.byState();
        return List.of(Finding.of("insight.connections-near-limit",
                        used >= CONNECTIONS_ERROR_FRACTION ? Severity.ERROR : Severity.WARNING, "max_connections",
                        String.format(Locale.ROOT, "%d of %d usable connection slots are taken (%.0f%%; max_connections %d, "
                                + "%d reserved for superusers); new connections will soon be refused. By state: %s.",
                                total, usable, used * 100, max, reserved, byState),
                        "-- most applications need far fewer server connections behind a pooler (PgBouncer); end idle ones:\n"
                                + "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                                + " AND state = 'idle' AND state_change < now() - interval '10 minutes';")
                .withEvidence("connections", total)
                .withEvidence("usable", usable)
                .withEvidence("maxConnections", max)
                .withEvidence("reserved", reserved)
                .withEvidence("byState", byState));
    }

    // ---- cache hit ratio -------------------------------------------------------------------------------------

    List<Finding> cacheHit() throws SQLException {
        List<Finding> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(MARKER + """
                select s.datname, s.blks_hit, s.blks_read, s.stats_reset::text
                from pg_stat_database s join pg_database d on d.oid = s.datid
                where d.datallowconn and not d.datistemplate and s.blks_hit + s.blks_read >= ?
                  and s.blks_hit::float8 / (s.blks_hit + s.blks_read) < ?
                order by s.datname""")) {
            ps.setLong(1, CACHE_MIN_BLOCKS);
            ps.setDouble(2, CACHE_HIT_WARN);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long hit = rs.getLong(2);
                    long read = rs.getLong(3);
                    double ratio = (double) hit / (hit + read);
                    out.add(Finding.of("insight.cache-hit-ratio", Severity.WARNING, rs.getString(1),
                                    String.format(Locale.ROOT, "Only %.1f%% of the blocks database %s reads are found in shared "
                                            + "buffers (%,d of %,d); the rest come from the operating system or disk.",
                                            ratio * 100, rs.getString(1), hit, hit + read),
                                    "-- raise shared_buffers toward 25% of the server's RAM (see insight.setting-shared-buffers),"
                                            + " or find the statements that read most:\n"
                                            + "SELECT query, shared_blks_read FROM pg_stat_statements ORDER BY shared_blks_read DESC LIMIT 10;")
                            .withEvidence("hitRatio", round4(ratio))
                            .withEvidence("blocksHit", hit)
                            .withEvidence("blocksRead", read)
                            .withEvidence("statsReset", rs.getString(4))
                            .withEvidence("threshold", CACHE_HIT_WARN));
                }
            }
        }
        return out;
    }

    // ---- replication -----------------------------------------------------------------------------------------

    /** On a primary the lag of each replica; on a standby its own replay lag. */
    List<Finding> replication() throws SQLException {
        List<Finding> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(MARKER + """
                select 'replica', coalesce(nullif(application_name, ''), host(client_addr), 'local'), state,
                       extract(epoch from replay_lag),
                       case when pg_is_in_recovery() then null else pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) end
                from pg_stat_replication
                union all
                select 'standby', 'this server', 'recovering',
                       case when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
                            else extract(epoch from now() - pg_last_xact_replay_timestamp()) end,
                       pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())
                where pg_is_in_recovery()
                order by 1, 2""")) {
            while (rs.next()) {
                String kind = rs.getString(1);
                String name = rs.getString(2);
                String state = rs.getString(3);
                double lag = rs.getDouble(4);
                boolean lagKnown = !rs.wasNull();
                long bytes = rs.getLong(5);
                boolean notStreaming = kind.equals("replica") && !"streaming".equals(state);
                if (!notStreaming && (!lagKnown || lag < LAG_WARN_SECONDS)) {
                    continue;
                }
                Severity severity = lagKnown && lag >= LAG_ERROR_SECONDS ? Severity.ERROR : Severity.WARNING;
                String message = kind.equals("standby")
                        ? String.format(Locale.ROOT, "This standby replays WAL %s behind its primary.", duration(lag))
                        : String.format(Locale.ROOT, "Replica %s is %s%s.", name, notStreaming ? "not streaming (" + state + ")" : "",
                                lagKnown ? (notStreaming ? ", " : "") + duration(lag) + " behind in replay" : "");
                out.add(Finding.of("insight.replication-lag", severity, name, message,
                                "-- look at the replica's log, disk and network; its position on the primary:\n"
                                        + "SELECT application_name, state, write_lag, flush_lag, replay_lag FROM pg_stat_replication;")
                        .withEvidence("role", kind)
                        .withEvidence("state", state)
                        .withEvidence("lagSeconds", lagKnown ? round(lag) : null)
                        .withEvidence("lagBytes", bytes));
            }
        }
        return out;
    }

    /** Inactive slots, with the WAL they keep the server from removing (pg_wal_lsn_diff from restart_lsn). */
    List<Finding> slots() throws SQLException {
        List<Finding> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(MARKER + """
                select slot_name, slot_type, plugin, database, wal_status,
                       pg_wal_lsn_diff(case when pg_is_in_recovery() then pg_last_wal_receive_lsn()
                                            else pg_current_wal_lsn() end, restart_lsn)::bigint,
                       safe_wal_size
                from pg_replication_slots
                where not active
                order by slot_name""")) {
            while (rs.next()) {
                String name = rs.getString(1);
                String walStatus = rs.getString(5);
                long retained = rs.getLong(6);
                boolean known = !rs.wasNull();
                boolean lost = "lost".equals(walStatus);
                Severity severity = lost || "unreserved".equals(walStatus) || retained >= SLOT_ERROR_BYTES
                        ? Severity.ERROR : Severity.WARNING;
                String message = lost
                        ? "Replication slot " + name + " is inactive and lost: the WAL it needed is gone, no consumer can resume from it."
                        : "Replication slot " + name + " is inactive and keeps the server from removing "
                                + (known ? Progress.Unit.BYTES.format(retained) + " of WAL" : "WAL") + "; it grows until the slot's consumer "
                                + "comes back or the slot is dropped (a full disk stops the server).";
                out.add(Finding.of("insight.inactive-replication-slot", severity, name, message,
                                "-- only when no consumer will come back for it:\n"
                                        + "SELECT pg_drop_replication_slot(" + Identifiers.literal(name) + ");")
                        .withEvidence("slotType", rs.getString(2))
                        .withEvidence("plugin", nz(rs.getString(3)))
                        .withEvidence("database", nz(rs.getString(4)))
                        .withEvidence("walStatus", nz(walStatus))
                        .withEvidence("retainedBytes", known ? retained : null)
                        .withEvidence("safeWalSizeBytes", rs.getObject(7)));
            }
        }
        return out;
    }

    // ---- checkpoints -------------------------------------------------------------------------------------------

    List<Finding> checkpoints() throws SQLException {
        List<Finding> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(MARKER + """
                select checkpoints_timed, checkpoints_req, buffers_checkpoint, buffers_clean, buffers_backend,
                       stats_reset::text, current_setting('max_wal_size'), pg_size_bytes(current_setting('max_wal_size')),
                       current_setting('checkpoint_timeout'), current_setting('bgwriter_lru_maxpages')::int
                from pg_stat_bgwriter""")) {
            rs.next();
            long timed = rs.getLong(1);
            long requested = rs.getLong(2);
            long byCheckpoint = rs.getLong(3);
            long byCleaner = rs.getLong(4);
            long byBackends = rs.getLong(5);
            String since = rs.getString(6);
            String maxWal = rs.getString(7);
            long maxWalBytes = rs.getLong(8);
            long checkpoints = timed + requested;
            if (checkpoints >= CHECKPOINT_MIN && (double) requested / checkpoints > CHECKPOINT_REQUESTED_WARN) {
                String suggested = SettingsChecks.size(Math.max(maxWalBytes * 2, 1L << 30));
                out.add(Finding.of("insight.checkpoint-pressure", Severity.WARNING, "max_wal_size",
                                String.format(Locale.ROOT, "%d of %d checkpoints (%.0f%%) were requested rather than timed: WAL "
                                                + "filled max_wal_size (%s) before checkpoint_timeout (%s), or CHECKPOINT commands and "
                                                + "backups forced them. Frequent checkpoints write more and cost more full-page images.",
                                        requested, checkpoints, 100.0 * requested / checkpoints, maxWal, rs.getString(9)),
                                "ALTER SYSTEM SET max_wal_size = '" + suggested + "';\nSELECT pg_reload_conf();")
                        .withEvidence("checkpointsTimed", timed)
                        .withEvidence("checkpointsRequested", requested)
                        .withEvidence("maxWalSize", maxWal)
                        .withEvidence("suggested", suggested)
                        .withEvidence("since", since));
            }
            long written = byCheckpoint + byCleaner + byBackends;
            if (written >= BUFFERS_MIN && (double) byBackends / written > BACKEND_WRITES_WARN) {
                int lru = rs.getInt(10);
                int suggested = Math.max(lru * 2, 200);
                out.add(Finding.of("insight.backend-writes", Severity.WARNING, "bgwriter_lru_maxpages",
                                String.format(Locale.ROOT, "Backends wrote %,d of %,d buffers (%.0f%%) themselves instead of the "
                                                + "checkpointer or background writer, which slows their queries (bulk loads do this too).",
                                        byBackends, written, 100.0 * byBackends / written),
                                "ALTER SYSTEM SET bgwriter_lru_maxpages = " + suggested + ";\nSELECT pg_reload_conf();")
                        .withEvidence("buffersCheckpoint", byCheckpoint)
                        .withEvidence("buffersClean", byCleaner)
                        .withEvidence("buffersBackend", byBackends)
                        .withEvidence("bgwriterLruMaxpages", lru)
                        .withEvidence("suggested", suggested)
                        .withEvidence("since", since));
            }
        }
        return out;
    }

    // ---- text ----------------------------------------------------------------------------------------------------

    static String who(String user, String application, String database) {
        StringBuilder s = new StringBuilder(user == null || user.isEmpty() ? "?" : user);
        if (application != null && !application.isEmpty()) {
            s.append(", ").append(application);
        }
        if (database != null && !database.isEmpty()) {
            s.append(", database ").append(database);
        }
        return s.toString();
    }

    static String duration(double seconds) {
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.1f s", seconds);
        }
        long s = Math.round(seconds);
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %d min", s / 3600, (s % 3600) / 60);
    }

    static String ms(double ms) {
        return ms >= 10_000 ? String.format(Locale.ROOT, "%.1f s", ms / 1000) : String.format(Locale.ROOT, "%.1f ms", ms);
    }

    static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s+", " ").strip();
    }

    static String abbreviate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    private static String join(List<Integer> pids) {
        return String.join(", ", pids.stream().map(String::valueOf).toList());
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }


    static double round(double d) {
        return Math.round(d * 10) / 10.0;
    }

    private static double round4(double d) {
        return Math.round(d * 10_000) / 10_000.0;
    }
}
