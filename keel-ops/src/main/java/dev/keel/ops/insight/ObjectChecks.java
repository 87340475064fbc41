package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import dev.keel.core.KeelException;
import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Severity;
import dev.keel.core.progress.Progress;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The object-health checks of {@code keel insight}: indexes, constraints, tables and sequences of the
 * connected database that waste space, slow writes, miss maintenance or run out of numbers. Each check is one
 * catalog query, whatever the number of tables (no per-table round trips), and reports {@link Finding}s whose
 * remedy is SQL that runs as written. {@link MaintenancePlan} turns some of them into actions, so the
 * thresholds here decide both what insight reports and what {@code keel maintain} does.
 *
 * <p>Rules and thresholds:
 * <ul>
 * <li>{@code insight.unused-index}: no index scan since the statistics were last reset; indexes that enforce
 *   something (primary key, unique, exclusion) are never reported. Warning from {@value #UNUSED_INDEX_WARN_BYTES}
 *   bytes, else info. The counters are this server's: an index used only on a standby looks unused here.</li>
 * <li>{@code insight.duplicate-index}: another index on the same table with the same method, key columns or
 *   expressions, operator classes, collations, ordering and predicate; the one to drop is the one that enforces
 *   less (a plain index next to a unique one), else the newer one.</li>
 * <li>{@code insight.redundant-index}: a plain (not unique) btree index whose columns lead another btree index
 *   with the same predicate, so the other serves its lookups.</li>
 * <li>{@code insight.invalid-index}: left by a failed {@code CREATE INDEX CONCURRENTLY} or {@code REINDEX
 *   CONCURRENTLY}; it slows every write and serves no read. Builds still in progress are skipped.</li>
 * <li>{@code insight.not-valid-constraint}: a check or foreign key added {@code NOT VALID} and never validated.</li>
 * <li>{@code insight.unindexed-foreign-key}: no valid, unconditional index whose leading key columns are the
 *   foreign key's (in any order), so each delete or key update on the referenced table scans this one.</li>
 * <li>{@code insight.seq-scan-heavy}: at least {@value #SEQ_SCAN_MIN_ROWS} rows, at least
 *   {@value #SEQ_SCAN_MIN_SCANS} sequential scans, and more sequential than index scans.</li>
 * <li>{@code insight.table-bloat} and {@code insight.index-bloat}: estimated from the planner statistics the way
 *   ioguix's pgsql-bloat-estimation queries do it (expected pages from row count, average column widths in
 *   pg_stats, tuple headers, alignment and fillfactor, against the real page count; btree indexes only), so
 *   pgstattuple is not needed. Reported from {@value #BLOAT_MIN_RATIO} of the object and
 *   {@value #BLOAT_MIN_BYTES} bytes; warning from {@value #BLOAT_WARN_RATIO}. Tables whose columns lack
 *   statistics (never analyzed) and indexes with a {@code name} column (no usable width) are skipped.</li>
 * <li>{@code insight.dead-tuples}: more dead tuples than autovacuum's vacuum threshold, computed as autovacuum
 *   does ({@code autovacuum_vacuum_threshold + autovacuum_vacuum_scale_factor * reltuples}, the table's
 *   reloptions first). Warning when autovacuum is off for the table or the server, or the last vacuum is older
 *   than {@value #VACUUM_LAG_WARN_SECONDS} s; else info (autovacuum will get to it).</li>
 * <li>{@code insight.analyze-needed}: more rows changed since the last analyze than autovacuum's analyze
 *   threshold (same formula, analyze settings).</li>
 * <li>{@code insight.xid-wraparound} and {@code insight.multixact-wraparound}: per database and for the
 *   {@value #WRAPAROUND_TABLES} oldest tables of this one, an age of at least {@value #WRAPAROUND_WARN_AGE}
 *   (the server stops taking writes near 2^31); error from {@value #WRAPAROUND_ERROR_AGE}.</li>
 * <li>{@code insight.sequence-exhaustion}: an ascending sequence that has used {@value #SEQUENCE_WARN_RATIO} of
 *   its range (error from {@value #SEQUENCE_ERROR_RATIO}), where the range ends at the smaller of the
 *   sequence's maximum and the maximum of the integer column it feeds (a bigint sequence feeding an int4 column
 *   ends at 2147483647).</li>
 * <li>{@code insight.table-cache-hit-ratio}: heap and index blocks of a table found in shared buffers, for tables
 *   with at least {@value #CACHE_MIN_BLOCKS} block accesses; info below {@value #CACHE_INFO_RATIO}, warning
 *   below {@value #CACHE_WARN_RATIO}.</li>
 * </ul>
 * System schemas and other sessions' temporary tables are skipped. Checked on PostgreSQL 15 (the views and
 * columns used exist from 14 on).
 */
public final class ObjectChecks {

    public static final String UNUSED_INDEX = "insight.unused-index";
    public static final String DUPLICATE_INDEX = "insight.duplicate-index";
    public static final String REDUNDANT_INDEX = "insight.redundant-index";
    public static final String INVALID_INDEX = "insight.invalid-index";
    public static final String NOT_VALID_CONSTRAINT = "insight.not-valid-constraint";
    public static final String UNINDEXED_FOREIGN_KEY = "insight.unindexed-foreign-key";
    public static final String SEQ_SCAN_HEAVY = "insight.seq-scan-heavy";
    public static final String TABLE_BLOAT = "insight.table-bloat";
    public static final String INDEX_BLOAT = "insight.index-bloat";
    public static final String DEAD_TUPLES = "insight.dead-tuples";
    public static final String ANALYZE_NEEDED = "insight.analyze-needed";
    public static final String XID_WRAPAROUND = "insight.xid-wraparound";
    public static final String MULTIXACT_WRAPAROUND = "insight.multixact-wraparound";
    public static final String SEQUENCE_EXHAUSTION = "insight.sequence-exhaustion";
    public static final String CACHE_HIT_RATIO = "insight.table-cache-hit-ratio";

    /** Every rule id these checks report, in the order they run. */
    public static final List<String> RULES = List.of(UNUSED_INDEX, DUPLICATE_INDEX, REDUNDANT_INDEX, INVALID_INDEX,
            NOT_VALID_CONSTRAINT, UNINDEXED_FOREIGN_KEY, SEQ_SCAN_HEAVY, TABLE_BLOAT, INDEX_BLOAT, DEAD_TUPLES,
            ANALYZE_NEEDED, XID_WRAPAROUND, MULTIXACT_WRAPAROUND, SEQUENCE_EXHAUSTION, CACHE_HIT_RATIO);

    static final long UNUSED_INDEX_WARN_BYTES = 100L << 20;
    static final long SEQ_SCAN_MIN_ROWS = 10_000;
    static final long SEQ_SCAN_MIN_SCANS = 10;
    static final long SEQ_SCAN_WARN_ROWS = 1_000_000;
    static final double BLOAT_MIN_RATIO = 0.3;
    static final double BLOAT_WARN_RATIO = 0.5;
    static final long BLOAT_MIN_BYTES = 10L << 20;
    static final long VACUUM_LAG_WARN_SECONDS = 86_400;
    static final long WRAPAROUND_WARN_AGE = 800_000_000;
    static final long WRAPAROUND_ERROR_AGE = 1_200_000_000;
    static final int WRAPAROUND_TABLES = 5;
    static final double SEQUENCE_WARN_RATIO = 0.75;
    static final double SEQUENCE_ERROR_RATIO = 0.9;
    static final long CACHE_MIN_BLOCKS = 10_000;
    static final double CACHE_INFO_RATIO = 0.95;
    static final double CACHE_WARN_RATIO = 0.8;

    // user objects only: not the system schemas, not Keel's own history (schema keel_history, from keel insight snapshot)
    private static final String USER_SCHEMA = """
            n.nspname not in ('pg_catalog', 'information_schema', 'keel_history') and n.nspname not like 'pg\\_toast%'
            and not pg_is_other_temp_schema(n.oid)""";

    private ObjectChecks() {
    }

    /** Runs every check against the connected database; findings in the order of {@link #RULES}. */
    public static List<Finding> run(Connection c) {
        requireNonNull(c, "null connection");
        List<Finding> all = new ArrayList<>();
        all.addAll(guard("unused indexes", () -> unusedIndexes(c)));
        all.addAll(guard("duplicate indexes", () -> duplicateIndexes(c)));
        all.addAll(guard("invalid indexes", () -> invalidIndexes(c)));
        all.addAll(guard("NOT VALID constraints", () -> notValidConstraints(c)));
        all.addAll(guard("foreign keys", () -> unindexedForeignKeys(c)));
        all.addAll(guard("sequential scans", () -> seqScanHeavy(c)));
        all.addAll(guard("table bloat", () -> tableBloat(c)));
        all.addAll(guard("index bloat", () -> indexBloat(c)));
        all.addAll(guard("vacuum and analyze", () -> vacuumAndAnalyze(c)));
        all.addAll(guard("wraparound", () -> wraparound(c, WRAPAROUND_WARN_AGE, WRAPAROUND_ERROR_AGE)));
        all.addAll(guard("sequences", () -> sequences(c)));
        all.addAll(guard("cache hit ratio", () -> cacheHitRatio(c, CACHE_MIN_BLOCKS, CACHE_INFO_RATIO)));
        return all;
    }

    interface Check {
        List<Finding> run() throws SQLException;
    }

    static List<Finding> guard(String what, Check check) {
        try {
            return check.run();
        } catch (SQLException e) {
            throw new InsightException("the " + what + " check failed: server error " + e.getSQLState() + ": "
                    + e.getMessage(), "connect as a role that can read pg_catalog and pg_stat_* (pg_monitor)",
                    KeelException.RUNTIME, e);
        }
    }

    // ---- indexes ------------------------------------------------------------------------------------------

    static final String UNUSED_INDEXES = """
            select format('%%I.%%I', n.nspname, ic.relname) as index_name,
                   format('%%I.%%I', n.nspname, t.relname) as table_name,
                   pg_relation_size(i.indexrelid) as bytes,
                   pg_get_indexdef(i.indexrelid) as definition,
                   (select d.stats_reset from pg_stat_database d where d.datname = current_database()) as stats_reset
            from pg_index i
            join pg_class ic on ic.oid = i.indexrelid
            join pg_class t on t.oid = i.indrelid
            join pg_namespace n on n.oid = ic.relnamespace
            join pg_stat_all_indexes s on s.indexrelid = i.indexrelid
            where s.idx_scan = 0 and i.indisvalid and i.indisready
              and not i.indisunique and not i.indisprimary and not i.indisexclusion
              and not exists (select 1 from pg_constraint k
                              where k.conindid = i.indexrelid and k.conrelid = i.indrelid and k.contype in ('p', 'u', 'x'))
              -- Flyway's history index serves its own occasional reads: never advise dropping it
              and t.relname <> 'flyway_schema_history'
              and %s
            order by 1""".formatted(USER_SCHEMA);

    static List<Finding> unusedIndexes(Connection c) throws SQLException {
        List<Finding> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + UNUSED_INDEXES); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String index = rs.getString("index_name");
                long bytes = rs.getLong("bytes");
                Timestamp reset = rs.getTimestamp("stats_reset");
                String since = reset == null ? "since the statistics began (never reset)" : "since the statistics reset at " + reset.toInstant();
                out.add(Finding.of(UNUSED_INDEX, bytes >= UNUSED_INDEX_WARN_BYTES ? Severity.WARNING : Severity.INFO, index,
                                "Index " + index + " on " + rs.getString("table_name") + " (" + Progress.Unit.BYTES.format(bytes) + ") has not been scanned "
                                        + since + "; it costs every write and serves no read. Check standbys before dropping it.",
                                "DROP INDEX CONCURRENTLY " + index + ";")
                        .withEvidence("table", rs.getString("table_name"))
                        .withEvidence("bytes", bytes)
                        .withEvidence("indexScans", 0)
                        .withEvidence("statsReset", reset == null ? "never" : reset.toInstant().toString())
                        .withEvidence("definition", rs.getString("definition")));
            }
        }
        return out;
    }

    /**
     * Pairs (a, b) where a can go because b serves it: the same index (duplicate) or, for a plain btree, b's
     * leading key columns are a's (redundant). Vectors compare as text: "1 2" is a prefix of "1 2 3" when
     * "1 2 3" is like "1 2 %". Rank orders what an index enforces (constraint 2, unique 1, plain 0); of two
     * equal ranks the newer (higher oid) goes. DISTINCT ON keeps one reason per index.
     */
    static final String DUPLICATE_INDEXES = """
            with idx as (
              select i.indexrelid, i.indrelid, ic.relam, i.indisunique, i.indnkeyatts, i.indnatts,
                     format('%%I.%%I', n.nspname, ic.relname) as index_name,
                     format('%%I.%%I', n.nspname, t.relname) as table_name,
                     i.indkey::text as keys, i.indclass::text as classes, i.indcollation::text as collations,
                     i.indoption::text as options,
                     pg_get_expr(i.indexprs, i.indrelid) as exprs, pg_get_expr(i.indpred, i.indrelid) as pred,
                     case when i.indisprimary or i.indisexclusion
                               or exists (select 1 from pg_constraint k where k.conindid = i.indexrelid
                                          and k.conrelid = i.indrelid and k.contype in ('p', 'u', 'x')) then 2
                          when i.indisunique then 1 else 0 end as rank
              from pg_index i
              join pg_class ic on ic.oid = i.indexrelid
              join pg_class t on t.oid = i.indrelid
              join pg_namespace n on n.oid = ic.relnamespace
              where i.indisvalid and i.indisready and ic.relkind = 'i' and %s
            )
            select distinct on (a.indexrelid)
                   a.index_name, a.table_name, b.index_name as kept, a.keys = b.keys as duplicate,
                   pg_relation_size(a.indexrelid) as bytes,
                   pg_get_indexdef(a.indexrelid) as definition, pg_get_indexdef(b.indexrelid) as kept_definition
            from idx a
            join idx b on b.indrelid = a.indrelid and b.indexrelid <> a.indexrelid and b.relam = a.relam
                      and b.pred is not distinct from a.pred
            where a.rank < 2
              and ((a.keys = b.keys and a.classes = b.classes and a.collations = b.collations and a.options = b.options
                    and a.indnkeyatts = b.indnkeyatts and a.indnatts = b.indnatts and a.exprs is not distinct from b.exprs
                    and (a.rank < b.rank or (a.rank = b.rank and a.indexrelid > b.indexrelid)))
                or (a.rank = 0 and a.exprs is null and a.indnatts = a.indnkeyatts and a.indnkeyatts < b.indnkeyatts
                    and (select amname from pg_am where oid = a.relam) = 'btree'
                    and b.keys like a.keys || ' %%' and b.classes like a.classes || ' %%'
                    and b.collations like a.collations || ' %%' and b.options like a.options || ' %%'))
            order by a.indexrelid, (a.keys = b.keys) desc, b.rank desc, b.indexrelid""".formatted(USER_SCHEMA);

    static List<Finding> duplicateIndexes(Connection c) throws SQLException {
        List<Finding> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + DUPLICATE_INDEXES); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String index = rs.getString("index_name");
                String kept = rs.getString("kept");
                boolean duplicate = rs.getBoolean("duplicate");
                long bytes = rs.getLong("bytes");
                String message = duplicate
                        ? "Index " + index + " (" + Progress.Unit.BYTES.format(bytes) + ") duplicates " + kept + ": same columns, method and predicate."
                        : "Index " + index + " (" + Progress.Unit.BYTES.format(bytes) + ") is redundant: its columns lead " + kept
                                + ", which serves the same lookups.";
                out.add(Finding.of(duplicate ? DUPLICATE_INDEX : REDUNDANT_INDEX, duplicate ? Severity.WARNING : Severity.INFO,
                                index, message, "DROP INDEX CONCURRENTLY " + index + ";")
                        .withEvidence("table", rs.getString("table_name"))
                        .withEvidence("bytes", bytes)
                        .withEvidence("keptIndex", kept)
                        .withEvidence("definition", rs.getString("definition"))
                        .withEvidence("keptDefinition", rs.getString("kept_definition")));
            }
        }
        return out;
    }

    static final String INVALID_INDEXES = """
            select format('%%I.%%I', n.nspname, ic.relname) as index_name,
                   format('%%I.%%I', n.nspname, t.relname) as table_name,
                   pg_relation_size(i.indexrelid) as bytes, i.indisunique,
                   regexp_replace(pg_get_indexdef(i.indexrelid), '^CREATE (UNIQUE )?INDEX ', 'CREATE \\1INDEX CONCURRENTLY ') as create_sql
            from pg_index i
            join pg_class ic on ic.oid = i.indexrelid
            join pg_class t on t.oid = i.indrelid
            join pg_namespace n on n.oid = ic.relnamespace
            where not i.indisvalid and ic.relkind = 'i' and %s
              and i.indrelid not in (select p.relid from pg_stat_progress_create_index p
                                     where p.datid = (select oid from pg_database where datname = current_database()))
            order by 1""".formatted(USER_SCHEMA);

    static List<Finding> invalidIndexes(Connection c) throws SQLException {
        List<Finding> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + INVALID_INDEXES); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String index = rs.getString("index_name");
                boolean unique = rs.getBoolean("indisunique");
                out.add(Finding.of(INVALID_INDEX, Severity.WARNING, index,
                                "Index " + index + " on " + rs.getString("table_name") + " is invalid (a failed CREATE INDEX "
                                        + "CONCURRENTLY or REINDEX CONCURRENTLY): every write maintains it, no query uses it."
                                        + (unique ? " It is unique: remove the duplicate rows before building it again." : ""),
                                "DROP INDEX CONCURRENTLY " + index + "; " + rs.getString("create_sql") + ";")
                        .withEvidence("table", rs.getString("table_name"))
                        .withEvidence("bytes", rs.getLong("bytes"))
                        .withEvidence("unique", unique));
            }
        }
        return out;
    }

    // ---- constraints --------------------------------------------------------------------------------------

    static final String NOT_VALID_CONSTRAINTS = """
            select format('%%I.%%I', n.nspname, t.relname) as table_name, format('%%I', k.conname) as constraint_name,
                   case k.contype when 'f' then 'foreign key' else 'check' end as kind, pg_get_constraintdef(k.oid) as definition
            from pg_constraint k
            join pg_class t on t.oid = k.conrelid
            join pg_namespace n on n.oid = t.relnamespace
            where not k.convalidated and k.contype in ('c', 'f') and %s
            order by 1, 2""".formatted(USER_SCHEMA);

    static List<Finding> notValidConstraints(Connection c) throws SQLException {
        List<Finding> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + NOT_VALID_CONSTRAINTS); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String table = rs.getString("table_name");
                String name = rs.getString("constraint_name");
                out.add(Finding.of(NOT_VALID_CONSTRAINT, Severity.WARNING, table + "." + name,
                                "The " + rs.getString("kind") + " constraint " + name + " on " + table + " was added NOT VALID "
                                        + "and never validated: rows older than it are unchecked and the planner cannot rely on it.",
                                "ALTER TABLE " + table + " VALIDATE CONSTRAINT " + name + ";")
                        .withEvidence("table", table)
                        .withEvidence("definition", rs.getString("definition")));
            }
        }
        return out;
    }

    /**
     * Top-level foreign keys only (a partition's clone of its parent's key has conparentid set). An index
     * covers the key when its first n key columns are the key's n columns, in any order: int2vector casts to
     * an array indexed from 0, conkey is indexed from 1, and the containment operators ignore bounds.
     */
    static final String UNINDEXED_FOREIGN_KEYS = """
            select format('%%I.%%I', n.nspname, t.relname) as table_name, format('%%I', k.conname) as constraint_name,
                   t.relkind = 'p' as partitioned, greatest(t.reltuples, 0)::bigint as rows,
                   (select format('%%I.%%I', rn.nspname, r.relname) from pg_class r
                    join pg_namespace rn on rn.oid = r.relnamespace where r.oid = k.confrelid) as referenced,
                   array(select format('%%I', a.attname) from unnest(k.conkey) with ordinality u(attnum, ord)
                         join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.attnum order by u.ord) as columns
            from pg_constraint k
            join pg_class t on t.oid = k.conrelid
            join pg_namespace n on n.oid = t.relnamespace
            where k.contype = 'f' and k.conparentid = 0 and %s
              and not exists (
                select 1 from pg_index i
                where i.indrelid = k.conrelid and i.indisvalid and i.indpred is null
                  and i.indnkeyatts >= cardinality(k.conkey)
                  and (i.indkey::int2[])[0:cardinality(k.conkey) - 1] @> k.conkey
                  and (i.indkey::int2[])[0:cardinality(k.conkey) - 1] <@ k.conkey)
            order by 1, 2""".formatted(USER_SCHEMA);

    static List<Finding> unindexedForeignKeys(Connection c) throws SQLException {
        List<Finding> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + UNINDEXED_FOREIGN_KEYS); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String table = rs.getString("table_name");
                String name = rs.getString("constraint_name");
                List<String> columns = strings(rs.getArray("columns"));
                String cols = String.join(", ", columns);
                // CREATE INDEX CONCURRENTLY does not take a partitioned table (PostgreSQL 15)
                String create = rs.getBoolean("partitioned") ? "CREATE INDEX ON " : "CREATE INDEX CONCURRENTLY ON ";
                out.add(Finding.of(UNINDEXED_FOREIGN_KEY, Severity.WARNING, table + "." + name,
                                "Foreign key " + name + " on " + table + " (" + cols + ") references " + rs.getString("referenced")
                                        + " but no index starts with its columns: each delete or key update there scans "
                                        + table + ", and joins on the key cannot use an index.",
                                create + table + " (" + cols + ");")
                        .withEvidence("table", table)
                        .withEvidence("columns", columns)
                        .withEvidence("referencedTable", rs.getString("referenced"))
                        .withEvidence("rows", rs.getLong("rows")));
            }
        }
        return out;
    }

    // ---- tables -------------------------------------------------------------------------------------------

    static final String SEQ_SCAN_HEAVY_TABLES = """
            select format('%%I.%%I', n.nspname, t.relname) as table_name, s.seq_scan, s.seq_tup_read,
                   coalesce(s.idx_scan, 0) as idx_scan, greatest(t.reltuples::bigint, s.n_live_tup) as rows,
                   pg_relation_size(t.oid) as bytes
            from pg_stat_all_tables s
            join pg_class t on t.oid = s.relid
            join pg_namespace n on n.oid = t.relnamespace
            where t.relkind in ('r', 'm') and %s
              and greatest(t.reltuples::bigint, s.n_live_tup) >= ? and s.seq_scan >= ?
              and s.seq_scan > coalesce(s.idx_scan, 0)
            order by s.seq_tup_read desc""".formatted(USER_SCHEMA);

    static List<Finding> seqScanHeavy(Connection c) throws SQLException {
        List<Finding> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + SEQ_SCAN_HEAVY_TABLES)) {
            ps.setLong(1, SEQ_SCAN_MIN_ROWS);
            ps.setLong(2, SEQ_SCAN_MIN_SCANS);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String table = rs.getString("table_name");
                    long rows = rs.getLong("rows");
                    long seq = rs.getLong("seq_scan");
                    long idx = rs.getLong("idx_scan");
                    out.add(Finding.of(SEQ_SCAN_HEAVY, rows >= SEQ_SCAN_WARN_ROWS ? Severity.WARNING : Severity.INFO, table,
                                    "Table " + table + " (" + rows + " rows, " + Progress.Unit.BYTES.format(rs.getLong("bytes")) + ") is read mostly by "
                                            + "sequential scans: " + seq + " sequential, " + idx + " index scans.",
                                    "Find the statements that scan it (pg_stat_statements), run keel explain on them and index the "
                                            + "columns they filter on.")
                            .withEvidence("rows", rows)
                            .withEvidence("bytes", rs.getLong("bytes"))
                            .withEvidence("seqScans", seq)
                            .withEvidence("seqRowsRead", rs.getLong("seq_tup_read"))
                            .withEvidence("indexScans", idx));
                }
            }
        }
        return out;
    }

    /**
     * Table bloat after ioguix's table_bloat.sql: a tuple takes its line pointer (4), its header (23 plus the
     * null bitmap when a column has nulls) aligned, and its data (average widths from pg_stats, less the null
     * fraction) aligned; rows per page follow from the block size less the page header (24) and the fillfactor;
     * TOAST pages count at 4 chunks a page. Real pages minus expected pages is the bloat.
     */
    static final String TABLE_BLOAT_ESTIMATE = """
            with t as (
              select c.oid, format('%%I.%%I', n.nspname, c.relname) as table_name, c.reltuples,
                     c.relpages + coalesce(toast.relpages, 0) as pages, coalesce(toast.reltuples, 0) as toast_tuples,
                     coalesce((select o.option_value::int from pg_options_to_table(c.reloptions) o
                               where o.option_name = 'fillfactor'), 100) as fillfactor,
                     23 + case when max(coalesce(s.null_frac, 0)) > 0 then (7 + count(*)) / 8 else 0 end as header,
                     sum((1 - coalesce(s.null_frac, 0)) * coalesce(s.avg_width, 1024)) as data_width,
                     count(s.attname) = count(*) as has_stats
              from pg_class c
              join pg_namespace n on n.oid = c.relnamespace
              join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
              left join pg_stats s on s.schemaname = n.nspname and s.tablename = c.relname and s.attname = a.attname
                                  and not s.inherited
              left join pg_class toast on toast.oid = c.reltoastrelid
              where c.relkind in ('r', 'm') and c.reltuples >= 0 and c.relpages > 0 and %s
              group by c.oid, n.nspname, c.relname, c.reltuples, c.relpages, toast.relpages, toast.reltuples, c.reloptions
            ), sized as (
              select t.*, current_setting('block_size')::numeric as bs,
                     4 + ceil(header / 8.0) * 8 + ceil(data_width / 8.0) * 8 as tuple_bytes
              from t where has_stats
            ), estimated as (
              select table_name, pages, bs,
                     ceil(reltuples / ((bs - 24) * fillfactor / (tuple_bytes * 100))) + ceil(toast_tuples / 4) as expected_pages
              from sized
            )
            select table_name, (pages * bs)::bigint as bytes, ((pages - expected_pages) * bs)::bigint as bloat_bytes,
                   (pages - expected_pages) / pages as ratio
            from estimated
            where (pages - expected_pages) / pages >= ? and (pages - expected_pages) * bs >= ?
            order by 3 desc""".formatted(USER_SCHEMA);

    static List<Finding> tableBloat(Connection c) throws SQLException {
        List<Finding> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + TABLE_BLOAT_ESTIMATE)) {
            ps.setDouble(1, BLOAT_MIN_RATIO);
            ps.setLong(2, BLOAT_MIN_BYTES);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String table = rs.getString("table_name");
                    double ratio = rs.getDouble("ratio");
                    long bloat = rs.getLong("bloat_bytes");
                    out.add(Finding.of(TABLE_BLOAT, ratio >= BLOAT_WARN_RATIO ? Severity.WARNING : Severity.INFO, table,
                                    String.format(Locale.ROOT, "Table %s is about %.0f%% bloat (%s of %s, estimated from pg_stats): "
                                            + "VACUUM makes the space reusable but only a rewrite gives it back; VACUUM FULL locks "
                                            + "the table (ACCESS EXCLUSIVE) for the rewrite, pg_repack does not.",
                                            table, ratio * 100, Progress.Unit.BYTES.format(bloat), Progress.Unit.BYTES.format(rs.getLong("bytes"))),
                                    "VACUUM (FULL, ANALYZE) " + table + ";")
                            .withEvidence("bytes", rs.getLong("bytes"))
                            .withEvidence("bloatBytes", bloat)
                            .withEvidence("bloatRatio", round(ratio))
                            .withEvidence("estimate", "ioguix table_bloat (pg_stats)"));
                }
            }
        }
        return out;
    }

    /**
     * Btree index bloat after ioguix's btree_bloat.sql: an index tuple takes its line pointer (4), a header
     * (8 with alignment; more with a null bitmap) and its key data (average widths from pg_stats of the table
     * column, or of the index itself for an expression) aligned; a page holds block size less page header (24)
     * and btree special space (16), times the fillfactor (90 by default). Expression columns take their
     * statistics from the index (pg_stats lists them under the index's name).
     */
    static final String INDEX_BLOAT_ESTIMATE = """
            with idx as (
              select i.indexrelid, i.indrelid, n.nspname, ic.relname as index_relname, t.relname as table_relname,
                     format('%%I.%%I', n.nspname, ic.relname) as index_name, format('%%I.%%I', n.nspname, t.relname) as table_name,
                     ic.reltuples, ic.relpages, i.indkey::int2[] as keys,
                     coalesce((select o.option_value::int from pg_options_to_table(ic.reloptions) o
                               where o.option_name = 'fillfactor'), 90) as fillfactor
              from pg_index i
              join pg_class ic on ic.oid = i.indexrelid
              join pg_class t on t.oid = i.indrelid
              join pg_namespace n on n.oid = ic.relnamespace
              join pg_am am on am.oid = ic.relam and am.amname = 'btree'
              where i.indisvalid and ic.relpages > 0 and ic.reltuples >= 0 and t.relkind in ('r', 'm') and %s
            ), cols as (
              -- where each index column's statistics are: the table's column, or the index's own for an expression
              select idx.indexrelid, idx.nspname, a.atttypid,
                     case when idx.keys[a.attnum - 1] <> 0 then idx.table_relname else idx.index_relname end as stat_table,
                     case when idx.keys[a.attnum - 1] <> 0 then ta.attname else a.attname end as stat_column
              from idx
              join pg_attribute a on a.attrelid = idx.indexrelid and a.attnum > 0
              left join pg_attribute ta on ta.attrelid = idx.indrelid and ta.attnum = idx.keys[a.attnum - 1]
            ), widths as (
              select cols.indexrelid,
                     max(coalesce(s.null_frac, 0)) > 0 as has_nulls,
                     sum((1 - coalesce(s.null_frac, 0)) * coalesce(s.avg_width, 1024)) as data_width,
                     count(s.attname) = count(*) and not bool_or(cols.atttypid = 'pg_catalog.name'::regtype) as usable
              from cols
              left join pg_stats s on s.schemaname = cols.nspname and s.tablename = cols.stat_table
                                  and s.attname = cols.stat_column and not s.inherited
              group by cols.indexrelid
            ), estimated as (
              select idx.index_name, idx.table_name, idx.relpages as pages, current_setting('block_size')::numeric as bs,
                     1 + ceil(idx.reltuples / floor((current_setting('block_size')::numeric - 16 - 24) * idx.fillfactor
                              / (100 * (4 + case when w.has_nulls then 16 else 8 end + ceil(w.data_width / 8.0) * 8)))) as expected_pages
              from idx join widths w using (indexrelid)
              where w.usable
            )
            select index_name, table_name, (pages * bs)::bigint as bytes, ((pages - expected_pages) * bs)::bigint as bloat_bytes,
                   (pages - expected_pages) / pages as ratio
            from estimated
            where (pages - expected_pages) / pages >= ? and (pages - expected_pages) * bs >= ?
            order by 4 desc""".formatted(USER_SCHEMA);

    static List<Finding> indexBloat(Connection c) throws SQLException {
        List<Finding> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + INDEX_BLOAT_ESTIMATE)) {
            ps.setDouble(1, BLOAT_MIN_RATIO);
            ps.setLong(2, BLOAT_MIN_BYTES);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String index = rs.getString("index_name");
                    double ratio = rs.getDouble("ratio");
                    long bloat = rs.getLong("bloat_bytes");
                    out.add(Finding.of(INDEX_BLOAT, ratio >= BLOAT_WARN_RATIO ? Severity.WARNING : Severity.INFO, index,
                                    String.format(Locale.ROOT, "Index %s on %s is about %.0f%% bloat (%s of %s, estimated from "
                                            + "pg_stats); a concurrent rebuild gives the space back without blocking writes.",
                                            index, rs.getString("table_name"), ratio * 100, Progress.Unit.BYTES.format(bloat), Progress.Unit.BYTES.format(rs.getLong("bytes"))),
                                    "REINDEX INDEX CONCURRENTLY " + index + ";")
                            .withEvidence("table", rs.getString("table_name"))
                            .withEvidence("bytes", rs.getLong("bytes"))
                            .withEvidence("bloatBytes", bloat)
                            .withEvidence("bloatRatio", round(ratio))
                            .withEvidence("estimate", "ioguix btree_bloat (pg_stats)"));
                }
            }
        }
        return out;
    }

    /**
     * Autovacuum's own trigger (relation_needs_vacanalyze in autovacuum.c): vacuum when dead tuples exceed
     * threshold + scale factor * reltuples, analyze when rows changed since the last analyze exceed the analyze
     * pair; reloptions override the settings; reltuples of -1 (never vacuumed or analyzed) counts as 0.
     */
    static final String VACUUM_AND_ANALYZE = """
            select format('%%I.%%I', n.nspname, t.relname) as table_name, s.n_dead_tup, s.n_live_tup, s.n_mod_since_analyze,
                   greatest(t.reltuples, 0)::bigint as reltuples,
                   o.vacuum_base + o.vacuum_scale * greatest(t.reltuples, 0) as vacuum_threshold,
                   o.analyze_base + o.analyze_scale * greatest(t.reltuples, 0) as analyze_threshold,
                   o.enabled and current_setting('autovacuum')::bool and current_setting('track_counts')::bool as autovacuum,
                   s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
                   extract(epoch from now() - greatest(s.last_vacuum, s.last_autovacuum))::bigint as vacuum_age,
                   extract(epoch from now() - greatest(s.last_analyze, s.last_autoanalyze))::bigint as analyze_age
            from pg_stat_all_tables s
            join pg_class t on t.oid = s.relid
            join pg_namespace n on n.oid = t.relnamespace
            cross join lateral (
              select coalesce(max(option_value) filter (where option_name = 'autovacuum_vacuum_threshold'),
                              current_setting('autovacuum_vacuum_threshold'))::float8 as vacuum_base,
                     coalesce(max(option_value) filter (where option_name = 'autovacuum_vacuum_scale_factor'),
                              current_setting('autovacuum_vacuum_scale_factor'))::float8 as vacuum_scale,
                     coalesce(max(option_value) filter (where option_name = 'autovacuum_analyze_threshold'),
                              current_setting('autovacuum_analyze_threshold'))::float8 as analyze_base,
                     coalesce(max(option_value) filter (where option_name = 'autovacuum_analyze_scale_factor'),
                              current_setting('autovacuum_analyze_scale_factor'))::float8 as analyze_scale,
                     coalesce(max(option_value) filter (where option_name = 'autovacuum_enabled'), 'on')::bool as enabled
              from pg_options_to_table(t.reloptions)) o
            where t.relkind in ('r', 'm') and %s
              and (s.n_dead_tup > o.vacuum_base + o.vacuum_scale * greatest(t.reltuples, 0)
                   or s.n_mod_since_analyze > o.analyze_base + o.analyze_scale * greatest(t.reltuples, 0))
            order by 1""".formatted(USER_SCHEMA);

    /** Dead tuples above autovacuum's threshold, and tables that need ANALYZE, from one query. */
    static List<Finding> vacuumAndAnalyze(Connection c) throws SQLException {
        List<Finding> vacuum = new ArrayList<>();
        List<Finding> analyze = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + VACUUM_AND_ANALYZE); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String table = rs.getString("table_name");
                boolean autovacuum = rs.getBoolean("autovacuum");
                long dead = rs.getLong("n_dead_tup");
                long vacuumThreshold = (long) rs.getDouble("vacuum_threshold");
                Long vacuumAge = (Long) rs.getObject("vacuum_age", Long.class);
                if (dead > vacuumThreshold) {
                    boolean lagging = !autovacuum || vacuumAge == null || vacuumAge >= VACUUM_LAG_WARN_SECONDS;
                    String why = !autovacuum ? "autovacuum is off for this table or the server"
                            : vacuumAge == null ? "it has never been vacuumed" : "last vacuumed " + age(vacuumAge) + " ago";
                    vacuum.add(Finding.of(DEAD_TUPLES, lagging ? Severity.WARNING : Severity.INFO, table,
                                    "Table " + table + " has " + dead + " dead tuples, above autovacuum's threshold of "
                                            + vacuumThreshold + "; " + why + ".",
                                    "VACUUM (ANALYZE) " + table + ";")
                            .withEvidence("deadTuples", dead)
                            .withEvidence("liveTuples", rs.getLong("n_live_tup"))
                            .withEvidence("vacuumThreshold", vacuumThreshold)
                            .withEvidence("autovacuum", autovacuum)
                            .withEvidence("lastVacuum", instant(rs.getTimestamp("last_vacuum")))
                            .withEvidence("lastAutovacuum", instant(rs.getTimestamp("last_autovacuum")))
                            .withEvidence("secondsSinceVacuum", vacuumAge));
                }
                long changed = rs.getLong("n_mod_since_analyze");
                long analyzeThreshold = (long) rs.getDouble("analyze_threshold");
                if (changed > analyzeThreshold) {
                    Long analyzeAge = (Long) rs.getObject("analyze_age", Long.class);
                    String when = analyzeAge == null ? "it has never been analyzed" : "last analyzed " + age(analyzeAge) + " ago";
                    analyze.add(Finding.of(ANALYZE_NEEDED, autovacuum ? Severity.INFO : Severity.WARNING, table,
                                    "Table " + table + " has " + changed + " rows changed since its statistics were gathered, above "
                                            + "autovacuum's analyze threshold of " + analyzeThreshold + "; " + when
                                            + (autovacuum ? "." : "; autovacuum is off for it."),
                                    "ANALYZE " + table + ";")
                            .withEvidence("changedRows", changed)
                            .withEvidence("analyzeThreshold", analyzeThreshold)
                            .withEvidence("autovacuum", autovacuum)
                            .withEvidence("lastAnalyze", instant(rs.getTimestamp("last_analyze")))
                            .withEvidence("lastAutoanalyze", instant(rs.getTimestamp("last_autoanalyze")))
                            .withEvidence("secondsSinceAnalyze", analyzeAge));
                }
            }
        }
        vacuum.addAll(analyze);
        return vacuum;
    }

    // ---- wraparound ---------------------------------------------------------------------------------------

    /** Every database's ages, then this database's oldest tables by either age. */
    static final String WRAPAROUND = """
            select 'database' as scope, format('%I', datname) as name, age(datfrozenxid)::bigint as xid_age,
                   mxid_age(datminmxid)::bigint as mxid_age
            from pg_database
            where age(datfrozenxid) >= ? or mxid_age(datminmxid) >= ?
            union all
            (select 'table', format('%I.%I', n.nspname, c.relname), a.xid_age, a.mxid_age
             from pg_class c
             join pg_namespace n on n.oid = c.relnamespace
             left join pg_class toast on toast.oid = c.reltoastrelid
             cross join lateral (
               select greatest(age(c.relfrozenxid), age(toast.relfrozenxid))::bigint as xid_age,
                      greatest(mxid_age(c.relminmxid), mxid_age(toast.relminmxid))::bigint as mxid_age) a
             where c.relkind in ('r', 'm') and not pg_is_other_temp_schema(n.oid)
               and (a.xid_age >= ? or a.mxid_age >= ?)
             order by greatest(a.xid_age, a.mxid_age) desc
             limit ?)""";

    static List<Finding> wraparound(Connection c, long warnAge, long errorAge) throws SQLException {
        List<Finding> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + WRAPAROUND)) {
            for (int i = 1; i <= 4; i++) {
                ps.setLong(i, warnAge);
            }
            ps.setInt(5, WRAPAROUND_TABLES);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    boolean database = rs.getString("scope").equals("database");
                    String name = rs.getString("name");
                    String remedy = database ? "VACUUM (FREEZE); -- connected to database " + name
                            : "VACUUM (FREEZE, ANALYZE) " + name + ";";
                    for (boolean multixact : new boolean[]{false, true}) {
                        long age = rs.getLong(multixact ? "mxid_age" : "xid_age");
                        if (age < warnAge) {
                            continue;
                        }
                        String what = multixact ? "multixact" : "transaction ID";
                        out.add(Finding.of(multixact ? MULTIXACT_WRAPAROUND : XID_WRAPAROUND,
                                        age >= errorAge ? Severity.ERROR : Severity.WARNING, name,
                                        String.format(Locale.ROOT, "%s %s's oldest unfrozen %s is %,d old (%.0f%% of the 2^31 "
                                                        + "at which the server stops taking writes); freeze it before autovacuum's "
                                                        + "emergency vacuum has to.", database ? "Database" : "Table", name, what, age,
                                                age * 100.0 / (1L << 31)),
                                        remedy)
                                .withEvidence("scope", rs.getString("scope"))
                                .withEvidence(multixact ? "multixactAge" : "xidAge", age));
                    }
                }
            }
        }
        return out;
    }

    // ---- sequences ----------------------------------------------------------------------------------------

    /**
     * Each ascending sequence with the integer column it feeds, found through pg_depend: an owning column
     * (serial 'a', identity 'i') or a column default calling nextval (the default depends on the sequence).
     * The column's type ends the range when it is smaller than the sequence's maximum. Of several columns the
     * most limiting counts. last_value needs SELECT or USAGE on the sequence, as in pg_sequences.
     */
    static final String SEQUENCES = """
            with feeds as (
              select d.objid as seqid, d.refobjid as relid, d.refobjsubid as attnum
              from pg_depend d
              where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass and d.refobjsubid > 0
                and d.deptype in ('a', 'i')
              union
              select d.refobjid, ad.adrelid, ad.adnum
              from pg_depend d join pg_attrdef ad on ad.oid = d.objid
              where d.classid = 'pg_attrdef'::regclass and d.refclassid = 'pg_class'::regclass
            ), seqs as (
              select s.seqrelid, format('%%I.%%I', n.nspname, c.relname) as sequence_name, format_type(s.seqtypid, null) as sequence_type,
                     s.seqmax, s.seqmin,
                     case when has_sequence_privilege(c.oid, 'SELECT,USAGE') then pg_sequence_last_value(c.oid) end as last_value
              from pg_sequence s
              join pg_class c on c.oid = s.seqrelid
              join pg_namespace n on n.oid = c.relnamespace
              where s.seqincrement > 0 and %s
            ), limited as (
              select seqs.*, format('%%I.%%I', tn.nspname, t.relname) as table_name, format('%%I', a.attname) as column_name,
                     format_type(a.atttypid, null) as column_type,
                     case a.atttypid when 'int2'::regtype then 32767::numeric when 'int4'::regtype then 2147483647::numeric
                                     when 'int8'::regtype then 9223372036854775807::numeric end as column_max
              from seqs
              left join feeds f on f.seqid = seqs.seqrelid
              left join pg_attribute a on a.attrelid = f.relid and a.attnum = f.attnum
              left join pg_class t on t.oid = f.relid
              left join pg_namespace tn on tn.oid = t.relnamespace
              where seqs.last_value is not null
            )
            select distinct on (seqrelid) sequence_name, sequence_type, seqmax, last_value, table_name, column_name, column_type,
                   column_max, least(seqmax::numeric, coalesce(column_max, seqmax::numeric)) as effective_max,
                   (last_value - seqmin)::numeric / nullif(least(seqmax::numeric, coalesce(column_max, seqmax::numeric)) - seqmin, 0) as used
            from limited
            where (last_value - seqmin)::numeric / nullif(least(seqmax::numeric, coalesce(column_max, seqmax::numeric)) - seqmin, 0) >= ?
            order by seqrelid, column_max nulls last""".formatted(USER_SCHEMA);

    static List<Finding> sequences(Connection c) throws SQLException {
        List<Finding> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + SEQUENCES)) {
            ps.setDouble(1, SEQUENCE_WARN_RATIO);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String sequence = rs.getString("sequence_name");
                    String table = rs.getString("table_name");
                    String column = rs.getString("column_name");
                    long seqMax = rs.getLong("seqmax");
                    long max = rs.getBigDecimal("effective_max").longValueExact();
                    double used = rs.getDouble("used");
                    boolean columnLimits = table != null && rs.getBigDecimal("column_max") != null
                            && rs.getBigDecimal("column_max").longValueExact() <= seqMax;
                    boolean sequenceLimits = seqMax <= max;
                    List<String> remedy = new ArrayList<>();
                    if (columnLimits) {
                        remedy.add("ALTER TABLE " + table + " ALTER COLUMN " + column + " TYPE bigint;");
                    }
                    if (sequenceLimits) {
                        remedy.add("ALTER SEQUENCE " + sequence + " AS bigint NO MAXVALUE;");
                    }
                    String limit = columnLimits
                            ? "the type of column " + table + "." + column + ", " + rs.getString("column_type")
                                    + (sequenceLimits ? ", and of the sequence" : "; the sequence is " + rs.getString("sequence_type"))
                            : "the sequence's maximum";
                    String message = String.format(Locale.ROOT, "Sequence %s has used %.1f%% of its range: last value %,d of %,d "
                                    + "(limited by %s).%s", sequence, used * 100, rs.getLong("last_value"), max, limit,
                            columnLimits ? " Changing the column's type rewrites the table under an ACCESS EXCLUSIVE lock." : "");
                    Finding f = Finding.of(SEQUENCE_EXHAUSTION, used >= SEQUENCE_ERROR_RATIO ? Severity.ERROR : Severity.WARNING,
                                    sequence, message, String.join(" ", remedy))
                            .withEvidence("lastValue", rs.getLong("last_value"))
                            .withEvidence("maxValue", max)
                            .withEvidence("usedRatio", round(used))
                            .withEvidence("sequenceType", rs.getString("sequence_type"));
                    if (table != null) {
                        f = f.withEvidence("column", table + "." + column).withEvidence("columnType", rs.getString("column_type"));
                    }
                    out.add(f);
                }
            }
        }
        return out;
    }

    // ---- cache --------------------------------------------------------------------------------------------

    static final String CACHE_HIT_RATIOS = """
            select format('%%I.%%I', n.nspname, t.relname) as table_name,
                   s.heap_blks_hit + coalesce(s.idx_blks_hit, 0) as hits,
                   s.heap_blks_read + coalesce(s.idx_blks_read, 0) as reads,
                   s.heap_blks_hit, s.heap_blks_read, coalesce(s.idx_blks_hit, 0) as idx_blks_hit,
                   coalesce(s.idx_blks_read, 0) as idx_blks_read
            from pg_statio_all_tables s
            join pg_class t on t.oid = s.relid
            join pg_namespace n on n.oid = t.relnamespace
            where t.relkind in ('r', 'm') and %s
              and s.heap_blks_hit + s.heap_blks_read + coalesce(s.idx_blks_hit, 0) + coalesce(s.idx_blks_read, 0) >= ?
              and (s.heap_blks_hit + coalesce(s.idx_blks_hit, 0))::float8
                  / (s.heap_blks_hit + s.heap_blks_read + coalesce(s.idx_blks_hit, 0) + coalesce(s.idx_blks_read, 0)) < ?
            order by 3 desc""".formatted(USER_SCHEMA);

    static List<Finding> cacheHitRatio(Connection c, long minBlocks, double below) throws SQLException {
        List<Finding> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + CACHE_HIT_RATIOS)) {
            ps.setLong(1, minBlocks);
            ps.setDouble(2, below);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String table = rs.getString("table_name");
                    long hits = rs.getLong("hits");
                    long reads = rs.getLong("reads");
                    double ratio = (double) hits / (hits + reads);
                    out.add(Finding.of(CACHE_HIT_RATIO, ratio < CACHE_WARN_RATIO ? Severity.WARNING : Severity.INFO, table,
                                    String.format(Locale.ROOT, "Table %s found %.1f%% of its heap and index blocks in shared "
                                            + "buffers (%,d of %,d); the rest came from the OS cache or disk.", table, ratio * 100,
                                            hits, hits + reads),
                                    "If its hot rows do not fit in shared_buffers, raise shared_buffers; if big sequential "
                                            + "scans read it, index what they filter on (keel explain).")
                            .withEvidence("hitRatio", round(ratio))
                            .withEvidence("heapBlocksHit", rs.getLong("heap_blks_hit"))
                            .withEvidence("heapBlocksRead", rs.getLong("heap_blks_read"))
                            .withEvidence("indexBlocksHit", rs.getLong("idx_blks_hit"))
                            .withEvidence("indexBlocksRead", rs.getLong("idx_blks_read")));
                }
            }
        }
        return out;
    }

    // ---- formatting ---------------------------------------------------------------------------------------

    private static List<String> strings(Array array) throws SQLException {
        List<String> out = new ArrayList<>();
        for (Object o : (Object[]) array.getArray()) {
            out.add((String) o);
        }
        return out;
    }

    private static String instant(Timestamp t) {
        return t == null ? null : t.toInstant().toString();
    }

    private static double round(double ratio) {
        return Math.round(ratio * 1000) / 1000.0;
    }

    static String age(long seconds) {
        if (seconds < 120) {
            return seconds + " s";
        }
        if (seconds < 7200) {
            return seconds / 60 + " min";
        }
        if (seconds < 172_800) {
            return seconds / 3600 + " h";
        }
        return seconds / 86_400 + " days";
    }
}
