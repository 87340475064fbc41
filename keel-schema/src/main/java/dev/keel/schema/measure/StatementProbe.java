package dev.keel.schema.measure;

import dev.keel.core.sql.SqlSplitter;
import dev.keel.core.sql.SqlStatement;
import dev.keel.schema.migrate.StatementClass;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.util.PSQLException;

/**
 * Runs one migration statement on a scratch database and reads what it really did: the locks it held on
 * existing relations, the relations it rewrote, the tables it scanned in full and the time it took. The
 * change is committed, so the next statement sees it, as it would in the real migration.
 *
 * <p>Implementation notes. An ordinary statement runs inside BEGIN ... COMMIT. Before it, in the same
 * transaction, the probe reads every user relation's {@code relfilenode} and the transaction's own
 * sequential-scan counters ({@code pg_stat_xact_user_tables}, which show uncommitted counts); after it, still
 * before COMMIT, it reads {@code pg_locks} for its own backend: every lock the statement took is still held
 * there, since table locks last until the transaction ends. A new relfilenode means a new file, i.e. a
 * rewrite (TRUNCATE excepted: its new file is empty, nothing is copied). Relations that were not there
 * before the statement are left out, so CREATE TABLE reports nothing about the table it creates.
 *
 * <p>A statement PostgreSQL refuses inside a transaction (CREATE INDEX CONCURRENTLY, REINDEX CONCURRENTLY,
 * DROP INDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY, VACUUM) commits on its own, several times, and its
 * locks are gone when it returns. So it is caught in the act: a second connection, the blocker, opens a
 * REPEATABLE READ transaction, takes a snapshot ({@code txid_current()}) and an ACCESS SHARE lock on the user
 * tables. The statement then runs on the probe's connection in a background thread, and a third connection
 * polls {@code pg_locks} for that backend's pid. A concurrent index build reaches its wait for older
 * snapshots and stops there, holding its SHARE UPDATE EXCLUSIVE lock; DROP INDEX CONCURRENTLY and DETACH
 * CONCURRENTLY stop in their wait for the table's other lockers; VACUUM FULL stops waiting for its ACCESS
 * EXCLUSIVE lock (a mode being waited for counts as held: it will be). As soon as
 * {@code pg_blocking_pids} shows the statement waiting for the blocker, the probe records the locks and ends
 * the blocker's transaction, and the statement finishes. Every wait is bounded ({@link #BLOCK_WAIT},
 * {@link #FINISH_WAIT}); a statement that does not finish is cancelled, then terminated. Its scans are read
 * from the cumulative statistics before and after, which the statement's backend is made to flush
 * ({@code pg_stat_force_next_flush()}, PostgreSQL 15+; on older servers the probe waits for the periodic
 * report, best effort). Its time excludes the stretch it was held by the blocker.
 */
public final class StatementProbe {

    /** Opens another connection to the same scratch database. */
    @FunctionalInterface
    public interface Connector {
        Connection open() throws SQLException;
    }

    /** How long a non-transactional statement may take to reach a wait where its locks can be read. */
    static final Duration BLOCK_WAIT = Duration.ofSeconds(10);
    /** How long a non-transactional statement may take to finish once released. */
    static final Duration FINISH_WAIT = Duration.ofSeconds(120);
    /** How long a cancelled or terminated statement may take to end. */
    static final Duration END_WAIT = Duration.ofSeconds(10);
    /** The blocker locks at most this many tables (the lock table has room for a few thousand locks). */
    static final int MAX_BLOCKER_TABLES = 1000;
    private static final long POLL_MILLIS = 5;

    /** Statements that act on the whole server, never run on a scratch copy. */
    private static final Set<String> SERVER_WIDE = Set.of("CREATE DATABASE", "DROP DATABASE", "ALTER DATABASE",
            "CREATE TABLESPACE", "DROP TABLESPACE", "ALTER TABLESPACE", "ALTER SYSTEM", "CREATE SUBSCRIPTION",
            "ALTER SUBSCRIPTION", "DROP SUBSCRIPTION");

    private final Connection connection;
    private final Connector connector;
    private final int serverMajor;
    private final int pid;

    private StatementProbe(Connection connection, Connector connector, int serverMajor, int pid) {
        this.connection = connection;
        this.connector = connector;
        this.serverMajor = serverMajor;
        this.pid = pid;
    }

