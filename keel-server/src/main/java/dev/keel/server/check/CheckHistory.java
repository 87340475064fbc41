package dev.keel.server.check;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keel.core.json.JsonLines;
import dev.keel.core.KeelException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The record of {@code keel check} runs, {@code .keel/check/history.jsonl} in the project's .keel directory: one
 * JSON object per line, appended after each run, oldest first (the approach of the backup verification and bench
 * histories). The dashboard charts it; the "continuous improvement" item reads its trend. A line that is not a
 * run is reported by file and line and skipped.
 */
public final class CheckHistory {

    /** The file's path inside the project's .keel directory. */
    public static final String FILE = "check/history.jsonl";


    private CheckHistory() {
    }

    /** One stored run: when, against what, the count per status, and each item's status by name. */
    public record Run(Instant checkedAt, String target, int pass, int fail, int notConfigured, int notAvailable,
                      int requiredFailing, Map<String, CheckStatus> items) {
        public Run {
            requireNonNull(checkedAt, "null checkedAt");
            requireNonNull(target, "null target");
            items = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(items));
        }

        public static Run of(CheckReport r) {
            Map<CheckStatus, Integer> c = r.counts();
            Map<String, CheckStatus> items = new LinkedHashMap<>();
            r.items().forEach(i -> items.put(i.item(), i.status()));
            return new Run(r.checkedAt(), r.target(), c.get(CheckStatus.PASS), c.get(CheckStatus.FAIL),
                    c.get(CheckStatus.NOT_CONFIGURED), c.get(CheckStatus.NOT_AVAILABLE),
                    r.required(CheckStatus.FAIL).size(), items);
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("checkedAt", checkedAt.toString());
            m.put("target", target);
            m.put("pass", pass);
            m.put("fail", fail);
            m.put("notConfigured", notConfigured);
            m.put("notAvailable", notAvailable);
            m.put("requiredFailing", requiredFailing);
            Map<String, String> statuses = new LinkedHashMap<>();
            items.forEach((k, v) -> statuses.put(k, v.label()));
            m.put("items", statuses);
            return m;
        }
    }

    /** What the file holds: the well-formed runs (oldest first) and one "file:line: why" per bad line. */
    public record History(List<Run> runs, List<String> problems) {
        public History {
            runs = List.copyOf(runs);
            problems = List.copyOf(problems);
        }

        /** The runs at or after {@code since}. */
        public List<Run> since(Instant since) {
            return runs.stream().filter(r -> !r.checkedAt().isBefore(since)).toList();
        }
    }

    /**
     * Failing items over runs: each run's time and fail count, and whether the count went down, up or stayed
     * from the first run shown to the last.
     */
    public record Trend(List<Point> points, String direction) {
        public Trend {
            points = List.copyOf(points);
            requireNonNull(direction, "null direction");
        }

        /** One run on the chart. */
        public record Point(Instant checkedAt, int pass, int fail, int notConfigured, int notAvailable) {
        }

        public static Trend of(List<Run> runs) {
            List<Point> points = runs.stream().map(r -> new Point(r.checkedAt(), r.pass(), r.fail(), r.notConfigured(),
                    r.notAvailable())).toList();
            String direction = points.size() < 2 ? "none"
                    : Integer.compare(points.get(points.size() - 1).fail(), points.get(0).fail()) < 0 ? "down"
                    : points.get(points.size() - 1).fail() > points.get(0).fail() ? "up" : "flat";
            return new Trend(points, direction);
        }

        public Map<String, Object> toMap() {
            List<Map<String, Object>> pts = new ArrayList<>();
            for (Point p : points) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("checkedAt", p.checkedAt().toString());
                m.put("pass", p.pass());
                m.put("fail", p.fail());
                m.put("notConfigured", p.notConfigured());
                m.put("notAvailable", p.notAvailable());
                pts.add(m);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("direction", direction);
            m.put("runs", pts);
            return m;
        }
    }

    /** The history file of a project's .keel directory. */
    public static Path file(Path keelDir) {
        return requireNonNull(keelDir, "null keelDir").resolve(FILE);
    }

    /** Appends one run as a line, creating the file and its directory when missing. */
    public static void append(Path file, Run run) {
        requireNonNull(file, "null file");
        requireNonNull(run, "null run");
        try {
            JsonLines.append(file, run.toMap());
        } catch (IOException e) {
            throw new KeelException("could not record the check in " + file + ": " + e.getMessage(),
                    "check that the directory is writable", KeelException.RUNTIME, e);
        }
    }

    /** The runs in {@code file}; a missing file is an empty history. */
    public static History read(Path file) {
        requireNonNull(file, "null file");
        try {
            JsonLines.Read<Run> read = JsonLines.read(file, "check run", CheckHistory::parse);
            return new History(read.records(), read.problems());
        } catch (IOException e) {
            throw new KeelException("could not read " + file + ": " + e.getMessage(), null, KeelException.RUNTIME, e);
        }
    }

    private static Run parse(JsonNode n) {
        Instant at;
        try {
            at = Instant.parse(n.path("checkedAt").asText(""));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'checkedAt' is not a time");
        }
        Map<String, CheckStatus> items = new LinkedHashMap<>();
        var fields = n.path("items").fields();
        while (fields.hasNext()) {
            var f = fields.next();
            items.put(f.getKey(), CheckStatus.parse(f.getValue().asText()));
        }
        for (String k : List.of("pass", "fail", "notConfigured", "notAvailable")) {
            if (!n.path(k).canConvertToInt()) {
                throw new IllegalArgumentException("no numeric '" + k + "'");
            }
        }
        return new Run(at, n.path("target").asText(""), n.get("pass").asInt(), n.get("fail").asInt(),
                n.get("notConfigured").asInt(), n.get("notAvailable").asInt(), n.path("requiredFailing").asInt(0), items);
    }
}
