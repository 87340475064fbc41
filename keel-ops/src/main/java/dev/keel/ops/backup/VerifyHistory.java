package dev.keel.ops.backup;

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
import java.util.Map;
import java.util.Objects;

/**
 * The record of {@code keel backup verify} runs, {@code .keel/backup-verify.jsonl}: one JSON object per line,
 * appended after each run, oldest first. Read back by {@code keel backup verify --history}; a line that is
 * not a run is reported by file and line and skipped, so one torn line does not hide the others.
 */
public final class VerifyHistory {

    /** The file's name inside the project's .keel directory. */
    public static final String FILE_NAME = "backup-verify.jsonl";


    private VerifyHistory() {
    }

    /**
     * One verification, as a line of the file.
     *
     * @param rtoMillis  restore plus start-up time, measured
     * @param rpoSeconds the data-loss window when it was verified: the age of the newest archived WAL, or without
     *                   a WAL archive the backup's age
     * @param tablesCompared tables whose row counts were compared with the backup's statistics
     */
    public record Run(String backup, boolean ok, List<String> problems, long rtoMillis, long rpoSeconds,
                      int databases, int indexesChecked, int tablesCompared, Instant verifiedAt) {

        public Run {
            requireNonNull(backup, "null backup");
            problems = List.copyOf(problems);
            requireNonNull(verifiedAt, "null verifiedAt");
        }

        /** The run of a verifier result. */
        public static Run of(BackupVerifier.Result r) {
            return new Run(r.backupId(), r.ok(), r.problems(), r.rtoMillis(), r.rpo().toSeconds(), r.databases(),
                    r.indexesChecked(), r.tablesCompared(), r.verifiedAt());
        }

        /** The line's fields, in the file's order. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("backup", backup);
            m.put("ok", ok);
            m.put("problems", problems);
            m.put("rtoMillis", rtoMillis);
            m.put("rpoSeconds", rpoSeconds);
            m.put("databases", databases);
            m.put("indexesChecked", indexesChecked);
            m.put("tablesCompared", tablesCompared);
            m.put("verifiedAt", verifiedAt.toString());
            return m;
        }
    }

    /**
     * What the file holds.
     *
     * @param runs     the well-formed runs, in file order (newest last)
     * @param problems one "file:line: why" per line that is not a run
     */
    public record History(List<Run> runs, List<String> problems) {
        public History {
            runs = List.copyOf(runs);
            problems = List.copyOf(problems);
        }
    }

    /** Appends one run as a line, creating the file and its directory when missing. */
    public static void append(Path file, Run run) {
        requireNonNull(file, "null file");
        requireNonNull(run, "null run");
        try {
            JsonLines.append(file, run.toMap());
        } catch (IOException e) {
            throw BackupException.runtime("could not record the verification in " + file + ": " + e.getMessage(),
                    "check that the directory is writable", e);
        }
    }

    /** The runs in {@code file}; a missing file is an empty history. */
    public static History read(Path file) {
        requireNonNull(file, "null file");
        try {
            JsonLines.Read<Run> read = JsonLines.read(file, "verification run", VerifyHistory::parse);
            return new History(read.records(), read.problems());
        } catch (IOException e) {
            throw BackupException.runtime("could not read " + file + ": " + e.getMessage(), null, e);
        }
    }

    private static Run parse(JsonNode n) {
        JsonNode backup = n.get("backup");
        if (backup == null || !backup.isTextual() || backup.asText().isBlank()) {
            throw new IllegalArgumentException("no backup id");
        }
        JsonNode ok = n.get("ok");
        if (ok == null || !ok.isBoolean()) {
            throw new IllegalArgumentException("'ok' is not true or false");
        }
        JsonNode at = n.get("verifiedAt");
        Instant verifiedAt;
        try {
            verifiedAt = Instant.parse(at == null ? "" : at.asText());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'verifiedAt' is not a time");
        }
        List<String> problems = new ArrayList<>();
        JsonNode p = n.path("problems");
        if (!p.isMissingNode() && !p.isArray()) {
            throw new IllegalArgumentException("'problems' is not a list");
        }
        p.forEach(x -> problems.add(x.asText()));
        return new Run(backup.asText(), ok.asBoolean(), problems, number(n, "rtoMillis"), number(n, "rpoSeconds"),
                (int) number(n, "databases"), (int) number(n, "indexesChecked"), (int) number(n, "tablesCompared"), verifiedAt);
    }

    private static long number(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.canConvertToLong()) {
            throw new IllegalArgumentException("'" + field + "' is not a whole number");
        }
        return v.asLong();
    }
}