    /**
     * A probe that runs statements on {@code connection} (in autocommit mode between statements) and opens
     * two more connections from {@code connector} for a statement that cannot run in a transaction.
     */
    public static StatementProbe of(Connection connection, Connector connector) {
        Objects.requireNonNull(connection, "null connection");
        Objects.requireNonNull(connector, "null connector");
        try {
            return new StatementProbe(connection, connector, connection.getMetaData().getDatabaseMajorVersion(),
                    RelationState.backendPid(connection));
        } catch (SQLException e) {
            throw new MeasureException("cannot read the scratch database's server: " + firstLine(e), null, e);
        }
    }

    /** Runs {@code statement} and measures it; a failure of the statement itself is reported, not thrown. */
    public Measurement probe(SqlStatement statement) {
        Objects.requireNonNull(statement, "null statement");
        String sql = statement.sql();
        try {
            if (!connection.getAutoCommit()) {
                throw new IllegalStateException("the probe's connection must be in autocommit mode between statements");
            }
        } catch (SQLException e) {
            throw new MeasureException("the scratch connection is unusable: " + firstLine(e), null, e);
        }
        if (StatementClass.transactionControl(sql)) {
            return Measurement.skipped(sql, statement.line(), false,
                    "transaction control; each statement is measured in a transaction of its own");
        }
        if (SERVER_WIDE.contains(SqlSplitter.firstKeywords(sql, 2))) {
            return Measurement.skipped(sql, statement.line(), false,
                    "acts on the whole server, so it is not run on the scratch copy");
        }
        return StatementClass.nonTransactional(sql, serverMajor) ? onItsOwn(statement) : inTransaction(statement);
    }

    // ---- an ordinary statement: inside BEGIN ... COMMIT -----------------------------------------------

    private Measurement inTransaction(SqlStatement s) {
        Connection c = connection;
        try {
            c.setAutoCommit(false);
            Map<Long, RelationState.Rel> before = RelationState.relations(c);
            Map<Long, RelationState.Scans> scansBefore = RelationState.transactionScans(c);
            long t0 = System.nanoTime();
            try {
                execute(c, s);
            } catch (SQLException e) {
                long millis = millisSince(t0);
                c.rollback();
                return failed(s, true, e, millis);
            }
            long millis = millisSince(t0);
            Map<Long, String> locks = RelationState.locks(c, pid);
            Map<Long, RelationState.Rel> after = RelationState.relations(c);
            Map<Long, RelationState.Scans> scansAfter = RelationState.transactionScans(c);
            try {
                c.commit();
            } catch (SQLException e) {
                return failed(s, true, e, millis);
            }
            return measured(s, true, before, after, locks, scansBefore, scansAfter, millis);
        } catch (SQLException e) {
            rollbackQuietly(c);
            throw new MeasureException("cannot measure the statement at line " + s.line() + " on the scratch database: "
                    + firstLine(e), null, e);
        } finally {
            try {
                c.setAutoCommit(true);
            } catch (SQLException ignored) {
                // the connection is broken; the next statement reports it
            }
        }
    }

    // ---- a statement PostgreSQL runs only outside a transaction: caught while it waits -----------------

