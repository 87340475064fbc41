/**
 * Load tests: {@link dev.keel.ops.bench.LoadTest} runs pgbench's standard workload or a weighted workload file,
 * measures throughput and exact latency percentiles from pgbench's per-transaction log, and
 * {@link dev.keel.ops.bench.BenchHistory} compares a run with the previous one of the same target and workload.
 */
package dev.keel.ops.bench;
