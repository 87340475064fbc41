package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The current database's busiest statements from pg_stat_statements, four ways: by total time, by mean time,
 * by calls and by blocks read and written. Keel's own statements are left out.
 *
 * @param totalExecMs the execution time of all the database's statements together, for shares of the whole
 */
public record TopStatements(double totalExecMs, List<Statement> byTotalTime, List<Statement> byMeanTime,
                            List<Statement> byCalls, List<Statement> byIo) {

    public TopStatements {
        byTotalTime = List.copyOf(requireNonNull(byTotalTime, "null byTotalTime"));
        byMeanTime = List.copyOf(requireNonNull(byMeanTime, "null byMeanTime"));
        byCalls = List.copyOf(requireNonNull(byCalls, "null byCalls"));
        byIo = List.copyOf(requireNonNull(byIo, "null byIo"));
    }

    /**
     * One normalized statement as pg_stat_statements counts it.
     *
     * @param queryId   pg_stat_statements' queryid
     * @param user      the role that ran it
     * @param query     the normalized text ($1 for constants)
     * @param ioBlocks  shared, local and temporary blocks read plus written
     * @param ioMs      time spent reading and writing blocks (0 unless track_io_timing is on)
     */
    public record Statement(long queryId, String user, String query, long calls, double totalMs, double meanMs,
                            long rows, long ioBlocks, double ioMs, long tempBlocksWritten) {
        public Statement {
            requireNonNull(query, "null query");
            user = user == null ? "" : user;
        }
    }
}
