package dev.keel.ops.bench;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * What one load test measured. Throughput is pgbench's ("without initial connection time"); latencies are
 * exact percentiles of every transaction in pgbench's per-transaction log, in milliseconds.
 *
 * @param scale       the pgbench scale of the standard workload; empty for a workload file
 * @param failed      transactions that failed (pgbench counts serialization and deadlock failures)
 * @param scripts     per script; one entry for the standard workload
 */
public record BenchResult(String workload, int clients, int jobs, long durationSeconds, OptionalInt scale,
                          Instant startedAt, long transactions, long failed, double tps, Latency latency,
                          List<ScriptResult> scripts) {

    public BenchResult {
        requireNonNull(workload, "null workload");
        requireNonNull(scale, "null scale");
        requireNonNull(startedAt, "null startedAt");
        requireNonNull(latency, "null latency");
        scripts = List.copyOf(scripts);
    }

    /** Latency percentiles (nearest rank), mean and maximum, in milliseconds; zeros when nothing ran. */
    public record Latency(double p50, double p95, double p99, double mean, double max) {

        /** The exact percentiles of {@code micros} (sorted in place), in milliseconds. */
        static Latency of(long[] micros, int n) {
            if (n == 0) {
                return new Latency(0, 0, 0, 0, 0);
            }
            java.util.Arrays.sort(micros, 0, n);
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += micros[i];
            }
            return new Latency(ms(rank(micros, n, 50)), ms(rank(micros, n, 95)), ms(rank(micros, n, 99)),
                    ms(sum / n), ms(micros[n - 1]));
        }

        /** Nearest rank: the smallest value with at least p% of the values at or below it. */
        static long rank(long[] sorted, int n, int p) {
            int idx = (int) Math.ceil(p / 100.0 * n) - 1;
            return sorted[Math.max(0, Math.min(n - 1, idx))];
        }

        private static double ms(double micros) {
            return Math.round(micros) / 1000.0;
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("p50", p50);
            m.put("p95", p95);
            m.put("p99", p99);
            m.put("mean", mean);
            m.put("max", max);
            return m;
        }
    }

    /** One script of the workload. */
    public record ScriptResult(String name, int weight, long transactions, long failed, double tps, Latency latency) {
        public ScriptResult {
            requireNonNull(name, "null name");
            requireNonNull(latency, "null latency");
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("weight", weight);
            m.put("transactions", transactions);
            m.put("failed", failed);
            m.put("tps", Math.round(tps * 100) / 100.0);
            m.put("latencyMs", latency.toMap());
            return m;
        }
    }

    /** The result's fields as JSON output and the history file write them. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workload", workload);
        m.put("clients", clients);
        m.put("jobs", jobs);
        m.put("durationSeconds", durationSeconds);
        m.put("scale", scale.isPresent() ? scale.getAsInt() : null);
        m.put("startedAt", startedAt.toString());
        m.put("transactions", transactions);
        m.put("failed", failed);
        m.put("tps", Math.round(tps * 100) / 100.0);
        m.put("latencyMs", latency.toMap());
        List<Object> s = new ArrayList<>();
        scripts.forEach(x -> s.add(x.toMap()));
        m.put("scripts", s);
        return m;
    }
}
