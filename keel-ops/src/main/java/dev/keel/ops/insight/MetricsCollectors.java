package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import dev.keel.ops.insight.MetricFamily.Type;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The collectors behind {@code keel metrics} (and later the server's /metrics). Names, types and labels
 * follow prometheus-community/postgres_exporter, so its dashboards and alerts work unchanged. Each collector
 * is one query; one that fails (a missing privilege, an older server) is left out and reported, the rest
 * still appear. Checked on PostgreSQL 15; the columns used exist in 13 to 17 (17 moved the checkpoint
 * counters out of pg_stat_bgwriter, so only the background writer's own ones are read).
 */
public final class MetricsCollectors {

    /** pg_stat_database columns exported as pg_stat_database_<column>; numbackends is a gauge, the rest counters. */
    static final List<String> STAT_DATABASE = List.of("numbackends", "xact_commit", "xact_rollback", "blks_read",
            "blks_hit", "tup_returned", "tup_fetched", "tup_inserted", "tup_updated", "tup_deleted", "conflicts",
            "temp_files", "temp_bytes", "deadlocks");

    /** pg_locks modes as postgres_exporter reports them (lowercase), each with a sample even when zero. */
    static final List<String> LOCK_MODES = List.of("accesssharelock", "rowsharelock", "rowexclusivelock",
            "shareupdateexclusivelock", "sharelock", "sharerowexclusivelock", "exclusivelock", "accessexclusivelock",
            "sireadlock");

    private MetricsCollectors() {
    }

    /** The metric families of a server that did not answer: pg_up 0. */
    public static List<MetricFamily> down() {
        return List.of(up(0));
    }

    /** Runs every collector on {@code c}; a collector that fails is reported to {@code problems} and left out. */
    public static List<MetricFamily> collect(Connection c, Consumer<String> problems) {
        requireNonNull(c, "null connection");
        requireNonNull(problems, "null problems");
        List<MetricFamily> out = new ArrayList<>();
        out.add(up(1));
        run("postmaster", problems, () -> out.add(MetricFamily.single("pg_postmaster_start_time_seconds",
                "Time at which postmaster started", Type.GAUGE,
                number(c, "select extract(epoch from pg_postmaster_start_time())"))));
        run("settings", problems, () -> out.add(MetricFamily.single("pg_settings_max_connections",
                "Sets the maximum number of concurrent connections.", Type.GAUGE,
                number(c, "select setting::float8 from pg_settings where name = 'max_connections'"))));
        run("stat_database", problems, () -> out.addAll(statDatabase(c)));
        run("database_size", problems, () -> out.add(databaseSize(c)));
        run("stat_activity", problems, () -> out.addAll(activity(c)));
        run("locks", problems, () -> out.add(locks(c)));
        run("replication", problems, () -> out.addAll(replication(c)));
        run("stat_archiver", problems, () -> out.addAll(archiver(c)));
        run("stat_bgwriter", problems, () -> out.addAll(bgwriter(c)));
        return out;
    }

    private interface Collector {
        void run() throws SQLException;
    }

    private static void run(String name, Consumer<String> problems, Collector collector) {
        try {
            collector.run();
        } catch (SQLException e) {
            problems.accept("collector " + name + " failed: " + e.getMessage().replace('\n', ' '));
        }
    }

    private static MetricFamily up(double value) {
        return MetricFamily.single("pg_up", "Whether the last scrape of metrics from PostgreSQL was able to connect to the server (1 for yes, 0 for no).",
                Type.GAUGE, value);
    }

    private static double number(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + sql)) {
            return rs.next() ? rs.getDouble(1) : Double.NaN;
        }
    }

    private static List<MetricFamily> statDatabase(Connection c) throws SQLException {
        List<MetricFamily.Builder> builders = new ArrayList<>();
        for (String col : STAT_DATABASE) {
            builders.add(new MetricFamily.Builder("pg_stat_database_" + col, help(col),
                    col.equals("numbackends") ? Type.GAUGE : Type.COUNTER));
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + "select datid::text, datname, " + String.join(", ", STAT_DATABASE)
                        + " from pg_stat_database where datname is not null order by datname")) {
            while (rs.next()) {
                for (int i = 0; i < STAT_DATABASE.size(); i++) {
                    builders.get(i).add(rs.getDouble(3 + i), "datid", rs.getString(1), "datname", rs.getString(2));
                }
            }
        }
        return builders.stream().map(MetricFamily.Builder::build).toList();
    }

    private static String help(String column) {
        return switch (column) {
            case "numbackends" -> "Number of backends currently connected to this database.";
            case "xact_commit" -> "Number of transactions in this database that have been committed";
            case "xact_rollback" -> "Number of transactions in this database that have been rolled back";
            case "blks_read" -> "Number of disk blocks read in this database";
            case "blks_hit" -> "Number of times disk blocks were found already in the buffer cache";
            case "tup_returned" -> "Number of rows returned by queries in this database";
            case "tup_fetched" -> "Number of rows fetched by queries in this database";
            case "tup_inserted" -> "Number of rows inserted by queries in this database";
            case "tup_updated" -> "Number of rows updated by queries in this database";
            case "tup_deleted" -> "Number of rows deleted by queries in this database";
            case "conflicts" -> "Number of queries canceled due to conflicts with recovery in this database.";
            case "temp_files" -> "Number of temporary files created by queries in this database.";
            case "temp_bytes" -> "Total amount of data written to temporary files by queries in this database.";
            case "deadlocks" -> "Number of deadlocks detected in this database";
            default -> column;
        };
    }

    private static MetricFamily databaseSize(Connection c) throws SQLException {
        MetricFamily.Builder b = new MetricFamily.Builder("pg_database_size_bytes", "Disk space used by the database",
                Type.GAUGE);
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + """
                select datname, pg_database_size(oid) from pg_database
                where datallowconn and has_database_privilege(oid, 'CONNECT') order by datname""")) {
            while (rs.next()) {
                b.add(rs.getDouble(2), "datname", rs.getString(1));
            }
        }
        return b.build();
    }

    private static List<MetricFamily> activity(Connection c) throws SQLException {
        MetricFamily.Builder count = new MetricFamily.Builder("pg_stat_activity_count",
                "number of connections in this state", Type.GAUGE);
        MetricFamily.Builder max = new MetricFamily.Builder("pg_stat_activity_max_tx_duration",
                "max duration in seconds any active transaction has been running", Type.GAUGE);
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + """
                select datname, coalesce(state, ''), coalesce(usename, ''), coalesce(application_name, ''), count(*),
                       coalesce(max(extract(epoch from now() - xact_start)), 0)
                from pg_stat_activity where datname is not null
                group by 1, 2, 3, 4 order by 1, 2, 3, 4""")) {
            while (rs.next()) {
                String[] labels = {"datname", rs.getString(1), "state", rs.getString(2), "usename", rs.getString(3),
                    "application_name", rs.getString(4)};
                count.add(rs.getDouble(5), labels);
                max.add(rs.getDouble(6), labels);
            }
        }
        return List.of(count.build(), max.build());
    }

    private static MetricFamily locks(Connection c) throws SQLException {
        MetricFamily.Builder b = new MetricFamily.Builder("pg_locks_count", "Number of locks", Type.GAUGE);
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + """
                select d.datname, m.mode, coalesce(l.n, 0)
                from pg_database d
                cross join unnest(array['%s']) m(mode)
                left join (select database, lower(mode) as mode, count(*) as n from pg_locks
                           where database is not null group by 1, 2) l on l.database = d.oid and l.mode = m.mode
                order by 1, 2""".formatted(String.join("','", LOCK_MODES)))) {
            while (rs.next()) {
                b.add(rs.getDouble(3), "datname", rs.getString(1), "mode", rs.getString(2));
            }
        }
        return b.build();
    }

    private static List<MetricFamily> replication(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + """
                select case when not pg_is_in_recovery() then 0
                            when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
                            else greatest(0, extract(epoch from now() - pg_last_xact_replay_timestamp())) end,
                       case when pg_is_in_recovery() then 1 else 0 end""")) {
            rs.next();
            return List.of(
                    MetricFamily.single("pg_replication_lag_seconds", "Replication lag behind master in seconds",
                            Type.GAUGE, rs.getDouble(1)),
                    MetricFamily.single("pg_replication_is_replica", "Indicates if the server is a replica",
                            Type.GAUGE, rs.getDouble(2)));
        }
    }

    private static List<MetricFamily> archiver(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + """
                select archived_count, failed_count,
                       coalesce(extract(epoch from now() - last_archived_time), 0)
                from pg_stat_archiver""")) {
            rs.next();
            return List.of(
                    MetricFamily.single("pg_stat_archiver_archived_count",
                            "Number of WAL files that have been successfully archived", Type.COUNTER, rs.getDouble(1)),
                    MetricFamily.single("pg_stat_archiver_failed_count",
                            "Number of failed attempts for archiving WAL files", Type.COUNTER, rs.getDouble(2)),
                    MetricFamily.single("pg_stat_archiver_last_archive_age",
                            "Time in seconds since last WAL segment was successfully archived", Type.GAUGE,
                            rs.getDouble(3)));
        }
    }

    private static List<MetricFamily> bgwriter(Connection c) throws SQLException {
        // the columns every supported version keeps in pg_stat_bgwriter (17 moved checkpoints to pg_stat_checkpointer)
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + "select buffers_clean, maxwritten_clean, buffers_alloc from pg_stat_bgwriter")) {
            rs.next();
            return List.of(
                    MetricFamily.single("pg_stat_bgwriter_buffers_clean_total",
                            "Number of buffers written by the background writer", Type.COUNTER, rs.getDouble(1)),
                    MetricFamily.single("pg_stat_bgwriter_maxwritten_clean_total",
                            "Number of times the background writer stopped a cleaning scan because it had written too many buffers",
                            Type.COUNTER, rs.getDouble(2)),
                    MetricFamily.single("pg_stat_bgwriter_buffers_alloc_total", "Number of buffers allocated",
                            Type.COUNTER, rs.getDouble(3)));
        }
    }
}
