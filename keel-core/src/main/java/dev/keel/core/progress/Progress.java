package dev.keel.core.progress;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * Reports how far long work has got (backups, restores, data generation, big inspections) on stderr: a
 * live bar on a terminal, a line every few seconds in CI, or nothing. Safe to advance from many threads;
 * {@link #close()} prints the final line, such as "inspect: 10,000 tables in 3.2 s (3,125/s)".
 *
 * <pre>{@code
 * try (Progress progress = Progress.start("backup", size, Progress.Unit.BYTES, output)) {
 *     ... progress.advance(chunk.length); ...
 * }
 * }</pre>
 */
public interface Progress extends AutoCloseable {

    /**
     * Starts reporting a task.
     *
     * @param task  a short name shown at the start of every line: "backup", "inspect"
     * @param total the amount of work when known, or -1 when it is not
     * @param unit  what is counted
     * @param out   where and how to report
     */
    static Progress start(String task, long total, Unit unit, ProgressOutput out) {
        requireNonNull(task, "null task");
        requireNonNull(unit, "null unit");
        requireNonNull(out, "null out");
        if (task.isBlank()) {
            throw new IllegalArgumentException("blank task");
        }
        if (total < -1) {
            throw new IllegalArgumentException("total must be -1 (unknown) or more, was " + total);
        }
        return switch (out.mode()) {
            case BAR -> new BarProgress(task, total, unit, out).started();
            case PLAIN -> new PlainProgress(task, total, unit, out).started();
            case OFF -> new SilentProgress();
        };
    }

    /** Progress that reports nothing, for library callers that show none. */
    static Progress silent() {
        return new SilentProgress();
    }

    /** Adds {@code n} (0 or more) to the amount done. */
    void advance(long n);

    /** Sets the amount done, for work that knows its position (bytes written so far). */
    void set(long done);

    /** Status text shown after the numbers ("copying public.orders"); an empty string clears it. */
    void message(String status);

    /** Prints the final line; later calls to any method do nothing visible. Idempotent. */
    @Override
    void close();

    /** What a task counts: items of some noun, or bytes (shown as KiB, MiB, GiB). */
    final class Unit {

        /** Items, with the noun "items". */
        public static final Unit COUNT = new Unit("items", false);
        /** Bytes, shown in binary multiples: "1.5 KiB", "85.3 MiB". */
        public static final Unit BYTES = new Unit("bytes", true);

        private static final String[] BINARY = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

        private final String noun;
        private final boolean bytes;

        private Unit(String noun, boolean bytes) {
            this.noun = noun;
            this.bytes = bytes;
        }

        /** Items with a noun of their own: {@code Unit.count("tables")} prints "10,000 tables". */
        public static Unit count(String noun) {
            requireNonNull(noun, "null noun");
            if (noun.isBlank()) {
                throw new IllegalArgumentException("blank noun");
            }
            return new Unit(noun.strip(), false);
        }

        public String noun() {
            return noun;
        }

        boolean isBytes() {
            return bytes;
        }

        /** An amount as people read it: "10,000" for counts, "1.5 KiB" for bytes. */
        public String format(long amount) {
            return bytes ? formatBytes(amount) : String.format(Locale.ROOT, "%,d", amount);
        }

        /** An amount with its noun: "10,000 tables"; bytes carry their unit already ("1.5 KiB"). */
        String formatWithNoun(long amount) {
            return bytes ? formatBytes(amount) : format(amount) + " " + noun;
        }

        /** A rate: "3,125/s", "2.5/s", "85.3 MiB/s". */
        String formatRate(double perSecond) {
            if (bytes) {
                return formatBytes(Math.round(perSecond)) + "/s";
            }
            return perSecond < 10
                    ? String.format(Locale.ROOT, "%.1f/s", perSecond)
                    : String.format(Locale.ROOT, "%,d/s", Math.round(perSecond));
        }

        static String formatBytes(long amount) {
            if (Math.abs(amount) < 1024) {
                return amount + " B";
            }
            double value = amount;
            int unit = 0;
            // Divide until the value, rounded to one decimal as printed, is below 1024.
            while (unit < BINARY.length - 1 && Math.abs(Math.round(value * 10) / 10.0) >= 1024) {
                value /= 1024;
                unit++;
            }
            return String.format(Locale.ROOT, "%.1f %s", value, BINARY[unit]);
        }

        @Override
        public String toString() {
            return bytes ? "BYTES" : "COUNT(" + noun + ")";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Unit other && bytes == other.bytes && noun.equals(other.noun);
        }

        @Override
        public int hashCode() {
            return noun.hashCode() * 31 + Boolean.hashCode(bytes);
        }
    }
}
