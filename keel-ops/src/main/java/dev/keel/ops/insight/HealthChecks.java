package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import dev.keel.core.KeelException;
import dev.keel.ops.backup.WalSetup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Liveness and readiness checks for orchestrators. Liveness is {@code connect} alone; readiness adds a
 * synthetic write and read, replication, the WAL archive and disk headroom. A failed connect skips the rest.
 *
 * <p>Checked on PostgreSQL 15; the views and functions used exist unchanged in 13 to 17.
 */
public final class HealthChecks {

    public static final String CONNECT = "connect";
    public static final String WRITE = "write";
    public static final String REPLICATION = "replication";
    public static final String WAL_ARCHIVE = "wal-archive";
    public static final String DISK = "disk";

    /** Replay lag at or above which a standby or replica warns, and fails. */
    static final double LAG_WARN_SECONDS = 60;
    static final double LAG_FAIL_SECONDS = 300;
    /** Finished WAL segments not yet archived above which the archive warns. */
    static final long ARCHIVE_LAG_WARN_SEGMENTS = 2;
    /** Free space of the data directory's file system below which disk fails, and warns. */
    static final double DISK_FAIL_FRACTION = 0.05;
    static final double DISK_WARN_FRACTION = 0.10;

    private HealthChecks() {
    }

    /** Runs connect only (liveness) or all checks (readiness); closes the connection it opens. */
    public static HealthReport run(Supplier<Connection> connector, boolean liveOnly) {
        requireNonNull(connector, "null connector");
        List<HealthCheck> checks = new ArrayList<>();
        long start = System.nanoTime();
        Connection c;
        try {
            c = connector.get();
        } catch (KeelException e) {
            String remedy = e.remedy().map(r -> " — " + r).orElse("");
            checks.add(new HealthCheck(CONNECT, HealthStatus.FAIL, e.getMessage() + remedy, millisSince(start)));
            return new HealthReport(checks);
        }
        try (c) {
            checks.add(timed(CONNECT, start, () -> connect(c)));
            if (!liveOnly) {
                checks.add(timed(WRITE, System.nanoTime(), () -> write(c)));
                checks.add(timed(REPLICATION, System.nanoTime(), () -> replication(c)));
                checks.add(timed(WAL_ARCHIVE, System.nanoTime(), () -> walArchive(c)));
                checks.add(timed(DISK, System.nanoTime(), () -> disk(c)));
            }
        } catch (SQLException e) {
            // closing failed after the checks ran: the results stand
        }
        return new HealthReport(checks);
    }

    private interface Check {
        Outcome run() throws SQLException;
    }

    record Outcome(HealthStatus status, String detail) {
    }

