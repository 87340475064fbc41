package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import dev.keel.core.KeelException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs a {@link MaintenancePlan} one action at a time on a connection of its own, in autocommit (VACUUM and
 * the CONCURRENTLY statements refuse to run in a transaction), with {@code lock_timeout} set so that no action
 * queues behind another session's lock and blocks everyone queued after it. An action that times out waiting
 * for a lock is skipped and the run goes on; so does one that fails. While an action runs, a second connection
 * polls pg_stat_progress_vacuum, pg_stat_progress_analyze and pg_stat_progress_create_index (where REINDEX
 * CONCURRENTLY reports) for the worker's pid. Checked on PostgreSQL 15.
 */
public final class MaintenanceRunner {

    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(5);
    static final long POLL_MILLIS = 250;
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    /** How an action ended. */
    public enum Status {
        DONE, SKIPPED, FAILED, NOT_APPLIED;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * @param lockTimeout how long one statement waits for a lock before it is skipped; positive
     * @param apply       run the actions that need --apply (dropping indexes)
     */
    public record Options(Duration lockTimeout, boolean apply) {
        public Options {
            requireNonNull(lockTimeout, "null lockTimeout");
            if (lockTimeout.isNegative() || lockTimeout.isZero() || lockTimeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("lock timeout must be between 1 ms and 24 days, was " + lockTimeout);
            }
        }
    }

    /** How far a running statement has got, from its pg_stat_progress_* row. */
    public record Progress(String phase, long done, long total) {
        /** 0 to 100, or -1 when the phase reports no total. */
        public int percent() {
            return total > 0 ? (int) Math.min(100, done * 100 / total) : -1;
        }
    }

    /** One action's outcome; {@code detail} says why it was skipped or failed, or what it left behind. */
    public record Result(MaintenanceAction action, Status status, long millis, String detail) {
        public Result {
            requireNonNull(action, "null action");
            requireNonNull(status, "null status");
            detail = detail == null ? "" : detail;
        }
    }

    /** Hears about a run as it goes; called from the run's thread, progress from the poller's. */
    public interface Listener {
        default void started(MaintenanceAction action) {
        }

        default void progress(MaintenanceAction action, Progress progress) {
        }

        default void finished(Result result) {
        }
    }

    static final String PROGRESS = """
            select phase, case when phase = 'vacuuming heap' then heap_blks_vacuumed else heap_blks_scanned end, heap_blks_total
            from pg_stat_progress_vacuum where pid = ?
            union all
            select phase, sample_blks_scanned, sample_blks_total from pg_stat_progress_analyze where pid = ?
            union all
            select phase, case when blocks_total > 0 then blocks_done else tuples_done end,
                   case when blocks_total > 0 then blocks_total else tuples_total end
            from pg_stat_progress_create_index where pid = ?""";

    /** The invalid "_ccnew" copy a failed REINDEX CONCURRENTLY leaves next to the index it was rebuilding. */
    static final String REINDEX_LEFTOVERS = """
            select format('%I.%I', n.nspname, c.relname)
            from pg_index i
            join pg_class c on c.oid = i.indexrelid
            join pg_namespace n on n.oid = c.relnamespace
            join pg_index orig on orig.indexrelid = to_regclass(?) and orig.indrelid = i.indrelid
            join pg_class oc on oc.oid = orig.indexrelid
            where not i.indisvalid and c.relname like replace(oc.relname, '_', '\\_') || '\\_ccnew%'""";

    private MaintenanceRunner() {
    }

