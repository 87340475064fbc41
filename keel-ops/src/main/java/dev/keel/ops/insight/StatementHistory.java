package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import dev.keel.core.KeelException;
import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Findings;
import dev.keel.core.findings.Severity;
import dev.keel.core.progress.Progress;
import dev.keel.core.sql.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * The history behind {@code keel insight snapshot} and {@code keel insight history}: snapshots of
 * pg_stat_statements (this database's statements only) and of the database's, tables' and indexes' sizes,
 * kept in a {@code keel} schema on the target itself, so that every machine and a later {@code keel serve}
 * see the same history. From consecutive snapshots it gives what happened in each interval (not only the
 * totals since the last statistics reset), size growth per day, and trend findings.
 *
 * <p>Implementation notes. pg_stat_statements' counters only grow until a reset; a reset of everything moves
 * {@code pg_stat_statements_info.stats_reset}, but a reset of one database, user or statement
 * ({@code pg_stat_statements_reset(userid, dbid, queryid)}) and the eviction of rarely used entries do not.
 * So an interval also starts from zero for a statement whose calls, time or rows went down: its delta is then
 * its current value (what ran since the reset), never negative. A reset followed by more calls than before
 * cannot be told from growth; that is pg_stat_statements' limit (17 adds a per-entry stats_since). Keel's own
 * snapshot statements are left out of the history.
 *
 * <p>Tables are created on the first snapshot (CREATE ... IF NOT EXISTS) and a version marker,
 * {@code keel_history.component_version('insight', 1)}, lets a later Keel migrate them. Checked on PostgreSQL 15 with
 * pg_stat_statements 1.10; the columns read exist in 13 to 17 (17 renames blk_read_time, which is not read).
 */
public final class StatementHistory {

    /** The version of the tables this code writes; stored in keel_history.component_version. */
    static final int VERSION = 1;
    /** Snapshots kept when nothing else is said: 30 days. */
    public static final Retention DEFAULT_RETENTION = Retention.age(Duration.ofDays(30));

    private static final String SCHEMA_SQL = """
            create table if not exists keel_history.component_version (
                component text primary key,
                version int not null,
                updated_at timestamptz not null default now());
            create table if not exists keel_history.insight_snapshot (
                id bigserial primary key,
                taken_at timestamptz not null default clock_timestamp(),
                stats_reset timestamptz,
                statements_available boolean not null,
                database_bytes bigint not null,
                note text);
            create index if not exists insight_snapshot_taken_at on keel_history.insight_snapshot (taken_at);
            create table if not exists keel_history.insight_statement (
                snapshot_id bigint not null references keel_history.insight_snapshot (id) on delete cascade,
                queryid bigint not null,
                userid oid not null,
                dbid oid not null,
                toplevel boolean not null,
                query text,
                calls bigint not null,
                total_exec_time float8 not null,
                mean_exec_time float8 not null,
                min_exec_time float8 not null,
                max_exec_time float8 not null,
                rows bigint not null,
                shared_blks_hit bigint not null,
                shared_blks_read bigint not null,
                temp_blks_written bigint not null,
                primary key (snapshot_id, queryid, userid, dbid, toplevel));
            create table if not exists keel_history.insight_size (
                snapshot_id bigint not null references keel_history.insight_snapshot (id) on delete cascade,
                kind text not null check (kind in ('database', 'table', 'index')),
                name text not null,
                bytes bigint not null,
                rows bigint,
                primary key (snapshot_id, kind, name));
            """;

    private StatementHistory() {
    }

    // ---- values ------------------------------------------------------------------------------------------

    /**
     * How many snapshots to keep: those younger than {@code maxAge}, or the newest {@code count}. The newest
     * snapshot is always kept.
     */
    public record Retention(Optional<Duration> maxAge, OptionalInt count) {
        public Retention {
            requireNonNull(maxAge, "null maxAge");
            requireNonNull(count, "null count");
            if (maxAge.isPresent() == count.isPresent()) {
                throw new IllegalArgumentException("a retention is an age or a count, not both or neither");
            }
        }

        public static Retention age(Duration maxAge) {
            requireNonNull(maxAge, "null maxAge");
            if (maxAge.isNegative() || maxAge.isZero()) {
                throw new IllegalArgumentException("retention age must be positive, was " + maxAge);
            }
            return new Retention(Optional.of(maxAge), OptionalInt.empty());
        }

        public static Retention count(int snapshots) {
            if (snapshots < 1) {
                throw new IllegalArgumentException("keep at least 1 snapshot, was " + snapshots);
            }
            return new Retention(Optional.empty(), OptionalInt.of(snapshots));
        }

        private static final Pattern COUNT = Pattern.compile("\\d{1,9}");

        /**
         * {@code 30d}, {@code 36h}, {@code 90m} (an age) or a plain number of snapshots ({@code 100}).
         *
         * @throws IllegalArgumentException naming the text and the accepted forms
         */
        public static Retention parse(String text) {
            requireNonNull(text, "null retention");
            String t = text.strip();
            if (COUNT.matcher(t).matches()) {
                return count(Integer.parseInt(t));
            }
            try {
                return age(dev.keel.core.project.ProjectConfig.parseDuration(t));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + text + "' is neither an age (30d, 36h) nor a number of snapshots (100)");
            }
        }

        @Override
        public String toString() {
            return maxAge.map(d -> "snapshots younger than " + human(d)).orElseGet(() -> "the newest " + count.getAsInt()
                    + " snapshots");
        }
    }

    /**
     * What one snapshot stored.
     *
     * @param statementsAvailable false when pg_stat_statements could not be read: sizes only
     * @param statements          statement rows stored (this database's, Keel's own left out)
     * @param pruned              older snapshots removed by the retention
     * @param notes               what the user should know, such as why statements are missing
     */
    public record Snapshot(long id, Instant takenAt, boolean statementsAvailable, int statements, int tables,
                           int indexes, long databaseBytes, int pruned, List<String> notes) {
        public Snapshot {
            requireNonNull(takenAt, "null takenAt");
            notes = List.copyOf(notes);
        }
    }

    /** What one statement did between two snapshots; times in milliseconds. */
    public record StatementDelta(long queryid, String query, long calls, double totalMillis, long rows,
                                 long blocksRead, long blocksHit, long tempBlocksWritten, boolean reset) {
        public StatementDelta {
            requireNonNull(query, "null query");
        }

        /** Mean execution time in this interval. */
        public double meanMillis() {
            return calls == 0 ? 0 : totalMillis / calls;
        }
    }

    /**
     * The statements that ran between two consecutive snapshots, most total time first.
     *
     * @param reset true when statistics were reset in this interval (wholly, or for some statements)
     */
    public record Interval(long fromSnapshot, long toSnapshot, Instant start, Instant end, boolean reset,
                           List<StatementDelta> statements) {
        public Interval {
            requireNonNull(start, "null start");
            requireNonNull(end, "null end");
            statements = List.copyOf(statements);
        }

        public Duration duration() {
            return Duration.between(start, end);
        }
    }

    /**
     * One object's size over the snapshots: the first and last seen, the trend per day (a least-squares
     * line through every snapshot) and where that line is in 30 days.
     */
    public record SizeTrend(String kind, String name, Instant firstAt, long firstBytes, Instant lastAt, long lastBytes,
                            double bytesPerDay, long projected30Days) {
        public SizeTrend {
            requireNonNull(kind, "null kind");
            requireNonNull(name, "null name");
            requireNonNull(firstAt, "null firstAt");
            requireNonNull(lastAt, "null lastAt");
        }

        /** Growth per day relative to the last size, in percent (0 for an empty object). */
        public double percentPerDay() {
            return lastBytes <= 0 ? 0 : bytesPerDay * 100.0 / lastBytes;
        }

        public Duration observed() {
            return Duration.between(firstAt, lastAt);
        }
    }

    /** The database's size trend and the fastest-growing tables and indexes (at most 10 each, fastest first). */
    public record Growth(Optional<SizeTrend> database, List<SizeTrend> tables, List<SizeTrend> indexes, int snapshots) {
        public Growth {
            requireNonNull(database, "null database");
            tables = List.copyOf(tables);
            indexes = List.copyOf(indexes);
        }
    }

    /**
     * The thresholds of the trend findings.
     *
     * @param window              intervals looked at (ending with the last one)
     * @param regressionFactor    last interval's mean time at least this times the earlier mean
     * @param minCalls            calls needed in the last interval and in the earlier ones
     * @param minMeanMillis       a last-interval mean below this is no regression worth a finding
     * @param surgeFactor         calls per hour in the last interval at least this times the earlier rate
     * @param minSurgeCalls       calls needed in the last interval for a surge
     * @param growthPercentPerDay a table growing faster than this per day
     * @param minTableBytes       tables smaller than this are not reported for growth
     * @param minGrowthSpan       sizes observed over less than this say nothing about a trend
     */
    public record TrendRules(Duration window, double regressionFactor, long minCalls, double minMeanMillis,
                             double surgeFactor, long minSurgeCalls, double growthPercentPerDay, long minTableBytes,
                             Duration minGrowthSpan) {
        public TrendRules {
            requireNonNull(window, "null window");
            requireNonNull(minGrowthSpan, "null minGrowthSpan");
        }

        /** 7 days; regression 2x over 10+ calls and 1 ms; surge 5x over 100+ calls; tables of 10 MiB+ growing 10%/day over a day. */
        public static TrendRules defaults() {
            return new TrendRules(Duration.ofDays(7), 2.0, 10, 1.0, 5.0, 100, 10.0, 10L << 20, Duration.ofDays(1));
        }
    }

    // ---- snapshot ----------------------------------------------------------------------------------------

    /** Takes a snapshot with the default retention (30 days). */
    public static Snapshot snapshot(Connection c) {
        return snapshot(c, DEFAULT_RETENTION);
    }

    /**
     * Stores this database's pg_stat_statements rows and its sizes as one snapshot, in one transaction, then
     * removes snapshots outside {@code retention}. Creates the keel_history schema and tables on first use.
     *
     * @throws InsightException when the schema or tables cannot be created (with the GRANT that is missing)
     */
    public static Snapshot snapshot(Connection c, Retention retention) {
        requireNonNull(c, "null connection");
        requireNonNull(retention, "null retention");
        try {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                ensureTables(c);
                Snapshot s = take(c, retention);
                c.commit();
                return s;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw failure("snapshot", c, e);
        }
    }

    private static void ensureTables(Connection c) throws SQLException {
        String where = "create schema keel_history";
        try (Statement st = c.createStatement()) {
            boolean exists;
            try (ResultSet rs = st.executeQuery(Insight.MARKER + "select exists (select from pg_namespace where nspname = 'keel_history')")) {
                rs.next();
                exists = rs.getBoolean(1);
            }
            if (!exists) {
                st.execute(Insight.MARKER + "create schema if not exists keel_history");
            }
            where = "create the insight tables in schema keel_history";
            if (!tablesCurrent(c)) {
                st.execute(Insight.MARKER + SCHEMA_SQL);
                st.execute(Insight.MARKER + """
                        insert into keel_history.component_version (component, version) values ('insight', %d)
                        on conflict (component) do nothing""".formatted(VERSION));
            }
            try (ResultSet rs = st.executeQuery(Insight.MARKER + "select version from keel_history.component_version where component = 'insight'")) {
                int v = rs.next() ? rs.getInt(1) : VERSION;
                if (v > VERSION) {
                    throw new InsightException("the insight history in schema keel_history has version " + v
                            + "; this Keel knows version " + VERSION, "upgrade Keel", KeelException.RUNTIME, null);
                }
            }
        } catch (SQLException e) {
            if ("42501".equals(e.getSQLState())) {
                throw noRights(c, where, e);
            }
            throw e;
        }
    }

    /** True when this version's tables are there already (so a user with only INSERT rights needs no CREATE). */
    private static boolean tablesCurrent(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + """
                select to_regclass('keel_history.insight_size') is not null and to_regclass('keel_history.component_version') is not null""")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return false;
            }
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + "select version from keel_history.component_version where component = 'insight'")) {
            return rs.next() && rs.getInt(1) >= VERSION;
        }
    }

    private static InsightException noRights(Connection c, String what, SQLException e) throws SQLException {
        String user;
        String database;
        boolean schemaExists;
        c.rollback();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + "select current_user, current_database(), exists (select from pg_namespace where nspname = 'keel_history')")) {
            rs.next();
            user = rs.getString(1);
            database = rs.getString(2);
            schemaExists = rs.getBoolean(3);
        }
        String grant = schemaExists
                ? "GRANT USAGE, CREATE ON SCHEMA keel_history TO " + Identifiers.quote(user) + ";"
                : "GRANT CREATE ON DATABASE " + Identifiers.quote(database) + " TO " + Identifiers.quote(user) + ";";
        return new InsightException("cannot " + what + " in database " + database + " as " + user + ": "
                + firstLine(e.getMessage()), "run as a superuser: " + grant + " (or take snapshots as the database owner)",
                KeelException.RUNTIME, e);
    }

    private static Snapshot take(Connection c, Retention retention) throws SQLException {
        List<String> notes = new ArrayList<>();
        ActivityChecks.StatementsSetup setup = ActivityChecks.statementsSetup(c);
        statementsMissing(setup).ifPresent(notes::add);
        boolean statements = notes.isEmpty();
        String view = statements ? Identifiers.qualified(setup.schema(), "pg_stat_statements") : null;
        long id;
        Instant takenAt;
        long databaseBytes;
        try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + """
                insert into keel_history.insight_snapshot (stats_reset, statements_available, database_bytes, note)
                values (%s, ?, pg_database_size(current_database()), ?)
                returning id, taken_at, database_bytes""".formatted(statements
                ? "(select stats_reset from " + Identifiers.qualified(setup.schema(), "pg_stat_statements_info") + ")" : "null"))) {
            ps.setBoolean(1, statements);
            ps.setString(2, notes.isEmpty() ? null : String.join("; ", notes));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                id = rs.getLong(1);
                takenAt = rs.getTimestamp(2).toInstant();
                databaseBytes = rs.getLong(3);
            }
        }
        int statementRows = 0;
        if (statements) {
            // this database's statements only; Keel's own snapshot statements would only add noise
            try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + """
                    insert into keel_history.insight_statement (snapshot_id, queryid, userid, dbid, toplevel, query, calls,
                        total_exec_time, mean_exec_time, min_exec_time, max_exec_time, rows, shared_blks_hit,
                        shared_blks_read, temp_blks_written)
                    select ?, queryid, userid, dbid, toplevel, query, calls, total_exec_time, mean_exec_time,
                           min_exec_time, max_exec_time, rows, shared_blks_hit, shared_blks_read, temp_blks_written
                    from %s
                    where dbid = (select oid from pg_database where datname = current_database())
                      and queryid is not null
                      and query not like '/* keel %%' and query not like '%%keel\\_history%%'
                    on conflict do nothing""".formatted(view))) {
                ps.setLong(1, id);
                statementRows = ps.executeUpdate();
            }
        }
        int tables;
        int indexes;
        try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + """
                insert into keel_history.insight_size (snapshot_id, kind, name, bytes, rows)
                select ?, 'database', current_database(), pg_database_size(current_database()), null
                union all
                select ?, 'table', format('%I.%I', s.schemaname, s.relname), pg_table_size(s.relid), s.n_live_tup
                from pg_stat_user_tables s where s.schemaname <> 'keel_history'
                union all
                select ?, 'index', format('%I.%I', s.schemaname, s.indexrelname), pg_relation_size(s.indexrelid), null
                from pg_stat_user_indexes s where s.schemaname <> 'keel_history'
                on conflict do nothing""")) {
            ps.setLong(1, id);
            ps.setLong(2, id);
            ps.setLong(3, id);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + "select count(*) filter (where kind = 'table'), count(*) filter (where kind = 'index') "
                        + "from keel_history.insight_size where snapshot_id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                tables = rs.getInt(1);
                indexes = rs.getInt(2);
            }
        }
        int pruned = prune(c, retention, id);
        return new Snapshot(id, takenAt, statements, statementRows, tables, indexes, databaseBytes, pruned, notes);
    }

    /** Why pg_stat_statements cannot be read in this database, or empty when it can. */
    private static Optional<String> statementsMissing(ActivityChecks.StatementsSetup setup) {
        if (setup.notPreloaded()) {
            return Optional.of("pg_stat_statements is not loaded (shared_preload_libraries): stored sizes only;"
                    + " add it to shared_preload_libraries, restart, then CREATE EXTENSION pg_stat_statements;");
        }
        if (setup.schema() == null) {
            return Optional.of("pg_stat_statements is not installed in this database: stored sizes only;"
                    + " run CREATE EXTENSION pg_stat_statements;");
        }
        return Optional.empty();
    }

    // ---- retention ---------------------------------------------------------------------------------------

    /** Removes snapshots outside {@code retention}; the newest is always kept. Returns how many were removed. */
    public static int prune(Connection c, Retention retention) {
        requireNonNull(c, "null connection");
        requireNonNull(retention, "null retention");
        try {
            if (!historyExists(c)) {
                return 0;
            }
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + "select coalesce(max(id), 0) from keel_history.insight_snapshot")) {
                rs.next();
                return prune(c, retention, rs.getLong(1));
            }
        } catch (SQLException e) {
            throw failure("prune", c, e);
        }
    }

    private static int prune(Connection c, Retention retention, long newest) throws SQLException {
        if (retention.maxAge().isPresent()) {
            try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + "delete from keel_history.insight_snapshot where taken_at < now() - ? * interval '1 second' and id <> ?")) {
                ps.setLong(1, retention.maxAge().get().toSeconds());
                ps.setLong(2, newest);
                return ps.executeUpdate();
            }
        }
        try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + """
                delete from keel_history.insight_snapshot where id in (
                    select id from keel_history.insight_snapshot order by taken_at desc, id desc offset ?)""")) {
            ps.setInt(1, retention.count().getAsInt());
            return ps.executeUpdate();
        }
    }

    // ---- reading ------------------------------------------------------------------------------------------

    /** A stored snapshot's time and what it holds, for listings. */
    public record StoredSnapshot(long id, Instant takenAt, boolean statementsAvailable, long databaseBytes) {
    }

    /** The stored snapshots, oldest first; empty when none was ever taken. */
    public static List<StoredSnapshot> snapshots(Connection c) {
        requireNonNull(c, "null connection");
        List<StoredSnapshot> out = new ArrayList<>();
        try {
            if (!historyExists(c)) {
                return out;
            }
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + """
                    select id, taken_at, statements_available, database_bytes from keel_history.insight_snapshot
                    order by taken_at, id""")) {
                while (rs.next()) {
                    out.add(new StoredSnapshot(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getBoolean(3),
                            rs.getLong(4)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("read the history", c, e);
        }
    }

    /** Every statement's deltas in each interval that ends in [from, to]. */
    public static List<Interval> intervals(Connection c, Instant from, Instant to) {
        return intervals(c, from, to, OptionalLong.empty(), Integer.MAX_VALUE);
    }

    /**
     * The intervals between consecutive snapshots that end in [from, to], oldest first; in each, the
     * statements that ran (calls &gt; 0), most total time first, at most {@code top} of them, or only
     * {@code statement} when given. The snapshot before {@code from} is the first interval's start.
     */
    public static List<Interval> intervals(Connection c, Instant from, Instant to, OptionalLong statement, int top) {
        requireNonNull(c, "null connection");
        requireNonNull(from, "null from");
        requireNonNull(to, "null to");
        requireNonNull(statement, "null statement");
        if (top < 1) {
            throw new IllegalArgumentException("top must be 1 or more, was " + top);
        }
        try {
            if (!historyExists(c)) {
                return List.of();
            }
            Map<Long, Interval> byEnd = new LinkedHashMap<>();
            Map<Long, List<StatementDelta>> deltas = new LinkedHashMap<>();
            // statement snapshots only: a sizes-only snapshot (pg_stat_statements missing) is no interval boundary
            try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + """
                    with s as (
                        select id, taken_at, stats_reset,
                               lag(id) over w as prev_id, lag(taken_at) over w as prev_at,
                               lag(stats_reset) over w as prev_reset
                        from keel_history.insight_snapshot where statements_available
                        window w as (order by taken_at, id))
                    select id, prev_id, prev_at, taken_at, stats_reset is distinct from prev_reset
                    from s where prev_id is not null and taken_at >= ? and taken_at <= ?
                    order by taken_at, id""")) {
                ps.setTimestamp(1, Timestamp.from(from));
                ps.setTimestamp(2, Timestamp.from(to));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        byEnd.put(id, new Interval(rs.getLong(2), id, rs.getTimestamp(3).toInstant(),
                                rs.getTimestamp(4).toInstant(), rs.getBoolean(5), List.of()));
                        deltas.put(id, new ArrayList<>());
                    }
                }
            }
            if (byEnd.isEmpty()) {
                return List.of();
            }
            Map<Long, Boolean> partialReset = new LinkedHashMap<>();
            for (Interval i : byEnd.values()) {
                try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + DELTA_SQL)) {
                    ps.setBoolean(1, i.reset());
                    ps.setLong(2, i.fromSnapshot());
                    ps.setLong(3, i.toSnapshot());
                    ps.setBoolean(4, statement.isPresent());
                    ps.setLong(5, statement.orElse(0));
                    ps.setInt(6, top);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            boolean reset = rs.getBoolean(10);
                            deltas.get(i.toSnapshot()).add(new StatementDelta(rs.getLong(1), rs.getString(2),
                                    rs.getLong(3), rs.getDouble(4), rs.getLong(5), rs.getLong(6), rs.getLong(7),
                                    rs.getLong(8), reset));
                            if (rs.getBoolean(9)) {
                                partialReset.put(i.toSnapshot(), true);
                            }
                        }
                    }
                }
            }
            List<Interval> out = new ArrayList<>();
            for (Interval i : byEnd.values()) {
                out.add(new Interval(i.fromSnapshot(), i.toSnapshot(), i.start(), i.end(),
                        i.reset() || partialReset.getOrDefault(i.toSnapshot(), false), deltas.get(i.toSnapshot())));
            }
            return out;
        } catch (SQLException e) {
            throw failure("read the history", c, e);
        }
    }

    /**
     * One interval's deltas per queryid (summed over users and nesting levels). A row whose counters went down,
     * or every row after a full reset (parameter 1), starts from zero: its delta is its current value.
     * Column 9 says whether any row of the interval was reset; column 10 whether this statement's was.
     */
    private static final String DELTA_SQL = """
            with d as (
                select cur.queryid, cur.query,
                       (? or p.calls is null or cur.calls < p.calls or cur.total_exec_time < p.total_exec_time
                           or cur.rows < p.rows) as restarted,
                       p.calls is not null as had_prev, cur.calls, cur.total_exec_time, cur.rows,
                       cur.shared_blks_read, cur.shared_blks_hit, cur.temp_blks_written, p.calls as p_calls,
                       p.total_exec_time as p_total, p.rows as p_rows, p.shared_blks_read as p_read,
                       p.shared_blks_hit as p_hit, p.temp_blks_written as p_temp
                from keel_history.insight_statement cur
                left join keel_history.insight_statement p on p.snapshot_id = ? and p.queryid = cur.queryid
                     and p.userid = cur.userid and p.dbid = cur.dbid and p.toplevel = cur.toplevel
                where cur.snapshot_id = ?),
            per as (
                select queryid, min(query) as query,
                       sum(case when restarted then calls else calls - p_calls end) as calls,
                       sum(case when restarted then total_exec_time else total_exec_time - p_total end) as total,
                       sum(case when restarted then rows else rows - p_rows end) as rows,
                       sum(case when restarted then shared_blks_read else greatest(shared_blks_read - p_read, 0) end) as blks_read,
                       sum(case when restarted then shared_blks_hit else greatest(shared_blks_hit - p_hit, 0) end) as blks_hit,
                       sum(case when restarted then temp_blks_written else greatest(temp_blks_written - p_temp, 0) end) as temp,
                       bool_or(restarted and had_prev) as reset
                from d group by queryid)
            select queryid, query, calls, total, rows, blks_read, blks_hit, temp,
                   bool_or(reset) over (), reset
            from per
            where calls > 0 and (not ? or queryid = ?)
            order by total desc, queryid
            limit ?""";

    // ---- growth --------------------------------------------------------------------------------------------

    /** Size growth over all stored snapshots. */
    public static Growth growth(Connection c) {
        return growth(c, Instant.EPOCH);
    }

    /** Size growth over the snapshots taken since {@code since}: the database and the top 10 tables and indexes. */
    public static Growth growth(Connection c, Instant since) {
        requireNonNull(c, "null connection");
        requireNonNull(since, "null since");
        try {
            if (!historyExists(c)) {
                return new Growth(Optional.empty(), List.of(), List.of(), 0);
            }
            int snapshots;
            try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + "select count(*) from keel_history.insight_snapshot where taken_at >= ?")) {
                ps.setTimestamp(1, Timestamp.from(since));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    snapshots = rs.getInt(1);
                }
            }
            List<SizeTrend> db = trends(c, since, "database", 1);
            return new Growth(db.stream().findFirst(), trends(c, since, "table", 10), trends(c, since, "index", 10),
                    snapshots);
        } catch (SQLException e) {
            throw failure("read the history", c, e);
        }
    }

    /**
     * The objects of one kind seen in at least two snapshots, fastest growing first: a least-squares slope of
     * bytes over days through every snapshot (regr_slope), so one odd snapshot does not swing the trend.
     */
    private static List<SizeTrend> trends(Connection c, Instant since, String kind, int top) throws SQLException {
        List<SizeTrend> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + """
                with p as (
                    select z.name, s.taken_at, z.bytes,
                           extract(epoch from s.taken_at) / 86400.0 as day,
                           row_number() over (partition by z.name order by s.taken_at) as first_rank,
                           row_number() over (partition by z.name order by s.taken_at desc) as last_rank
                    from keel_history.insight_size z join keel_history.insight_snapshot s on s.id = z.snapshot_id
                    where z.kind = ? and s.taken_at >= ?)
                select name,
                       min(taken_at) filter (where first_rank = 1), max(bytes) filter (where first_rank = 1),
                       max(taken_at) filter (where last_rank = 1), max(bytes) filter (where last_rank = 1),
                       coalesce(regr_slope(bytes, day), 0)
                from p group by name having count(*) >= 2 and max(taken_at) > min(taken_at)
                order by 6 desc, name limit ?""")) {
            ps.setString(1, kind);
            ps.setTimestamp(2, Timestamp.from(since));
            ps.setInt(3, top);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    double perDay = rs.getDouble(6);
                    long last = rs.getLong(5);
                    out.add(new SizeTrend(kind, rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getLong(3),
                            rs.getTimestamp(4).toInstant(), last, perDay, Math.max(0, Math.round(last + perDay * 30))));
                }
            }
        }
        return out;
    }

    // ---- findings ----------------------------------------------------------------------------------------------

    /** The trend findings with the default thresholds. */
    public static Findings trendFindings(Connection c) {
        return trendFindings(c, TrendRules.defaults());
    }

    /**
     * Findings from the stored history: statements whose mean time in the last interval is at least
     * {@code regressionFactor} times their mean over the earlier intervals of the window
     * ("insight.statement-regression"), statements whose calls per hour jumped ("insight.statement-surge"), and
     * fast growth of tables or the database ("insight.fast-growth"). Needs three statement snapshots for the
     * statement findings (two intervals) and two snapshots over {@code minGrowthSpan} for growth.
     */
    public static Findings trendFindings(Connection c, TrendRules rules) {
        requireNonNull(c, "null connection");
        requireNonNull(rules, "null rules");
        List<Finding> out = new ArrayList<>();
        Instant now = Instant.now();
        List<Interval> intervals = intervals(c, now.minus(rules.window()), now.plusSeconds(60));
        if (intervals.size() >= 2) {
            Interval last = intervals.get(intervals.size() - 1);
            List<Interval> earlier = intervals.subList(0, intervals.size() - 1);
            Map<Long, long[]> earlierCalls = new LinkedHashMap<>();
            Map<Long, Double> earlierTotal = new LinkedHashMap<>();
            double earlierHours = 0;
            for (Interval i : earlier) {
                earlierHours += hours(i.duration());
                for (StatementDelta d : i.statements()) {
                    earlierCalls.computeIfAbsent(d.queryid(), k -> new long[1])[0] += d.calls();
                    earlierTotal.merge(d.queryid(), d.totalMillis(), Double::sum);
                }
            }
            double lastHours = hours(last.duration());
            for (StatementDelta d : last.statements()) {
                long before = earlierCalls.getOrDefault(d.queryid(), new long[1])[0];
                if (before == 0) {
                    continue; // a new statement has no past to compare with
                }
                double beforeMean = earlierTotal.get(d.queryid()) / before;
                if (d.calls() >= rules.minCalls() && before >= rules.minCalls() && d.meanMillis() >= rules.minMeanMillis()
                        && beforeMean > 0 && d.meanMillis() >= rules.regressionFactor() * beforeMean) {
                    out.add(Finding.of("insight.statement-regression", Severity.WARNING, "queryid " + d.queryid(),
                                    String.format(Locale.ROOT, "Statement %d got %.1fx slower: %.2f ms per call in the last"
                                                    + " interval against %.2f ms before. %s", d.queryid(),
                                            d.meanMillis() / beforeMean, d.meanMillis(), beforeMean, shortQuery(d.query())),
                                    "Compare its plan now with before: keel explain '<the statement with real values>'"
                                            + " --analyze; look for a table that grew, a dropped index or stale"
                                            + " statistics (ANALYZE the tables it reads).")
                            .withEvidence("queryid", d.queryid())
                            .withEvidence("query", d.query())
                            .withEvidence("lastMeanMillis", round(d.meanMillis()))
                            .withEvidence("earlierMeanMillis", round(beforeMean))
                            .withEvidence("lastCalls", d.calls())
                            .withEvidence("earlierCalls", before)
                            .withEvidence("lastInterval", last.start() + "/" + last.end()));
                }
                if (earlierHours > 0 && lastHours > 0 && d.calls() >= rules.minSurgeCalls()) {
                    double rateBefore = before / earlierHours;
                    double rateNow = d.calls() / lastHours;
                    if (rateNow >= rules.surgeFactor() * rateBefore) {
                        out.add(Finding.of("insight.statement-surge", Severity.INFO, "queryid " + d.queryid(),
                                        String.format(Locale.ROOT, "Statement %d is called %.1fx as often: %.0f calls per"
                                                        + " hour in the last interval against %.0f before. %s", d.queryid(),
                                                rateNow / rateBefore, rateNow, rateBefore, shortQuery(d.query())),
                                        "Check the caller for a loop or a cache that stopped working (N+1 queries);"
                                                + " batch the calls or cache the result if the rate is not expected.")
                                .withEvidence("queryid", d.queryid())
                                .withEvidence("query", d.query())
                                .withEvidence("lastCallsPerHour", round(rateNow))
                                .withEvidence("earlierCallsPerHour", round(rateBefore))
                                .withEvidence("lastCalls", d.calls())
                                .withEvidence("lastInterval", last.start() + "/" + last.end()));
                    }
                }
            }
        }
        Growth g = growth(c, now.minus(rules.window()));
        for (SizeTrend t : g.tables()) {
            if (t.observed().compareTo(rules.minGrowthSpan()) >= 0 && t.observed().toMillis() > 0
                    && t.lastBytes() >= rules.minTableBytes() && t.percentPerDay() > rules.growthPercentPerDay()) {
                out.add(growthFinding(t, String.format(Locale.ROOT, "Table %s grows %.1f%% a day (%s a day, %s now,"
                                + " %s in 30 days at this rate).", t.name(), t.percentPerDay(), Progress.Unit.BYTES.format(Math.round(t.bytesPerDay())),
                        Progress.Unit.BYTES.format(t.lastBytes()), Progress.Unit.BYTES.format(t.projected30Days())),
                        "Check that old rows are deleted or archived as intended (a retention job, partitioning by"
                                + " time with old partitions dropped); plan disk for the projected size."));
            }
        }
        g.database().filter(t -> t.observed().compareTo(rules.minGrowthSpan()) >= 0 && t.observed().toMillis() > 0
                        && t.lastBytes() > 0 && t.projected30Days() >= 2 * t.lastBytes())
                .ifPresent(t -> out.add(growthFinding(t, String.format(Locale.ROOT, "Database %s is projected to double"
                                + " within 30 days: %s now, growing %s a day, %s in 30 days.", t.name(),
                        Progress.Unit.BYTES.format(t.lastBytes()), Progress.Unit.BYTES.format(Math.round(t.bytesPerDay())), Progress.Unit.BYTES.format(t.projected30Days())),
                        "Find the fastest-growing tables (keel insight history) and check their retention; make sure"
                                + " the disk holds the projected size with headroom.")));
        return Findings.of(out);
    }

    private static Finding growthFinding(SizeTrend t, String message, String remedy) {
        return Finding.of("insight.fast-growth", Severity.WARNING, t.name(), message, remedy)
                .withEvidence("kind", t.kind())
                .withEvidence("bytes", t.lastBytes())
                .withEvidence("bytesPerDay", Math.round(t.bytesPerDay()))
                .withEvidence("percentPerDay", round(t.percentPerDay()))
                .withEvidence("projected30DaysBytes", t.projected30Days())
                .withEvidence("observedFrom", t.firstAt().toString())
                .withEvidence("observedTo", t.lastAt().toString());
    }

    // ---- small things -------------------------------------------------------------------------------------------

    private static boolean historyExists(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + "select to_regclass('keel_history.insight_snapshot') is not null and to_regclass('keel_history.insight_size') is not null")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static InsightException failure(String what, Connection c, SQLException e) {
        String remedy = "42501".equals(e.getSQLState())
                ? "grant the user access to the history: GRANT USAGE ON SCHEMA keel_history TO <user>; "
                + "GRANT SELECT, INSERT, DELETE ON ALL TABLES IN SCHEMA keel_history TO <user>;"
                : null;
        return new InsightException("insight history: cannot " + what + ": " + firstLine(e.getMessage())
                + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")"), remedy, KeelException.RUNTIME, e);
    }

    static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("").strip();
    }


    static String shortQuery(String query) {
        String q = query.replaceAll("\\s+", " ").strip();
        return q.length() > 80 ? q.substring(0, 77) + "..." : q;
    }

    private static double hours(Duration d) {
        return d.toMillis() / 3_600_000.0;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s % 86400 == 0) {
            return s / 86400 + "d";
        }
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }
}
