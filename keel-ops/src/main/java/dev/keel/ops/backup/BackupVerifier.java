package dev.keel.ops.backup;

import dev.keel.core.KeelException;
import dev.keel.core.progress.Progress;
import dev.keel.embedded.Binaries;
import dev.keel.embedded.BinaryLocator;
import dev.keel.embedded.Directories;
import dev.keel.embedded.ProcessRunner;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Proves a backup by restoring it: chunks checked, the backup restored into a scratch directory, the restored
 * files checked against their backup_manifest (pg_verifybackup; where it or the manifest is missing, against Keel's
 * file list), the server started (the measured restore-and-start time is the RTO you really have), amcheck run on
 * every B-tree index of every database, and the row counts of each database's largest tables compared with the
 * statistics the backup itself carries. An incremental backup is checked with its whole chain. The scratch copy
 * listens on 127.0.0.1 only and is deleted afterwards.
 */
public final class BackupVerifier {

    /**
     * What a verification found.
     *
     * @param rtoMillis      restore plus start-up time, measured
     * @param backupAge      how old the backup is
     * @param rpo            the data-loss window: the age of the newest WAL archived after the backup (what a
     *                       restore to the end of the archive loses), or the backup's age when none was
     * @param indexesChecked B-tree indexes amcheck checked
     * @param tablesCompared tables whose row count was compared with their statistics
     */
    public record Result(String backupId, boolean ok, List<String> problems, long rtoMillis, Duration backupAge,
                         Duration rpo, int databases, int indexesChecked, int tablesCompared, Instant verifiedAt) {
    }

    /** Tables per database whose rows are counted: the largest by pages, where a lost row range would show. */
    static final int TABLES_PER_DATABASE = 5;
    /**
     * A count is a problem only when it is off from {@code reltuples} by more than both of these. Autovacuum
     * re-analyzes a table once about 10% of it (plus 50 rows) changed, so a table kept analyzed is normally
     * within 10% of its statistics; below 1000 rows ANALYZE's estimate and ordinary churn make the ratio noisy.
     */
    static final double ROW_TOLERANCE = 0.10;
    static final long ROW_TOLERANCE_MIN = 1000;

    private BackupVerifier() {
    }

