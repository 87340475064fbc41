package dev.keel.schema.measure;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The catalog and statistics reads {@link StatementProbe} compares before and after a statement: every user
 * relation with its file node, the sequential scans per table, and the relation locks of one backend.
 * Every query names {@code pg_catalog} objects with their schema, so a migration's own search_path cannot
 * change what they read.
 */
final class RelationState {

    /** One user relation: its oid, qualified name, kind word and file node (0 for relations without storage). */
    record Rel(long oid, String name, String kind, long fileNode) {
        boolean isTable() {
            return kind.equals("table") || kind.equals("partitioned table") || kind.equals("materialized view");
        }
    }

    /** Sequential scans and the rows they returned, of one table. */
    record Scans(long scans, long rows) {
    }

    // Checked on PostgreSQL 15; pg_class, pg_namespace and relkind letters are the same on 12 to 17.
    private static final String RELATIONS = """
            select c.oid::bigint, n.nspname, c.relname, c.relkind::text, c.relfilenode::bigint
            from pg_catalog.pg_class c
            join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            where n.nspname not in ('pg_catalog', 'information_schema')
              and n.nspname !~ '^pg_toast' and n.nspname !~ '^pg_temp_'""";

    // Checked on PostgreSQL 15; pg_stat_xact_user_tables has had these columns since 9.1. It shows the
    // current transaction's own counts, before commit.
    private static final String XACT_SCANS = """
            select relid::bigint, seq_scan, seq_tup_read from pg_catalog.pg_stat_xact_user_tables""";

    // Checked on PostgreSQL 15; the cumulative view, for statements that commit on their own.
    private static final String CUMULATIVE_SCANS = """
            select relid::bigint, coalesce(seq_scan, 0), coalesce(seq_tup_read, 0)
            from pg_catalog.pg_stat_user_tables""";

    // Checked on PostgreSQL 15; pg_locks lists fast-path locks too. Locks being waited for (granted = false)
    // count: a statement that waits for a mode will hold it.
    private static final String LOCKS = """
            select l.relation::bigint, l.mode
            from pg_catalog.pg_locks l
            where l.pid = ? and l.locktype = 'relation'
              and l.database = (select oid from pg_catalog.pg_database where datname = pg_catalog.current_database())""";

    private RelationState() {
    }

    static Map<Long, Rel> relations(Connection c) throws SQLException {
        Map<Long, Rel> out = new LinkedHashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(RELATIONS)) {
            while (rs.next()) {
                long oid = rs.getLong(1);
                out.put(oid, new Rel(oid, rs.getString(2) + "." + rs.getString(3), kind(rs.getString(4)), rs.getLong(5)));
            }
        }
        return out;
    }

    static Map<Long, Scans> transactionScans(Connection c) throws SQLException {
        return scans(c, XACT_SCANS);
    }

    static Map<Long, Scans> cumulativeScans(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("select pg_catalog.pg_stat_clear_snapshot()");
        }
        return scans(c, CUMULATIVE_SCANS);
    }

    private static Map<Long, Scans> scans(Connection c, String sql) throws SQLException {
        Map<Long, Scans> out = new HashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.put(rs.getLong(1), new Scans(rs.getLong(2), rs.getLong(3)));
            }
        }
        return out;
    }

    /** The strongest relation lock mode {@code pid} holds or waits for, per relation oid. */
    static Map<Long, String> locks(Connection c, int pid) throws SQLException {
        Map<Long, String> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(LOCKS)) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.merge(rs.getLong(1), rs.getString(2), LockModes::stronger);
                }
            }
        }
        return out;
    }

    static int backendPid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select pg_catalog.pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String kind(String relkind) {
        return switch (relkind) {
            case "r" -> "table";
            case "p" -> "partitioned table";
            case "i" -> "index";
            case "I" -> "partitioned index";
            case "S" -> "sequence";
            case "v" -> "view";
            case "m" -> "materialized view";
            case "f" -> "foreign table";
            case "c" -> "composite type";
            case "t" -> "toast table";
            default -> "relation";
        };
    }
}