    /**
     * Runs the plan's actions in order; drops only with {@code options.apply()}. Opens two connections from
     * {@code connector} and closes them.
     */
    public static List<Result> run(MaintenancePlan plan, Supplier<Connection> connector, Options options, Listener listener) {
        requireNonNull(plan, "null plan");
        requireNonNull(connector, "null connector");
        requireNonNull(options, "null options");
        requireNonNull(listener, "null listener");
        List<Result> results = new ArrayList<>();
        if (plan.actions().stream().noneMatch(a -> options.apply() || !a.needsApply())) {
            for (MaintenanceAction a : plan.actions()) {
                report(results, listener, new Result(a, Status.NOT_APPLIED, 0, "needs --apply"));
            }
            return results;
        }
        ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "keel-maintain-progress");
            t.setDaemon(true);
            return t;
        });
        try (Connection worker = connector.get(); Connection monitor = connector.get()) {
            int pid = prepare(worker, options);
            monitor.setAutoCommit(true);
            for (MaintenanceAction a : plan.actions()) {
                if (a.needsApply() && !options.apply()) {
                    report(results, listener, new Result(a, Status.NOT_APPLIED, 0, "needs --apply"));
                    continue;
                }
                listener.started(a);
                ScheduledFuture<?> polling = poller.scheduleWithFixedDelay(() -> poll(monitor, pid, a, listener),
                        POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
                long start = System.nanoTime();
                Result r;
                try (Statement st = worker.createStatement()) {
                    st.execute(a.sql());
                    r = new Result(a, Status.DONE, millisSince(start), "");
                } catch (SQLException e) {
                    String leftovers = a.kind() == MaintenanceAction.Kind.REINDEX ? dropLeftovers(worker, a) : "";
                    if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                        r = new Result(a, Status.SKIPPED, millisSince(start), "lock timeout after " + options.lockTimeout().toMillis()
                                + " ms: another session holds a conflicting lock on " + a.object() + leftovers);
                    } else {
                        r = new Result(a, Status.FAILED, millisSince(start), "server error " + e.getSQLState() + ": "
                                + e.getMessage().replace('\n', ' ') + leftovers);
                    }
                } finally {
                    polling.cancel(false);
                    awaitPoll(poller);
                }
                report(results, listener, r);
            }
        } catch (SQLException e) {
            throw new InsightException("maintenance stopped: " + e.getMessage(), "check the connection and run keel maintain run again",
                    KeelException.RUNTIME, e);
        } finally {
            poller.shutdownNow();
        }
        return results;
    }

    private static void report(List<Result> results, Listener listener, Result r) {
        results.add(r);
        listener.finished(r);
    }

    private static int prepare(Connection worker, Options options) throws SQLException {
        worker.setAutoCommit(true);
        try (Statement st = worker.createStatement()) {
            st.execute("set lock_timeout = '" + options.lockTimeout().toMillis() + "ms'");
            st.execute("set application_name = 'keel maintain'");
            try (ResultSet rs = st.executeQuery("select pg_backend_pid()")) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** Progress is best effort: a failed poll shows nothing and the action goes on. */
    private static void poll(Connection monitor, int pid, MaintenanceAction a, Listener listener) {
        try (PreparedStatement ps = monitor.prepareStatement(PROGRESS)) {
            ps.setInt(1, pid);
            ps.setInt(2, pid);
            ps.setInt(3, pid);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    listener.progress(a, new Progress(rs.getString(1), rs.getLong(2), rs.getLong(3)));
                }
            }
        } catch (SQLException | RuntimeException e) {
            // no progress this time
        }
    }

    /** Waits for a poll already running, so no progress is reported after the action's result. */
    private static void awaitPoll(ScheduledExecutorService poller) {
        try {
            poller.submit(() -> { }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // the no-op cannot fail
        }
    }

    /** Drops what a failed REINDEX CONCURRENTLY left; says what it could not drop. */
    private static String dropLeftovers(Connection worker, MaintenanceAction a) {
        List<String> left = new ArrayList<>();
        try (PreparedStatement ps = worker.prepareStatement(REINDEX_LEFTOVERS)) {
            ps.setString(1, a.object());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    left.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            return "";
        }
        StringBuilder detail = new StringBuilder();
        for (String index : left) {
            try (Statement st = worker.createStatement()) {
                st.execute("DROP INDEX CONCURRENTLY " + index);
                detail.append("; dropped the invalid copy ").append(index);
            } catch (SQLException e) {
                detail.append("; the invalid copy ").append(index).append(" remains: DROP INDEX CONCURRENTLY ").append(index);
            }
        }
        return detail.toString();
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