    private static HealthCheck timed(String name, long start, Check check) {
        Outcome o;
        try {
            o = check.run();
        } catch (SQLException e) {
            o = new Outcome(HealthStatus.FAIL, "server error " + e.getSQLState() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            o = new Outcome(HealthStatus.FAIL, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        return new HealthCheck(name, o.status(), o.detail(), millisSince(start));
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static Outcome connect(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + "select current_setting('server_version'), current_database(), pg_is_in_recovery()")) {
            rs.next();
            return new Outcome(HealthStatus.OK, "PostgreSQL " + rs.getString(1) + ", database " + rs.getString(2)
                    + (rs.getBoolean(3) ? ", standby" : ", primary"));
        }
    }

    /**
     * A temporary table, one row with a random value, read back, then a rollback. A temporary table needs
     * only the TEMP privilege (PUBLIC has it by default), never collides with the user's schema, and the
     * rollback leaves no object and no row; yet it takes a transaction id and writes to the catalog, so it
     * fails exactly when the server cannot accept writes (read-only, wraparound protection, disk full).
     */
    private static Outcome write(Connection c) throws SQLException {
        if (inRecovery(c)) {
            return new Outcome(HealthStatus.SKIPPED, "standby: read-only by design");
        }
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            String value = UUID.randomUUID().toString();
            try (Statement st = c.createStatement()) {
                st.execute(Insight.MARKER + "create temporary table keel_health_probe (v text) on commit drop");
            }
            try (PreparedStatement ps = c.prepareStatement(Insight.MARKER + "insert into keel_health_probe values (?)")) {
                ps.setString(1, value);
                ps.executeUpdate();
            }
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + "select v from keel_health_probe")) {
                if (!rs.next() || !value.equals(rs.getString(1))) {
                    return new Outcome(HealthStatus.FAIL, "the row written was not read back");
                }
            }
            return new Outcome(HealthStatus.OK, "wrote and read back a row in a rolled-back transaction");
        } finally {
            c.rollback();
            c.setAutoCommit(autoCommit);
        }
    }

    private static Outcome replication(Connection c) throws SQLException {
        if (inRecovery(c)) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + """
                    select case when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
                                else extract(epoch from now() - pg_last_xact_replay_timestamp()) end""")) {
                rs.next();
                double lag = rs.getDouble(1);
                if (rs.wasNull()) {
                    return new Outcome(HealthStatus.WARN, "standby has not replayed a transaction yet");
                }
                return lag(lag, "standby replay lag");
            }
        }
        List<String> details = new ArrayList<>();
        HealthStatus worst = HealthStatus.OK;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + """
                select coalesce(nullif(application_name, ''), client_addr::text, 'local'), state,
                       extract(epoch from replay_lag)
                from pg_stat_replication order by 1""")) {
            while (rs.next()) {
                String name = rs.getString(1);
                String state = rs.getString(2);
                double lag = rs.getDouble(3);
                HealthStatus s = lag >= LAG_FAIL_SECONDS ? HealthStatus.FAIL
                        : lag >= LAG_WARN_SECONDS || !"streaming".equals(state) ? HealthStatus.WARN : HealthStatus.OK;
                worst = s.compareTo(worst) > 0 ? s : worst;
                details.add(name + " " + state + (rs.wasNull() ? "" : String.format(" lag %.1f s", lag)));
            }
        }
        if (details.isEmpty()) {
            return new Outcome(HealthStatus.OK, "no replicas");
        }
        return new Outcome(worst, String.join(", ", details));
    }

    private static Outcome lag(double seconds, String what) {
        String detail = String.format("%s %.1f s", what, seconds);
        if (seconds >= LAG_FAIL_SECONDS) {
            return new Outcome(HealthStatus.FAIL, detail);
        }
        return new Outcome(seconds >= LAG_WARN_SECONDS ? HealthStatus.WARN : HealthStatus.OK, detail);
    }

    private static Outcome walArchive(Connection c) throws SQLException {
        return walArchive(WalSetup.status(c));
    }

    static Outcome walArchive(WalSetup.Status s) {
        if (!s.archiving()) {
            return new Outcome(HealthStatus.WARN, "not archiving (archive_mode off)");
        }
        if (s.failing()) {
            return new Outcome(HealthStatus.FAIL, "archiving is failing: " + s.lastFailedWal() + " failed at "
                    + s.lastFailedTime() + " (" + s.failedCount() + " failures)");
        }
        if (s.lagSegments() > ARCHIVE_LAG_WARN_SEGMENTS) {
            return new Outcome(HealthStatus.WARN, s.lagSegments() + " finished segments not yet archived");
        }
        if (s.lastArchivedWal() == null) {
            return new Outcome(HealthStatus.OK, "archiving on, nothing archived yet");
        }
        return new Outcome(HealthStatus.OK, "last archived " + s.lastArchivedWal() + " at " + s.lastArchivedTime());
    }

    /**
     * Free space of the file system holding the data directory, when the server runs on this machine (a
     * loopback or socket connection and a data directory with PG_VERSION in it); skipped otherwise.
     */
    private static Outcome disk(Connection c) throws SQLException {
        if (!onThisMachine(c)) {
            return new Outcome(HealthStatus.SKIPPED, "server is not on this machine");
        }
        String dir;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + "show data_directory")) {
            rs.next();
            dir = rs.getString(1);
        } catch (SQLException e) {
            return new Outcome(HealthStatus.SKIPPED, "no right to read data_directory (needs pg_read_all_settings)");
        }
        Path data = Path.of(dir);
        try {
            if (!Files.isRegularFile(data.resolve("PG_VERSION"))) {
                return new Outcome(HealthStatus.SKIPPED, "data directory " + dir + " is not visible from here");
            }
            FileStore store = Files.getFileStore(data);
            long total = store.getTotalSpace();
            long free = store.getUsableSpace();
            if (total <= 0) {
                return new Outcome(HealthStatus.SKIPPED, "file system of " + dir + " reports no size");
            }
            double fraction = (double) free / total;
            String detail = String.format("%.1f%% free (%d MiB of %d MiB) on the file system of %s",
                    fraction * 100, free >> 20, total >> 20, dir);
            HealthStatus s = fraction < DISK_FAIL_FRACTION ? HealthStatus.FAIL
                    : fraction < DISK_WARN_FRACTION ? HealthStatus.WARN : HealthStatus.OK;
            return new Outcome(s, detail);
        } catch (IOException | SecurityException e) {
            return new Outcome(HealthStatus.SKIPPED, "cannot read the file system of " + dir + ": " + e.getMessage());
        }
    }

    static boolean onThisMachine(Connection c) throws SQLException {
        String url = c.getMetaData().getURL();
        if (url == null || !url.startsWith("jdbc:postgresql:")) {
            return false;
        }
        String rest = url.substring("jdbc:postgresql:".length());
        if (!rest.startsWith("//")) {
            return true; // jdbc:postgresql:db: localhost
        }
        String host;
        try {
            host = URI.create("postgresql:" + rest.split("[?]", 2)[0].split(",", 2)[0]).getHost();
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (host == null || host.isEmpty()) {
            return true; // a Unix socket
        }
        try {
            InetAddress a = InetAddress.getByName(host.replace("[", "").replace("]", ""));
            return a.isLoopbackAddress() || a.isAnyLocalAddress() || java.net.NetworkInterface.getByInetAddress(a) != null;
        } catch (UnknownHostException | java.net.SocketException e) {
            return false;
        }
    }

    private static boolean inRecovery(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(Insight.MARKER + "select pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