    public static Result verify(Repository repository, String id, PrivateKey key, Binaries binaries, Path scratch,
                                Progress progress) {
        List<String> problems = new ArrayList<>(BackupReader.verify(repository, id));
        Map<String, String> meta = BackupReader.metadataOf(repository, id);
        Instant stop = meta.containsKey("stopTime") ? Instant.parse(meta.get("stopTime")) : Instant.now();
        if (problems.isEmpty() && BackupChain.INCR.equals(meta.get("type"))) {
            try {
                for (String older : BackupChain.of(repository, id)) {
                    if (!older.equals(id)) {
                        BackupReader.verify(repository, older).forEach(p -> problems.add("backup " + older
                                + " (in the chain of " + id + "): " + p));
                    }
                }
            } catch (BackupException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            Instant now = Instant.now();
            return new Result(id, false, problems, 0, Duration.between(stop, now),
                    new WalArchive(repository).dataLossWindow(stop, now), 0, 0, 0, now);
        }
        if ("dump".equals(meta.get("type"))) {
            throw new BackupException("backup " + id + " is a dump; verify restores physical backups only",
                    "check its chunks with keel backup verify --chunks-only --backup " + id
                            + ", or prove it with keel load --database SCRATCH", KeelException.USAGE, null);
        }
        Path dataDir = scratch.resolve("data");
        long t0 = System.nanoTime();
        int databases = 0;
        int indexes = 0;
        int tables = 0;
        long rto = 0;
        try {
            Directories.deleteTree(scratch);
            Files.createDirectories(scratch);
            BaseBackups.restore(repository, id, key, dataDir, false, progress);
            java.util.Optional<Path> verifybackup = Files.exists(dataDir.resolve("backup_manifest"))
                    ? BinaryLocator.clientProgram("pg_verifybackup", binaries) : java.util.Optional.empty();
            if (verifybackup.isPresent()) {
                ProcessRunner.Result r = ProcessRunner.run(List.of(verifybackup.get().toString(), "-n",
                        dataDir.toString()), Map.of(), null, Duration.ofMinutes(30));
                if (!r.ok()) {
                    problems.add("pg_verifybackup: " + r.lastLine());
                }
            } else {
                // No backup_manifest (a server-compressed backup from a Keel older than PgBackupManifest), or no
                // pg_verifybackup on this machine: Keel's file list is the manifest (a hash of every block of
                // every file).
                try (InputStream list = BackupReader.open(repository, id, key).stream(FileList.STREAM)) {
                    FileList.check(dataDir, FileList.read(list, id).values())
                            .forEach(p -> problems.add("restored file " + p));
                }
            }
            // The scratch copy is ours alone: trust on the loopback address, so any role of the source can check it.
            Files.writeString(dataDir.resolve("pg_hba.conf"), "host all all 127.0.0.1/32 trust\n", StandardCharsets.UTF_8);
            int port = RestoredServer.start(binaries, dataDir, 0);
            rto = (System.nanoTime() - t0) / 1_000_000;
            try {
                String user = firstSuperuser(port);
                for (String db : databases(port, user)) {
                    databases++;
                    indexes += amcheck(port, user, db, problems);
                    tables += compareRowCounts(port, user, db, problems);
                }
            } finally {
                RestoredServer.stop(binaries, dataDir);
            }
        } catch (IOException | SQLException e) {
            problems.add("verification failed: " + e.getMessage());
        } catch (KeelException e) {
            problems.add(e.getMessage());
        } finally {
            Directories.deleteTreeQuietly(scratch); // a leftover is removed by the next run
        }
        Instant now = Instant.now();
        return new Result(id, problems.isEmpty(), problems, rto, Duration.between(stop, now),
                new WalArchive(repository).dataLossWindow(stop, now), databases, indexes, tables, now);
    }

    private static Connection connect(int port, String user, String db) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("ApplicationName", "keel backup verify");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db, p);
    }

    private static String firstSuperuser(int port) throws SQLException {
        // Any role name works with trust; the bootstrap superuser (oid 10) can do everything the checks need.
        for (String candidate : List.of("postgres", "keel", System.getProperty("user.name"))) {
            try (Connection c = connect(port, candidate, "postgres"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select rolname from pg_roles where oid = 10")) {
                rs.next();
                return rs.getString(1);
            } catch (SQLException e) {
                // try the next name
            }
        }
        throw new SQLException("cannot log in to the restored copy with any known role");
    }

    private static List<String> databases(int port, String user) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = connect(port, user, "postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select datname from pg_database where datallowconn order by 1")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    // Checked on PostgreSQL 15: bt_index_check exists since amcheck 1.0 (PostgreSQL 10). Partitioned indexes
    // (relkind I) have no storage to check; their partitions' indexes are checked.
    private static int amcheck(int port, String user, String db, List<String> problems) throws SQLException {
        int checked = 0;
        try (Connection c = connect(port, user, db); Statement st = c.createStatement()) {
            st.execute("create extension if not exists amcheck");
            List<String> indexes = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("""
                    select c.oid::regclass::text from pg_index i
                    join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam
                    where a.amname = 'btree' and c.relkind = 'i' and i.indisvalid and i.indisready
                      and c.relpersistence <> 't'""")) {
                while (rs.next()) {
                    indexes.add(rs.getString(1));
                }
            }
            for (String index : indexes) {
                try (var ps = c.prepareStatement("select bt_index_check(?::regclass)")) {
                    ps.setString(1, index);
                    ps.execute();
                    checked++;
                } catch (SQLException e) {
                    problems.add(db + ": amcheck of " + index + ": " + e.getMessage().lines().findFirst().orElse(""));
                }
            }
        }
        return checked;
    }

    /**
     * Counts the rows of the database's largest analyzed tables and compares each count with {@code reltuples},
     * which the restored copy carries from the source's last ANALYZE or VACUUM before the backup. Tables never
     * analyzed ({@code reltuples < 0}) have nothing to compare with. Checked on PostgreSQL 15 (reltuples is -1
     * for a never-analyzed table since PostgreSQL 14).
     */
    private static int compareRowCounts(int port, String user, String db, List<String> problems) throws SQLException {
        record Table(String name, long estimate) {
        }
        List<Table> largest = new ArrayList<>();
        try (Connection c = connect(port, user, db)) {
            try (var ps = c.prepareStatement("""
                    select c.oid::regclass::text, c.reltuples::bigint from pg_class c
                    join pg_namespace n on n.oid = c.relnamespace
                    where c.relkind in ('r', 'm') and c.relpersistence = 'p' and c.reltuples >= 0
                      and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_toast'
                    order by c.relpages desc, c.oid limit ?""")) {
                ps.setInt(1, TABLES_PER_DATABASE);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        largest.add(new Table(rs.getString(1), rs.getLong(2)));
                    }
                }
            }
            int compared = 0;
            for (Table t : largest) {
                long rows;
                try (Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("select count(*) from " + t.name())) { // regclass text is quoted
                    rs.next();
                    rows = rs.getLong(1);
                } catch (SQLException e) {
                    problems.add(db + ": counting the rows of " + t.name() + " failed: "
                            + e.getMessage().lines().findFirst().orElse(""));
                    continue;
                }
                compared++;
                long off = Math.abs(rows - t.estimate());
                if (off > ROW_TOLERANCE_MIN && off > ROW_TOLERANCE * t.estimate()) {
                    problems.add(db + ": table " + t.name() + " has " + rows + " rows, but its statistics in the backup "
                            + "say about " + t.estimate() + " (more than 10% and " + ROW_TOLERANCE_MIN + " rows apart): rows "
                            + "may be missing, or the table changed a lot since its last ANALYZE");
                }
            }
            return compared;
        }
    }
}
