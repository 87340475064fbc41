package dev.keel.core.catalog;

/**
 * Size and row estimate of a table or materialized view, read only when {@link CatalogOptions#statistics()}
 * is on. A partitioned table itself stores nothing: its sizes are 0 and its partitions carry the bytes.
 *
 * @param rowEstimate pg_class.reltuples, or null when the table was never vacuumed or analyzed; for a
 *                    partitioned table, ANALYZE's estimate for all its partitions together (14+)
 * @param totalBytes  pg_total_relation_size: table, TOAST and indexes
 * @param tableBytes  pg_table_size: table and TOAST, without indexes
 * @param indexBytes  pg_indexes_size
 */
public record TableStatistics(Long rowEstimate, long totalBytes, long tableBytes, long indexBytes) {
}
