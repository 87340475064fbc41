package dev.keel.core.json;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Keel's local history files (backup verifications, load tests, check runs): one JSON object a line, appended
 * as each run ends, read back whole. A line that cannot be read is reported with its file and line number and
 * skipped, so one damaged line never hides the rest of a history.
 */
public final class JsonLines {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonLines() {
    }

    /**
     * What a history file held: the records that parsed, and a "file:line: not a WHAT (why)" per line that did not.
     */
    public record Read<T>(List<T> records, List<String> problems) {
        public Read {
            records = List.copyOf(records);
            problems = List.copyOf(problems);
        }
    }

    /** Appends {@code fields} as one line, creating the file and its directory when missing. */
    public static void append(Path file, Map<String, ?> fields) throws IOException {
        requireNonNull(file, "null file");
        requireNonNull(fields, "null fields");
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Files.writeString(file, JSON.writeValueAsString(fields) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /**
     * Reads every line of {@code file} (a missing file is an empty history) through {@code parse}, which gets a
     * JSON object and throws {@link IllegalArgumentException} saying why it is not a {@code what}.
     */
    public static <T> Read<T> read(Path file, String what, Function<JsonNode, T> parse) throws IOException {
        requireNonNull(file, "null file");
        requireNonNull(what, "null what");
        requireNonNull(parse, "null parse");
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new Read<>(List.of(), List.of());
        }
        List<T> records = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            try {
                records.add(parse.apply(object(line)));
            } catch (IllegalArgumentException e) {
                problems.add(file + ":" + (i + 1) + ": not a " + what + " (" + e.getMessage() + ")");
            }
        }
        return new Read<>(records, problems);
    }

    private static JsonNode object(String line) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        return n;
    }
}
