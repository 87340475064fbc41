package dev.keel.schema.migrate;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A migration version as Flyway reads it: numbers separated by dots or underscores ({@code 1}, {@code 1.2},
 * {@code 2_1} = 2.1, {@code 20261125.1}), compared part by part numerically, trailing zeros ignored
 * ({@code 1.0} = {@code 1}). Its text form uses dots, as Flyway stores it in the history table.
 */
public record MigrationVersion(List<BigInteger> parts) implements Comparable<MigrationVersion> {

    public MigrationVersion {
        parts = List.copyOf(Objects.requireNonNull(parts, "null parts"));
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a version needs at least one number");
        }
    }

    /** Parses "1.2", "1_2" or "20261125"; throws IllegalArgumentException for anything else. */
    public static MigrationVersion parse(String text) {
        Objects.requireNonNull(text, "null version");
        String t = text.strip().replace('_', '.');
        if (t.isEmpty() || !t.matches("\\d+(\\.\\d+)*")) {
            throw new IllegalArgumentException("not a version: '" + text + "' (expected numbers separated by dots, e.g. 1.2)");
        }
        List<BigInteger> parts = new ArrayList<>();
        for (String p : t.split("\\.")) {
            parts.add(new BigInteger(p));
        }
        return new MigrationVersion(parts);
    }

    @Override
    public int compareTo(MigrationVersion other) {
        int n = Math.max(parts.size(), other.parts.size());
        for (int i = 0; i < n; i++) {
            BigInteger a = i < parts.size() ? parts.get(i) : BigInteger.ZERO;
            BigInteger b = i < other.parts.size() ? other.parts.get(i) : BigInteger.ZERO;
            int c = a.compareTo(b);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    /** Equal by value: 1.0 equals 1. */
    @Override
    public boolean equals(Object o) {
        return o instanceof MigrationVersion v && compareTo(v) == 0;
    }

    @Override
    public int hashCode() {
        int end = parts.size();
        while (end > 1 && parts.get(end - 1).signum() == 0) {
            end--;
        }
        return parts.subList(0, end).hashCode();
    }

    /** The next major version: 7.3 → 8. */
    public MigrationVersion nextMajor() {
        return new MigrationVersion(List.of(parts.get(0).add(BigInteger.ONE)));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (BigInteger p : parts) {
            sb.append(sb.length() == 0 ? "" : ".").append(p);
        }
        return sb.toString();
    }
}