    private Measurement onItsOwn(SqlStatement s) {
        ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "keel-measure-statement");
            t.setDaemon(true);
            return t;
        });
        Future<SQLException> run = null;
        try (Connection observer = connector.open(); Connection blocker = connector.open()) {
            observer.setAutoCommit(true);
            flushStatistics(connection);
            Map<Long, RelationState.Rel> before = RelationState.relations(observer);
            Map<Long, RelationState.Scans> scansBefore = RelationState.cumulativeScans(observer);
            int blockerPid = hold(blocker, before);

            long t0 = System.nanoTime();
            run = runner.submit(() -> {
                try {
                    execute(connection, s);
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            Map<Long, String> locks = new HashMap<>();
            long blockedAt = 0;
            long deadline = t0 + BLOCK_WAIT.toNanos();
            while (!run.isDone() && System.nanoTime() < deadline) {
                RelationState.locks(observer, pid).forEach((oid, mode) -> locks.merge(oid, mode, LockModes::stronger));
                if (blockedBy(observer, pid, blockerPid)) {
                    blockedAt = System.nanoTime();
                    RelationState.locks(observer, pid).forEach((oid, mode) -> locks.merge(oid, mode, LockModes::stronger));
                    break;
                }
                sleep(POLL_MILLIS);
            }
            long releasedAt = System.nanoTime();
            blocker.rollback();

            SQLException failure = finish(run, observer, s);
            long held = blockedAt == 0 ? 0 : releasedAt - blockedAt;
            long millis = Math.max(0, (System.nanoTime() - t0 - held) / 1_000_000);
            if (failure != null) {
                return failed(s, false, failure, millis);
            }
            flushStatistics(connection);
            Map<Long, RelationState.Rel> after = RelationState.relations(observer);
            Map<Long, RelationState.Scans> scansAfter = RelationState.cumulativeScans(observer);
            return measured(s, false, before, after, locks, scansBefore, scansAfter, millis);
        } catch (SQLException e) {
            throw new MeasureException("cannot measure the statement at line " + s.line() + " on the scratch database: "
                    + firstLine(e), null, e);
        } finally {
            // After a failure while it ran: the blocker is closed by now, so the statement can end; the
            // connection is not handed back while it still runs.
            awaitQuietly(run);
            runner.shutdownNow();
        }
    }

    private static void awaitQuietly(Future<SQLException> run) {
        if (run == null || run.isDone()) {
            return;
        }
        try {
            run.get(FINISH_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // reported by the caller's exception already
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Opens the blocker's transaction: a snapshot that concurrent index builds wait for, and ACCESS SHARE
     * locks that DROP INDEX CONCURRENTLY, DETACH CONCURRENTLY and ACCESS EXCLUSIVE requests wait for. Neither
     * conflicts with the SHARE UPDATE EXCLUSIVE lock the concurrent statements take first. It must be
     * REPEATABLE READ: a READ COMMITTED transaction that has an xid but is between statements holds no
     * snapshot (its xmin is unset), and CREATE INDEX CONCURRENTLY does not wait for it (checked on 15).
     */
    private static int hold(Connection blocker, Map<Long, RelationState.Rel> relations) throws SQLException {
        blocker.setAutoCommit(false);
        blocker.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        int blockerPid = RelationState.backendPid(blocker);
        try (Statement st = blocker.createStatement()) {
            st.execute("select pg_catalog.txid_current()");
            List<String> tables = relations.values().stream()
                    .filter(r -> r.kind().equals("table") || r.kind().equals("partitioned table"))
                    .limit(MAX_BLOCKER_TABLES)
                    .map(r -> "'" + r.oid() + "'::pg_catalog.oid")
                    .toList();
            if (!tables.isEmpty()) {
                // LOCK TABLE takes names; regclass text of an oid is the properly quoted qualified name.
                List<String> names = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("select x::pg_catalog.regclass::text from unnest(array["
                        + String.join(",", tables) + "]) x")) {
                    while (rs.next()) {
                        names.add(rs.getString(1));
                    }
                }
                st.execute("lock table " + String.join(", ", names) + " in access share mode");
            }
        }
        return blockerPid;
    }

    // Checked on PostgreSQL 15; pg_blocking_pids exists since 9.6 and covers waits on a virtual xid, which is
    // what the concurrent statements' waits for other transactions are.
    private static final String BLOCKED_BY = "select ? = any(pg_catalog.pg_blocking_pids(?))";

    private static boolean blockedBy(Connection observer, int pid, int blockerPid) throws SQLException {
        try (PreparedStatement ps = observer.prepareStatement(BLOCKED_BY)) {
            ps.setInt(1, blockerPid);
            ps.setInt(2, pid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Waits for the statement; cancels, then terminates it when it takes too long. */
    private SQLException finish(Future<SQLException> run, Connection observer, SqlStatement s) throws SQLException {
        try {
            return run.get(FINISH_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            signal(observer, "pg_cancel_backend");
            try {
                run.get(END_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillRunning) {
                signal(observer, "pg_terminate_backend");
            } catch (ExecutionException | InterruptedException ignored) {
                // reported below
            }
            throw new MeasureException("the statement at line " + s.line() + " did not finish within "
                    + FINISH_WAIT.toSeconds() + " s on the scratch database; it was cancelled", null, null);
        } catch (ExecutionException e) {
            throw new MeasureException("the statement at line " + s.line() + " could not be run: " + e.getCause(), null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            signal(observer, "pg_cancel_backend");
            throw new MeasureException("interrupted while measuring the statement at line " + s.line(), null, e);
        }
    }

    private void signal(Connection observer, String function) throws SQLException {
        try (PreparedStatement ps = observer.prepareStatement("select pg_catalog." + function + "(?)")) {
            ps.setInt(1, pid);
            ps.execute();
        }
    }

    /**
     * Makes the connection's backend publish its pending statistics, so the cumulative views include the
     * statement's scans: on 15+ the next report is forced (it happens before the reply to this query); older
     * servers send reports at most every 500 ms, so wait that long and end one more transaction.
     */
    private void flushStatistics(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            if (serverMajor >= 15) {
                // Checked on PostgreSQL 15; the function is new in 15.
                st.execute("select pg_catalog.pg_stat_force_next_flush()");
            } else {
                sleep(600);
                st.execute("select 1");
                sleep(100);
            }
        }
    }

    // ---- results -----------------------------------------------------------------------------------------

    private static Measurement measured(SqlStatement s, boolean transactional, Map<Long, RelationState.Rel> before,
                                        Map<Long, RelationState.Rel> after, Map<Long, String> locks,
                                        Map<Long, RelationState.Scans> scansBefore,
                                        Map<Long, RelationState.Scans> scansAfter, long millis) {
        List<Measurement.Lock> held = locks.entrySet().stream()
                .filter(e -> before.containsKey(e.getKey()) && LockModes.rank(e.getValue()) >= 0)
                .map(e -> new Measurement.Lock(before.get(e.getKey()).name(), before.get(e.getKey()).kind(), e.getValue()))
                .sorted(Comparator.comparing((Measurement.Lock l) -> -LockModes.rank(l.mode()))
                        .thenComparing(Measurement.Lock::relation))
                .toList();
        boolean truncate = SqlSplitter.firstKeywords(s.sql(), 1).equals("TRUNCATE");
        List<Measurement.Relation> rewritten = truncate ? List.of() : before.values().stream()
                .filter(r -> r.fileNode() != 0 && (r.isTable() || r.kind().equals("index")))
                .filter(r -> after.containsKey(r.oid()) && after.get(r.oid()).fileNode() != r.fileNode())
                .map(r -> new Measurement.Relation(r.name(), r.kind()))
                .sorted(Comparator.comparing(Measurement.Relation::relation))
                .toList();
        List<Measurement.Scan> scanned = new ArrayList<>();
        scansAfter.forEach((oid, now) -> {
            RelationState.Rel rel = before.get(oid);
            RelationState.Scans then = scansBefore.getOrDefault(oid, new RelationState.Scans(0, 0));
            if (rel != null && now.scans() > then.scans()) {
                scanned.add(new Measurement.Scan(rel.name(), now.scans() - then.scans(), Math.max(0, now.rows() - then.rows())));
            }
        });
        scanned.sort(Comparator.comparing(Measurement.Scan::relation));
        return new Measurement(s.sql(), s.line(), Measurement.Outcome.MEASURED, "", transactional, held, rewritten,
                scanned, millis);
    }

    private static Measurement failed(SqlStatement s, boolean transactional, SQLException e, long millis) {
        String said = firstLine(e);
        if (e instanceof PSQLException pe && pe.getServerErrorMessage() != null
                && pe.getServerErrorMessage().getMessage() != null) {
            said = pe.getServerErrorMessage().getMessage();
        }
        String state = e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")";
        return new Measurement(s.sql(), s.line(), Measurement.Outcome.FAILED, said + state, transactional, List.of(),
                List.of(), List.of(), millis);
    }

    // ---- small helpers -------------------------------------------------------------------------------------

    private static void execute(Connection c, SqlStatement s) throws SQLException {
        if (s.isCopyFromStdin()) {
            try {
                c.unwrap(PGConnection.class).getCopyAPI().copyIn(s.sql(), new StringReader(s.copyData()));
            } catch (IOException e) {
                throw new SQLException("COPY failed: " + e.getMessage(), "58030", e);
            }
            return;
        }
        try (Statement st = c.createStatement()) {
            st.execute(s.sql());
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; nothing is left to undo
        }
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeasureException("interrupted while measuring a statement", null, e);
        }
    }

    static String firstLine(SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** For messages: "shop.orders: AccessExclusiveLock, shop.customers: ShareRowExclusiveLock". */
    static String describe(List<Measurement.Lock> locks) {
        return locks.stream().map(l -> l.relation() + ": " + l.mode()).collect(Collectors.joining(", "));
    }
}
