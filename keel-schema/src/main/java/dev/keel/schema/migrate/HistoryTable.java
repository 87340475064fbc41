package dev.keel.schema.migrate;

import dev.keel.core.sql.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes Flyway's history table with Flyway's own columns and values, so that a project can move
 * from Flyway to Keel and back. Next to it Keel keeps {@code <table>_progress}: the statements of a
 * non-transactional migration already done, so an interrupted run resumes where it stopped. Flyway ignores
 * that table.
 */
final class HistoryTable {

    private final String schema;
    private final String table;

    HistoryTable(String schema, String table) {
        this.schema = schema;
        this.table = table;
    }

    String qualified() {
        return quote(schema) + "." + quote(table);
    }

    String progressTable() {
        return quote(schema) + "." + quote(table + "_progress");
    }

    String display() {
        return schema + "." + table;
    }

    boolean exists(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select 1 from pg_class t join pg_namespace n on n.oid = t.relnamespace where n.nspname = ? and t.relname = ?")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Creates the schema, the history table (Flyway's DDL) and the progress table when missing. */
    void create(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("create schema if not exists " + quote(schema));
            st.execute("""
                    create table if not exists %1$s (
                        "installed_rank" integer not null,
                        "version" varchar(50),
                        "description" varchar(200) not null,
                        "type" varchar(20) not null,
                        "script" varchar(1000) not null,
                        "checksum" integer,
                        "installed_by" varchar(100) not null,
                        "installed_on" timestamp not null default now(),
                        "execution_time" integer not null,
                        "success" boolean not null,
                        constraint %2$s primary key ("installed_rank")
                    )""".formatted(qualified(), quote(table + "_pk")));
            st.execute("create index if not exists " + quote(table + "_s_idx") + " on " + qualified() + " (\"success\")");
            createProgress(st);
        }
    }

    void createProgress(Statement st) throws SQLException {
        st.execute("""
                create table if not exists %s (
                    "script" varchar(1000) not null,
                    "statement" integer not null,
                    "statement_checksum" integer not null,
                    "completed_on" timestamptz not null default now(),
                    primary key ("script", "statement")
                )""".formatted(progressTable()));
    }

    List<AppliedMigration> read(Connection c) throws SQLException {
        if (!exists(c)) {
            return List.of();
        }
        List<AppliedMigration> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                select installed_rank, version, description, type, script, checksum, installed_by, installed_on,
                       execution_time, success
                from %s order by installed_rank""".formatted(qualified()))) {
            while (rs.next()) {
                String v = rs.getString("version");
                int checksum = rs.getInt("checksum");
                Integer cs = rs.wasNull() ? null : checksum;
                Timestamp on = rs.getTimestamp("installed_on");
                out.add(new AppliedMigration(rs.getInt("installed_rank"), v == null ? null : MigrationVersion.parse(v),
                        rs.getString("description"), rs.getString("type"), rs.getString("script"), cs,
                        rs.getString("installed_by"), on == null ? null : on.toInstant(), rs.getInt("execution_time"),
                        rs.getBoolean("success")));
            }
        }
        return out;
    }

    /** Appends a row with the next rank; call inside the migration's transaction when there is one. */
    void insert(Connection c, MigrationVersion version, String description, String type, String script,
                Integer checksum, int executionMillis, boolean success) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                insert into %s (installed_rank, version, description, type, script, checksum, installed_by,
                                execution_time, success)
                select coalesce(max(installed_rank), 0) + 1, ?, ?, ?, ?, ?, current_user, ?, ?
                from %s""".formatted(qualified(), qualified()))) {
            ps.setString(1, version == null ? null : version.toString());
            ps.setString(2, truncate(description, 200));
            ps.setString(3, type);
            ps.setString(4, script);
            if (checksum == null) {
                ps.setNull(5, java.sql.Types.INTEGER);
            } else {
                ps.setInt(5, checksum);
            }
            ps.setInt(6, executionMillis);
            ps.setBoolean(7, success);
            ps.executeUpdate();
        }
    }

    int deleteFailed(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            return st.executeUpdate("delete from " + qualified() + " where not success");
        }
    }

    void realign(Connection c, int rank, String description, Integer checksum) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "update " + qualified() + " set description = ?, checksum = ? where installed_rank = ?")) {
            ps.setString(1, truncate(description, 200));
            ps.setInt(2, checksum);
            ps.setInt(3, rank);
            ps.executeUpdate();
        }
    }

    /** The statements of this script already done: index → checksum of the statement's text then. */
    java.util.Map<Integer, Integer> progress(Connection c, String script) throws SQLException {
        java.util.Map<Integer, Integer> done = new java.util.HashMap<>();
        if (!exists(c)) {
            return done;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "select statement, statement_checksum from " + progressTable() + " where script = ?")) {
            ps.setString(1, script);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    done.put(rs.getInt(1), rs.getInt(2));
                }
            }
        }
        return done;
    }

    void markDone(Connection c, String script, int statement, int statementChecksum) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into " + progressTable()
                + " (script, statement, statement_checksum) values (?, ?, ?)"
                + " on conflict (script, statement) do update set statement_checksum = excluded.statement_checksum,"
                + " completed_on = now()")) {
            ps.setString(1, script);
            ps.setInt(2, statement);
            ps.setInt(3, statementChecksum);
            ps.executeUpdate();
        }
    }

    void clearProgress(Connection c, String script) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("delete from " + progressTable() + " where script = ?")) {
            ps.setString(1, script);
            ps.executeUpdate();
        }
    }

    /** A 64-bit advisory-lock key for this history table, the same for every Keel process. */
    long lockKey() {
        long h = 1125899906842597L;
        for (char ch : ("keel.migrate:" + schema + "." + table).toCharArray()) {
            h = 31 * h + ch;
        }
        return h;
    }

    static String quote(String name) {
        return Identifiers.quote(name);
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
