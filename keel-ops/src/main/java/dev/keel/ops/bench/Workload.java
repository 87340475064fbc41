package dev.keel.ops.bench;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a load test runs: pgbench's built-in TPC-B-like transaction, or the scripts of a workload file.
 *
 * <p>A workload file is SQL with comment headers. {@code -- script: NAME} starts a script (one pgbench
 * transaction), {@code -- weight: N} in it sets how often it is picked relative to the others (default 1).
 * Between the headers go SQL statements and pgbench meta-commands ({@code \set id random(1, 1000)}, used as
 * {@code :id}). {@code \set} lines before the first script are shared by all scripts. A file without any
 * {@code -- script:} header is one script named after the file. Each script becomes a pgbench script file
 * given as {@code -f FILE@WEIGHT}; {@link #sourceLine} maps its lines back to the workload file, so pgbench's
 * complaints name the user's file and line.
 */
public final class Workload {

    /** The name of pgbench's built-in workload, as history records it. */
    public static final String STANDARD = "tpcb-like";

    private static final Pattern SCRIPT = Pattern.compile("--\\s*script\\s*:\\s*(.*)", Pattern.CASE_INSENSITIVE);
    private static final Pattern WEIGHT = Pattern.compile("--\\s*weight\\s*:\\s*(.*)", Pattern.CASE_INSENSITIVE);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,60}");

    /**
     * One pgbench script.
     *
     * @param lines       the script file's lines, shared {@code \set} lines first
     * @param sourceLines for each of {@code lines}, its 1-based line in the workload file
     */
    public record Script(String name, int weight, List<String> lines, List<Integer> sourceLines) {
        public Script {
            requireNonNull(name, "null name");
            lines = List.copyOf(lines);
            sourceLines = List.copyOf(sourceLines);
        }
    }

    private final String name;
    private final Path file;
    private final List<Script> scripts;

    private Workload(String name, Path file, List<Script> scripts) {
        this.name = name;
        this.file = file;
        this.scripts = List.copyOf(scripts);
    }

    /** pgbench's built-in TPC-B-like workload on its four tables. */
    public static Workload standard() {
        return new Workload(STANDARD, null, List.of(new Script(STANDARD, 1, List.of(), List.of())));
    }

    /** The workload's name: the file name without its extension, or "tpcb-like". */
    public String name() {
        return name;
    }

    /** The workload file, or empty for the standard workload. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    public boolean isStandard() {
        return file == null;
    }

    public List<Script> scripts() {
        return scripts;
    }

    /** The workload file's line of {@code script}'s 1-based line {@code line}, or 0 when out of range. */
    public int sourceLine(int script, int line) {
        List<Integer> lines = scripts.get(script).sourceLines();
        return line >= 1 && line <= lines.size() ? lines.get(line - 1) : 0;
    }

    /**
     * Reads a workload file.
     *
     * @throws BenchException (exit 2) naming the file and line of the first problem
     */
    public static Workload parse(Path file) {
        requireNonNull(file, "null file");
        List<String> text;
        try {
            text = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw BenchException.usage("workload file not found: " + file, "give the path of an SQL workload file");
        } catch (IOException e) {
            throw BenchException.usage("cannot read workload file " + file + ": " + e.getMessage(), null);
        }
        String fileName = file.getFileName().toString();
        String base = fileName.contains(".") ? fileName.substring(0, fileName.lastIndexOf('.')) : fileName;
        boolean headers = text.stream().anyMatch(l -> SCRIPT.matcher(l.strip()).matches());

        List<String> sharedLines = new ArrayList<>();
        List<Integer> sharedSource = new ArrayList<>();
        List<Builder> builders = new ArrayList<>();
        Builder current = headers ? null : new Builder(base, 1);
        if (current != null) {
            builders.add(current);
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < text.size(); i++) {
            int lineNo = i + 1;
            String raw = text.get(i);
            String line = raw.strip();
            Matcher script = SCRIPT.matcher(line);
            Matcher weight = WEIGHT.matcher(line);
            if (script.matches()) {
                String n = script.group(1).strip();
                if (!NAME.matcher(n).matches()) {
                    throw bad(file, lineNo, "script name '" + n + "' is not 1 to 60 letters, digits, '_', '.' or '-'");
                }
                if (!names.add(n)) {
                    throw bad(file, lineNo, "script '" + n + "' is defined twice");
                }
                current = new Builder(n, lineNo);
                builders.add(current);
            } else if (weight.matches()) {
                if (current == null) {
                    throw bad(file, lineNo, "'-- weight:' before the first '-- script:' header");
                }
                if (current.weight != null) {
                    throw bad(file, lineNo, "script '" + current.name + "' has a second weight");
                }
                String w = weight.group(1).strip();
                if (!w.matches("\\d{1,6}") || Integer.parseInt(w) < 1) {
                    throw bad(file, lineNo, "weight '" + w + "' is not a whole number from 1 to 999999");
                }
                current.weight = Integer.parseInt(w);
            } else if (line.isEmpty() || line.startsWith("--")) {
                continue; // blank lines and comments do not reach pgbench: its line numbers stay ours
            } else if (current == null) {
                if (!line.startsWith("\\set ")) {
                    throw bad(file, lineNo, "statement before the first '-- script:' header (only \\set lines may"
                            + " come before it, shared by every script)");
                }
                sharedLines.add(raw);
                sharedSource.add(lineNo);
            } else {
                current.lines.add(raw);
                current.source.add(lineNo);
                if (!line.startsWith("\\")) {
                    current.statements++;
                }
            }
        }
        if (builders.isEmpty() || builders.size() == 1 && !headers && builders.get(0).lines.isEmpty()) {
            throw bad(file, 1, "no statements");
        }
        List<Script> scripts = new ArrayList<>();
        for (Builder b : builders) {
            if (b.statements == 0) {
                throw bad(file, b.line, "script '" + b.name + "' has no SQL statement");
            }
            List<String> lines = new ArrayList<>(sharedLines);
            lines.addAll(b.lines);
            List<Integer> source = new ArrayList<>(sharedSource);
            source.addAll(b.source);
            scripts.add(new Script(b.name, b.weight == null ? 1 : b.weight, lines, source));
        }
        return new Workload(base, file, scripts);
    }

    private static BenchException bad(Path file, int line, String why) {
        return BenchException.usage(file + ":" + line + ": " + why,
                "see keel bench --help for the workload file format (-- script: NAME, -- weight: N, SQL, \\set)");
    }

    private static final class Builder {
        final String name;
        final int line;
        Integer weight;
        int statements;
        final List<String> lines = new ArrayList<>();
        final List<Integer> source = new ArrayList<>();

        Builder(String name, int line) {
            this.name = name;
            this.line = line;
        }
    }
}
