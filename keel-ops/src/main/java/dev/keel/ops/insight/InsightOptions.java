package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * The thresholds of {@code keel insight}, each with a named default, and what Keel may do on its own.
 *
 * @param slowMs            a statement whose mean execution time is at or above this many milliseconds is slow
 * @param longRunning       an active statement running at least this long is reported
 * @param idleInTransaction a session idle inside an open transaction at least this long is reported
 * @param topN              how many statements each top list holds
 * @param memoryBytes       the server machine's RAM when the caller knows it ({@code --memory}); empty: read
 *                          /proc/meminfo when the server runs on this machine, else skip the rules that need it
 * @param createExtension   create pg_stat_statements in the database when it is preloaded but not created;
 *                          the CLI passes true only for Keel's own embedded server, never for a user's database
 */
public record InsightOptions(long slowMs, Duration longRunning, Duration idleInTransaction, int topN,
                             OptionalLong memoryBytes, boolean createExtension) {

    /** Mean time per call at or above which a statement is slow (PgHero uses 20 ms; Keel is less noisy). */
    public static final long DEFAULT_SLOW_MS = 100;
    /** As PgHero's long-running query threshold. */
    public static final Duration DEFAULT_LONG_RUNNING = Duration.ofMinutes(1);
    /** An open transaction idle this long holds locks and the xmin horizon for nothing. */
    public static final Duration DEFAULT_IDLE_IN_TRANSACTION = Duration.ofMinutes(1);
    public static final int DEFAULT_TOP_N = 10;

    public InsightOptions {
        requireNonNull(longRunning, "null longRunning");
        requireNonNull(idleInTransaction, "null idleInTransaction");
        requireNonNull(memoryBytes, "null memoryBytes");
        if (slowMs < 0) {
            throw new IllegalArgumentException("the slow-statement threshold must be 0 ms or more, was " + slowMs);
        }
        if (longRunning.isNegative() || idleInTransaction.isNegative()) {
            throw new IllegalArgumentException("durations must not be negative: longRunning " + longRunning
                    + ", idleInTransaction " + idleInTransaction);
        }
        if (topN < 1) {
            throw new IllegalArgumentException("the number of statements per top list must be 1 or more, was " + topN);
        }
        if (memoryBytes.isPresent() && memoryBytes.getAsLong() < (64L << 20)) {
            throw new IllegalArgumentException("the server's memory must be at least 64MB, was " + memoryBytes.getAsLong() + " bytes");
        }
    }

    public static InsightOptions defaults() {
        return new InsightOptions(DEFAULT_SLOW_MS, DEFAULT_LONG_RUNNING, DEFAULT_IDLE_IN_TRANSACTION, DEFAULT_TOP_N,
                OptionalLong.empty(), false);
    }

    public InsightOptions withSlowMs(long ms) {
        return new InsightOptions(ms, longRunning, idleInTransaction, topN, memoryBytes, createExtension);
    }

    public InsightOptions withLongRunning(Duration d) {
        return new InsightOptions(slowMs, d, idleInTransaction, topN, memoryBytes, createExtension);
    }

    public InsightOptions withIdleInTransaction(Duration d) {
        return new InsightOptions(slowMs, longRunning, d, topN, memoryBytes, createExtension);
    }

    public InsightOptions withTopN(int n) {
        return new InsightOptions(slowMs, longRunning, idleInTransaction, n, memoryBytes, createExtension);
    }

    public InsightOptions withMemoryBytes(long bytes) {
        return new InsightOptions(slowMs, longRunning, idleInTransaction, topN, OptionalLong.of(bytes), createExtension);
    }

    public InsightOptions withCreateExtension(boolean create) {
        return new InsightOptions(slowMs, longRunning, idleInTransaction, topN, memoryBytes, create);
    }
}
