package dev.keel.core.findings;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One thing a check found about one database object: what rule, how bad, what to do about it, and the
 * facts it rests on. Lint, audit, insight, quality, drift and {@code keel check} all report these, so
 * one set of renderers and one exit-code rule serve them all.
 *
 * @param rule     a stable rule id, category first: "design.no-primary-key"
 * @param severity how much it matters
 * @param object   the qualified object name: "public.orders", "public.orders.created_at"
 * @param message  one or two sentences a user reads
 * @param remedy   what to do, ideally SQL that runs as written; empty when Keel has no remedy to offer
 * @param evidence the facts the finding rests on (rows, size, lockMode, ...), in the order given; values
 *                 should be strings, numbers, booleans or lists/maps of them (anything else is rendered
 *                 with {@code toString()}); an unmodifiable copy
 * @param location where in a file the finding points, or null when it is about a live object only
 */
public record Finding(
        String rule,
        Severity severity,
        String object,
        String message,
        String remedy,
        Map<String, Object> evidence,
        Location location) {

    /**
     * A place in a file a finding points at, such as a statement in a migration.
     *
     * @param file the path as the user would type it, relative to the project where possible
     * @param line the 1-based line, or 0 when the finding is about the whole file
     */
    public record Location(String file, int line) {
        public Location {
            requireNonNull(file, "null file");
            if (file.isBlank()) {
                throw new IllegalArgumentException("blank file");
            }
            if (line < 0) {
                throw new IllegalArgumentException("line must be 0 (whole file) or more, was " + line);
            }
        }
    }

    public Finding {
        requireNonNull(rule, "null rule");
        requireNonNull(severity, "null severity");
        requireNonNull(object, "null object");
        requireNonNull(message, "null message");
        if (rule.isBlank()) {
            throw new IllegalArgumentException("blank rule");
        }
        remedy = remedy == null ? "" : remedy;
        evidence = copyOf(evidence == null ? Map.of() : evidence);
    }

    /** A finding without evidence or location; add those with {@link #withEvidence} and {@link #at}. */
    public static Finding of(String rule, Severity severity, String object, String message, String remedy) {
        return new Finding(rule, severity, object, message, remedy, Map.of(), null);
    }

    /** A copy with one more fact; an existing key keeps its position and takes the new value. */
    public Finding withEvidence(String key, Object value) {
        requireNonNull(key, "null evidence key");
        Map<String, Object> more = new LinkedHashMap<>(evidence);
        more.put(key, value);
        return new Finding(rule, severity, object, message, remedy, more, location);
    }

    /** A copy pointing at a file and line (0 for the whole file). */
    public Finding at(String file, int line) {
        return new Finding(rule, severity, object, message, remedy, evidence, new Location(file, line));
    }

    private static Map<String, Object> copyOf(Map<String, ?> evidence) {
        Map<String, Object> copy = new LinkedHashMap<>();
        evidence.forEach((key, value) -> copy.put(requireNonNull(key, "null evidence key"), value));
        return Collections.unmodifiableMap(copy);
    }
}
