package dev.keel.ops.bench;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keel.core.json.JsonLines;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The record of {@code keel bench} runs, {@code .keel/bench/history.jsonl} next to keel.yaml: one JSON object
 * per line, appended after each run, oldest first (the approach of the backup verification history). A run is
 * compared with the previous run of the same target, workload and number of clients: throughput down by more
 * than 10% or p95 latency up by more than 20% is a regression. A line that is not a run is reported by file
 * and line and skipped. The target is recorded as {@code Target.describe()} shows it: never a password.
 */
public final class BenchHistory {

    /** The file's path inside the project's .keel directory. */
    public static final String FILE = "bench/history.jsonl";
    /** Throughput lower than the previous run's by more than this fraction is a regression. */
    public static final double TPS_DROP = 0.10;
    /** p95 latency higher than the previous run's by more than this fraction is a regression. */
    public static final double P95_RISE = 0.20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private BenchHistory() {
    }

    /** One stored run: where it ran and what it measured (the fields compared are kept typed). */
    public record Entry(String target, String workload, int clients, Instant startedAt, double tps, double p95,
                        boolean regression, Map<String, Object> fields) {
        public Entry {
            requireNonNull(target, "null target");
            requireNonNull(workload, "null workload");
            requireNonNull(startedAt, "null startedAt");
            fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }

        /** The entry of a finished run; {@code regression} is its comparison's verdict. */
        public static Entry of(String target, BenchResult r, boolean regression) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", target);
            m.putAll(r.toMap());
            m.put("regression", regression);
            return new Entry(target, r.workload(), r.clients(), r.startedAt(), r.tps(), r.latency().p95(), regression, m);
        }

        /** True when {@code other} ran on the same target with the same workload and clients. */
        public boolean sameKey(String target, String workload, int clients) {
            return this.target.equals(target) && this.workload.equals(workload) && this.clients == clients;
        }
    }

    /** What the file holds: the well-formed runs (oldest first) and one "file:line: why" per bad line. */
    public record History(List<Entry> entries, List<String> problems) {
        public History {
            entries = List.copyOf(entries);
            problems = List.copyOf(problems);
        }

        /** The newest run with this key, if any. */
        public Optional<Entry> previous(String target, String workload, int clients) {
            for (int i = entries.size() - 1; i >= 0; i--) {
                if (entries.get(i).sameKey(target, workload, clients)) {
                    return Optional.of(entries.get(i));
                }
            }
            return Optional.empty();
        }
    }

    /**
     * A run against the previous one.
     *
     * @param tpsChange relative change of throughput (-0.25 is 25% fewer transactions per second)
     * @param p95Change relative change of p95 latency
     * @param reasons   why it is a regression, empty when it is not
     */
    public record Comparison(Entry previous, double tpsChange, double p95Change, boolean regression, List<String> reasons) {
        public Comparison {
            requireNonNull(previous, "null previous");
            reasons = List.copyOf(reasons);
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("startedAt", previous.startedAt().toString());
            m.put("tps", Math.round(previous.tps() * 100) / 100.0);
            m.put("p95", previous.p95());
            m.put("tpsChangePercent", percent(tpsChange));
            m.put("p95ChangePercent", percent(p95Change));
            m.put("reasons", reasons);
            return m;
        }
    }

    /** Compares {@code r} with {@code previous}: a regression when tps fell by more than 10% or p95 rose by more than 20%. */
    public static Comparison compare(Entry previous, BenchResult r) {
        requireNonNull(previous, "null previous");
        requireNonNull(r, "null result");
        double tpsChange = previous.tps() > 0 ? r.tps() / previous.tps() - 1 : 0;
        double p95Change = previous.p95() > 0 ? r.latency().p95() / previous.p95() - 1 : 0;
        List<String> reasons = new ArrayList<>();
        if (tpsChange < -TPS_DROP) {
            reasons.add(String.format(Locale.ROOT, "throughput %.1f%% lower (%.1f tps, was %.1f; limit -%.0f%%)",
                    -tpsChange * 100, r.tps(), previous.tps(), TPS_DROP * 100));
        }
        if (p95Change > P95_RISE) {
            reasons.add(String.format(Locale.ROOT, "p95 latency %.1f%% higher (%.3f ms, was %.3f; limit +%.0f%%)",
                    p95Change * 100, r.latency().p95(), previous.p95(), P95_RISE * 100));
        }
        return new Comparison(previous, tpsChange, p95Change, !reasons.isEmpty(), reasons);
    }

    private static double percent(double change) {
        return Math.round(change * 1000) / 10.0;
    }

    /** Appends one run as a line, creating the file and its directory when missing. */
    public static void append(Path file, Entry entry) {
        requireNonNull(file, "null file");
        requireNonNull(entry, "null entry");
        try {
            JsonLines.append(file, entry.fields());
        } catch (IOException e) {
            throw BenchException.runtime("could not record the run in " + file + ": " + e.getMessage(),
                    "check that the directory is writable", e);
        }
    }

    /** The runs in {@code file}; a missing file is an empty history. */
    public static History read(Path file) {
        requireNonNull(file, "null file");
        try {
            JsonLines.Read<Entry> read = JsonLines.read(file, "bench run", BenchHistory::parse);
            return new History(read.records(), read.problems());
        } catch (IOException e) {
            throw BenchException.runtime("could not read " + file + ": " + e.getMessage(), null, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Entry parse(JsonNode n) {
        String target = text(n, "target");
        String workload = text(n, "workload");
        Instant startedAt;
        try {
            startedAt = Instant.parse(text(n, "startedAt"));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'startedAt' is not a time");
        }
        JsonNode tps = n.get("tps");
        JsonNode p95 = n.path("latencyMs").get("p95");
        JsonNode clients = n.get("clients");
        if (tps == null || !tps.isNumber() || p95 == null || !p95.isNumber() || clients == null || !clients.canConvertToInt()) {
            throw new IllegalArgumentException("no numeric tps, latencyMs.p95 or clients");
        }
        return new Entry(target, workload, clients.asInt(), startedAt, tps.asDouble(), p95.asDouble(),
                n.path("regression").asBoolean(false), JSON.convertValue(n, Map.class));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new IllegalArgumentException("no '" + field + "'");
        }
        return v.asText();
    }
}
