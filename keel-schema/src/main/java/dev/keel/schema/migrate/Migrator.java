package dev.keel.schema.migrate;

import dev.keel.core.KeelException;
import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Findings;
import dev.keel.core.findings.Severity;
import dev.keel.core.sql.SqlSplitter;
import dev.keel.core.sql.SqlStatement;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.postgresql.PGConnection;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Applies, inspects, validates, repairs and undoes a project's migrations against one database, keeping
 * Flyway's history table so a project moves between Flyway and Keel in either direction.
 *
 * <p>Implementation notes. One migrator at a time: a session-level advisory lock taken on a connection of
 * its own that then sits idle outside any transaction, so it never holds a snapshot that a concurrent index
 * build would wait for (Flyway's transactional lock does, and hangs). A migration runs in one transaction,
 * its history row included, unless it holds a statement PostgreSQL refuses inside one, or its own BEGIN and
 * COMMIT: then each statement runs on its own, and each one done is written to a progress table (in the same
 * transaction for ordinary statements), so a rerun after a crash skips what was done. An interrupted
 * CREATE INDEX CONCURRENTLY leaves an INVALID index; the rerun drops and rebuilds it, and ends backends of a
 * killed earlier run that still work on this database. Every statement runs with lock_timeout; a statement
 * (or a transactional migration) that times out waiting for a lock is retried with doubling back-off instead
 * of queueing behind a long transaction and blocking everybody else. Nothing is recorded as applied
 * unless it was.
 */
public final class Migrator {

    /** What a run reports as it goes; every method has a default that does nothing. */
    public interface Listener {
        default void waitingForLock(String holder) {
        }

        default void migrationStarted(ResolvedMigration migration, int index, int total) {
        }

        default void statementDone(ResolvedMigration migration, int statement, int statements) {
        }

        default void retrying(ResolvedMigration migration, int line, int attempt, Duration wait, String reason) {
        }

        default void resumed(ResolvedMigration migration, int skipped) {
        }

        default void migrationFinished(ResolvedMigration migration, long millis) {
        }
    }

    /** What {@link #migrate} did. */
    public record MigrateResult(List<ResolvedMigration> applied, MigrationVersion currentVersion, long millis) {
    }

    /** What {@link #repair} did. */
    public record RepairResult(int failedRowsRemoved, List<String> realigned) {
    }

    static final String APPLICATION_NAME = "keel migrate";

    private final Supplier<Connection> connections;
    private final MigrationSettings settings;

    private Migrator(Supplier<Connection> connections, MigrationSettings settings) {
        this.connections = connections;
        this.settings = settings;
    }

    /**
     * A migrator that opens the connections it needs (two during a migration: one holds the lock) from
     * {@code connections} and closes them when done.
     */
    public static Migrator of(Supplier<Connection> connections, MigrationSettings settings) {
        return new Migrator(Objects.requireNonNull(connections, "null connections"),
                Objects.requireNonNull(settings, "null settings"));
    }

    /** The project's migration files. */
    public List<ResolvedMigration> resolve() {
        return MigrationResolver.resolve(settings.locations());
    }

    // ---- info and validate ------------------------------------------------------------------------------

    /** Every migration, applied and pending, with its state, in the order {@code keel info} shows them. */
    public List<MigrationState> info() {
        List<ResolvedMigration> files = resolve();
        try (Connection c = open()) {
            return Ledger.of(files, history(c).read(c), settings.outOfOrder()).states();
        } catch (SQLException e) {
            throw failure("read the history table", e);
        }
    }

    /**
     * Checks the history against the files: edited or missing applied files, failed migrations and ignored
     * (out of order) versions are errors; pending migrations are info.
     */
    public Findings validate() {
        List<ResolvedMigration> files = resolve();
        try (Connection c = open()) {
            return Ledger.of(files, history(c).read(c), settings.outOfOrder()).validate();
        } catch (SQLException e) {
            throw failure("read the history table", e);
        }
    }

    /** The migrations {@code migrate(target)} would apply now, in order. */
    public List<ResolvedMigration> pending(MigrationVersion target) {
        try (Connection c = open()) {
            return Ledger.of(resolve(), history(c).read(c), settings.outOfOrder()).pending(target);
        } catch (SQLException e) {
            throw failure("read the history table", e);
        }
    }

    /** The newest applied version, if any. */
    public Optional<MigrationVersion> currentVersion() {
        try (Connection c = open()) {
            return Ledger.of(resolve(), history(c).read(c), settings.outOfOrder()).currentVersion();
        } catch (SQLException e) {
            throw failure("read the history table", e);
        }
    }

    // ---- migrate ----------------------------------------------------------------------------------------

    /** Applies pending migrations up to {@code target} (null: all), then changed repeatables. */
    public MigrateResult migrate(MigrationVersion target, Listener listener) {
        Objects.requireNonNull(listener, "null listener");
        long t0 = System.nanoTime();
        List<ResolvedMigration> files = resolve();
        try (Connection lock = open(); Connection c = open()) {
            HistoryTable history = history(c);
            acquire(lock, history, listener);
            try {
                prepareSession(c, history);
                ensureHistory(c, history);
                terminateOrphans(c, history);
                Ledger ledger = Ledger.of(files, history.read(c), settings.outOfOrder());
                Findings problems = ledger.validate().atLeast(Severity.ERROR);
                if (!problems.isEmpty()) {
                    Finding first = problems.list().get(0);
                    throw new MigrationException(first.message(), first.remedy(), MigrationException.VALIDATION, null);
                }
                List<ResolvedMigration> pending = ledger.pending(target);
                List<ResolvedMigration> applied = new ArrayList<>();
                for (int i = 0; i < pending.size(); i++) {
                    ResolvedMigration m = pending.get(i);
                    listener.migrationStarted(m, i + 1, pending.size());
                    long m0 = System.nanoTime();
                    apply(c, history, m, m.kind() == ResolvedMigration.Kind.UNDO ? "UNDO_SQL" : "SQL", listener);
                    listener.migrationFinished(m, (System.nanoTime() - m0) / 1_000_000);
                    applied.add(m);
                }
                Ledger after = Ledger.of(files, history.read(c), settings.outOfOrder());
                return new MigrateResult(applied, after.currentVersion().orElse(null), (System.nanoTime() - t0) / 1_000_000);
            } finally {
                release(lock, history);
            }
        } catch (SQLException e) {
            throw failure("migrate", e);
        }
    }

    // ---- undo -------------------------------------------------------------------------------------------

    /**
     * Undoes applied versions newer than {@code to} (null: only the newest) by running their U files in
     * reverse order, recording each as {@link MigrationSettings#undoRecord()} says (a DELETE row by default,
     * which every Flyway edition reads; UNDO_SQL as Flyway's paid edition writes it).
     */
    public List<ResolvedMigration> undo(MigrationVersion to, Listener listener) {
        List<ResolvedMigration> files = resolve();
        try (Connection lock = open(); Connection c = open()) {
            HistoryTable history = history(c);
            acquire(lock, history, listener);
            try {
                prepareSession(c, history);
                ensureHistory(c, history);
                terminateOrphans(c, history);
                Ledger ledger = Ledger.of(files, history.read(c), settings.outOfOrder());
                List<MigrationVersion> versions = ledger.appliedVersions();
                if (versions.isEmpty()) {
                    throw new MigrationException("nothing to undo: no applied versioned migration", null,
                            KeelException.USAGE, null);
                }
                List<MigrationVersion> toUndo = to == null ? List.of(versions.get(versions.size() - 1))
                        : versions.stream().filter(v -> v.compareTo(to) > 0).sorted(Comparator.reverseOrder()).toList();
                if (to != null && toUndo.isEmpty()) {
                    throw new MigrationException("nothing to undo: no applied version is newer than " + to, null,
                            KeelException.USAGE, null);
                }
                List<ResolvedMigration> undoFiles = new ArrayList<>();
                for (MigrationVersion v : toUndo) {
                    undoFiles.add(files.stream()
                            .filter(f -> f.kind() == ResolvedMigration.Kind.UNDO && f.version().equals(v)).findFirst()
                            .orElseThrow(() -> new MigrationException("cannot undo version " + v + ": there is no U" + v
                                    + "__*.sql file", "write the undo file, or undo to a later version",
                                    KeelException.USAGE, null)));
                }
                for (int i = 0; i < undoFiles.size(); i++) {
                    ResolvedMigration u = undoFiles.get(i);
                    listener.migrationStarted(u, i + 1, undoFiles.size());
                    long m0 = System.nanoTime();
                    apply(c, history, u, settings.undoRecord().name(), listener);
                    listener.migrationFinished(u, (System.nanoTime() - m0) / 1_000_000);
                }
                return undoFiles;
            } finally {
                release(lock, history);
            }
        } catch (SQLException e) {
            throw failure("undo", e);
        }
    }

    // ---- repair and baseline -----------------------------------------------------------------------------

    /** Removes failed rows and realigns the checksums and descriptions of applied files that were edited. */
    public RepairResult repair() {
        List<ResolvedMigration> files = resolve();
        try (Connection lock = open(); Connection c = open()) {
            HistoryTable history = history(c);
            acquire(lock, history, new Listener() { });
            try {
                if (!history.exists(c)) {
                    return new RepairResult(0, List.of());
                }
                c.setAutoCommit(false);
                int removed = history.deleteFailed(c);
                List<String> realigned = new ArrayList<>();
                Map<String, ResolvedMigration> byScriptKey = new LinkedHashMap<>();
                for (ResolvedMigration f : files) {
                    byScriptKey.put(Ledger.key(f.kind() == ResolvedMigration.Kind.UNDO, f.version(), f.description()), f);
                }
                for (AppliedMigration a : history.read(c)) {
                    if (a.checksum() == null || !a.success()) {
                        continue;
                    }
                    ResolvedMigration f = byScriptKey.get(Ledger.key(a.isUndo(), a.version(), a.description()));
                    if (f == null && a.version() != null) {
                        f = files.stream().filter(x -> x.version() != null && x.version().equals(a.version())
                                && (x.kind() == ResolvedMigration.Kind.UNDO) == a.isUndo()).findFirst().orElse(null);
                    }
                    if (f != null && (f.checksum() != a.checksum() || !f.description().equals(a.description()))
                            && f.kind() != ResolvedMigration.Kind.REPEATABLE) {
                        history.realign(c, a.installedRank(), f.description(), f.checksum());
                        realigned.add(f.script());
                    }
                }
                c.commit();
                return new RepairResult(removed, realigned);
            } finally {
                release(lock, history);
            }
        } catch (SQLException e) {
            throw failure("repair", e);
        }
    }

    /** Records {@code version} as the baseline of an existing database: older migrations are not applied. */
    public void baseline(MigrationVersion version, String description) {
        Objects.requireNonNull(version, "null version");
        try (Connection lock = open(); Connection c = open()) {
            HistoryTable history = history(c);
            acquire(lock, history, new Listener() { });
            try {
                ensureHistory(c, history);
                List<AppliedMigration> rows = history.read(c);
                if (rows.stream().anyMatch(r -> !r.type().equals("SCHEMA"))) {
                    throw new MigrationException("cannot baseline " + history.display() + ": it already has "
                            + rows.size() + " row(s)", "baseline only a database that no migration has touched yet",
                            KeelException.USAGE, null);
                }
                String desc = description == null || description.isBlank() ? "<< Flyway Baseline >>" : description;
                history.insert(c, version, desc, "BASELINE", desc, null, 0, true);
            } finally {
                release(lock, history);
            }
        } catch (SQLException e) {
            throw failure("baseline", e);
        }
    }

    // ---- applying one migration ---------------------------------------------------------------------------

    private void apply(Connection c, HistoryTable history, ResolvedMigration m, String type, Listener listener)
            throws SQLException {
        String content = MigrationResolver.read(m.path());
        List<SqlStatement> statements = SqlSplitter.split(content, m.path().toString());
        int major = serverMajor(c);
        boolean transactional = statements.stream().noneMatch(s -> StatementClass.nonTransactional(s.sql(), major)
                || StatementClass.transactionControl(s.sql()));
        long t0 = System.nanoTime();
        if (transactional) {
            applyInTransaction(c, history, m, type, statements, listener, t0);
        } else {
            applyStatementByStatement(c, history, m, type, statements, listener, t0);
        }
    }

    private void applyInTransaction(Connection c, HistoryTable history, ResolvedMigration m, String type,
                                    List<SqlStatement> statements, Listener listener, long t0) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            c.setAutoCommit(false);
            SqlStatement current = null;
            try {
                for (int i = 0; i < statements.size(); i++) {
                    current = statements.get(i);
                    execute(c, current);
                    listener.statementDone(m, i + 1, statements.size());
                }
                current = null;
                history.insert(c, m.version(), m.description(), type, m.script(), m.checksum(), millisSince(t0), true);
                c.commit();
                c.setAutoCommit(true);
                return;
            } catch (SQLException e) {
                c.rollback();
                c.setAutoCommit(true);
                if (lockTimeout(e) && attempt < settings.lockRetries()) {
                    Duration wait = backoff(attempt);
                    listener.retrying(m, current == null ? 1 : current.line(), attempt, wait, firstLine(e));
                    sleep(wait);
                    continue;
                }
                throw statementFailure(m, current, e, attempt);
            }
        }
    }

    private void applyStatementByStatement(Connection c, HistoryTable history, ResolvedMigration m, String type,
                                           List<SqlStatement> statements, Listener listener, long t0) throws SQLException {
        c.setAutoCommit(true);
        // Statements done by an interrupted earlier run are skipped while they are unchanged, in order: the
        // first changed or new statement and everything after it runs.
        Map<Integer, Integer> done = history.progress(c, m.script());
        int resumeAt = 0;
        while (resumeAt < statements.size()
                && Objects.equals(done.get(resumeAt), Checksums.of(statements.get(resumeAt).sql()))) {
            resumeAt++;
        }
        if (resumeAt > 0) {
            listener.resumed(m, resumeAt);
        }
        int major = serverMajor(c);
        for (int i = resumeAt; i < statements.size(); i++) {
            SqlStatement s = statements.get(i);
            int statementChecksum = Checksums.of(s.sql());
            boolean ownTransaction = StatementClass.nonTransactional(s.sql(), major) || StatementClass.transactionControl(s.sql());
            for (int attempt = 1; ; attempt++) {
                try {
                    if (ownTransaction) {
                        if (prepareConcurrentIndex(c, s)) {
                            execute(c, s);
                        }
                        history.markDone(c, m.script(), i, statementChecksum);
                    } else {
                        c.setAutoCommit(false);
                        execute(c, s);
                        history.markDone(c, m.script(), i, statementChecksum);
                        c.commit();
                        c.setAutoCommit(true);
                    }
                    break;
                } catch (SQLException e) {
                    if (!c.getAutoCommit()) {
                        c.rollback();
                        c.setAutoCommit(true);
                    }
                    if (lockTimeout(e) && attempt < settings.lockRetries()) {
                        Duration wait = backoff(attempt);
                        listener.retrying(m, s.line(), attempt, wait, firstLine(e));
                        sleep(wait);
                        continue;
                    }
                    throw statementFailure(m, s, e, attempt);
                }
            }
            listener.statementDone(m, i + 1, statements.size());
        }
        c.setAutoCommit(false);
        history.insert(c, m.version(), m.description(), type, m.script(), m.checksum(), millisSince(t0), true);
        history.clearProgress(c, m.script());
        c.commit();
        c.setAutoCommit(true);
    }

    /**
     * Before a CREATE INDEX CONCURRENTLY: an INVALID index of that name (left by an interrupted build) is
     * dropped so the build runs again; a VALID one means an earlier run built it and died before recording
     * that, so there is nothing to run (returns false).
     */
    private static boolean prepareConcurrentIndex(Connection c, SqlStatement s) throws SQLException {
        Optional<String> name = StatementClass.concurrentIndexName(s.sql());
        if (name.isEmpty()) {
            return true;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "select i.indisvalid from pg_index i where i.indexrelid = to_regclass(?)")) {
            ps.setString(1, name.get());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return true;
                }
                if (rs.getBoolean(1)) {
                    return false;
                }
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("drop index concurrently if exists " + name.get());
        }
        return true;
    }

    private static void execute(Connection c, SqlStatement s) throws SQLException {
        if (s.isCopyFromStdin()) {
            try {
                c.unwrap(PGConnection.class).getCopyAPI().copyIn(s.sql(), new StringReader(s.copyData()));
            } catch (java.io.IOException e) {
                throw new SQLException("COPY failed: " + e.getMessage(), "58030", e);
            }
            return;
        }
        try (Statement st = c.createStatement()) {
            st.execute(s.sql());
        }
    }

    // ---- locking and session --------------------------------------------------------------------------------

    private void acquire(Connection lock, HistoryTable history, Listener listener) throws SQLException {
        lock.setAutoCommit(true);
        long key = history.lockKey();
        boolean told = false;
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (true) {
            try (PreparedStatement ps = lock.prepareStatement("select pg_try_advisory_lock(?)")) {
                ps.setLong(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return;
                    }
                }
            }
            if (!told) {
                listener.waitingForLock(lockHolder(lock, key));
                told = true;
            }
            if (System.nanoTime() > deadline) {
                throw new MigrationException("another migration of " + history.display() + " has held its lock for 10 minutes ("
                        + lockHolder(lock, key) + ")", "wait for it, or end that session", KeelException.RUNTIME, null);
            }
            sleep(Duration.ofMillis(500));
        }
    }

    private static String lockHolder(Connection c, long key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select a.pid, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local')
                from pg_locks l join pg_stat_activity a on a.pid = l.pid
                where l.locktype = 'advisory' and l.granted
                  and ((l.classid::bigint << 32) | l.objid::bigint) = ?""")) {
            ps.setLong(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? "pid " + rs.getInt(1) + ", " + rs.getString(2) + " from " + rs.getString(3) : "another session";
            }
        }
    }

    private static void release(Connection lock, HistoryTable history) {
        try (PreparedStatement ps = lock.prepareStatement("select pg_advisory_unlock(?)")) {
            ps.setLong(1, history.lockKey());
            ps.execute();
        } catch (SQLException ignored) {
            // closing the connection releases a session lock anyway
        }
    }

    private void prepareSession(Connection c, HistoryTable history) throws SQLException {
        c.setAutoCommit(true);
        try (Statement st = c.createStatement()) {
            st.execute("set lock_timeout = '" + settings.lockTimeout().toMillis() + "ms'");
            st.execute("set application_name = " + dev.keel.core.sql.Identifiers.literal(applicationName(history)));
            if (serverMajor(c) >= 14) {
                // a killed client's statements end soon instead of running on unseen
                st.execute("set client_connection_check_interval = '1s'");
            }
        }
    }

    /**
     * Ends backends of an earlier, killed {@code keel migrate} on this database: they no longer hold the
     * advisory lock (this run does), but may still be building an index or waiting for a lock.
     */
    private static void terminateOrphans(Connection c, HistoryTable history) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select pg_terminate_backend(pid) from pg_stat_activity
                where datname = current_database() and pid <> pg_backend_pid()
                  and application_name = ? and state <> 'idle'""")) {
            ps.setString(1, applicationName(history));
            ps.execute();
        }
    }

    /** The application_name of a migration session, naming its history table (at most 63 bytes). */
    static String applicationName(HistoryTable history) {
        String name = APPLICATION_NAME + " " + history.display();
        return name.length() > 63 ? name.substring(0, 63) : name;
    }

    private void ensureHistory(Connection c, HistoryTable history) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            history.create(c);
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private HistoryTable history(Connection c) throws SQLException {
        String schema = settings.historySchema();
        if (schema == null) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select current_schema()")) {
                rs.next();
                schema = rs.getString(1);
            }
            if (schema == null) {
                throw new MigrationException("the connection has no current schema (search_path is empty)",
                        "set schema.history-schema in keel.yaml", KeelException.USAGE, null);
            }
        }
        return new HistoryTable(schema, settings.historyTable());
    }

    private Connection open() {
        Connection c = connections.get();
        if (c == null) {
            throw new IllegalStateException("the connection source returned null");
        }
        return c;
    }

    private static int serverMajor(Connection c) throws SQLException {
        return c.getMetaData().getDatabaseMajorVersion();
    }

    // ---- errors -----------------------------------------------------------------------------------------

    private static boolean lockTimeout(SQLException e) {
        return "55P03".equals(e.getSQLState());
    }

    private Duration backoff(int attempt) {
        return settings.retryBackoff().multipliedBy(1L << Math.min(attempt - 1, 10));
    }

    private static MigrationException statementFailure(ResolvedMigration m, SqlStatement s, SQLException e, int attempts) {
        int line = s == null ? 1 : s.line();
        String said = firstLine(e);
        if (e instanceof PSQLException pe && pe.getServerErrorMessage() != null && s != null) {
            ServerErrorMessage sem = pe.getServerErrorMessage();
            said = sem.getMessage();
            int pos = sem.getPosition();
            if (pos > 0 && pos <= s.sql().length()) {
                line += (int) s.sql().substring(0, pos - 1).chars().filter(ch -> ch == '\n').count();
            }
        }
        String state = e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")";
        String retried = lockTimeout(e) ? " after " + attempts + " tries" : "";
        String remedy = lockTimeout(e) ? "another session holds a lock on the table: find it in pg_stat_activity, or raise schema.lock-timeout"
                : "fix the statement; nothing of this migration was recorded as applied";
        return new MigrationException(m.path() + ":" + line + ": " + said + state + retried, remedy,
                MigrationException.VALIDATION, e);
    }

    private static MigrationException failure(String what, SQLException e) {
        return new MigrationException("cannot " + what + ": " + firstLine(e), null, KeelException.RUNTIME, e);
    }

    private static String firstLine(SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static int millisSince(long t0) {
        return (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - t0) / 1_000_000);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationException("interrupted", null, KeelException.RUNTIME, e);
        }
    }
}
