package dev.keel.core.findings;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * The findings of one run, sorted most severe first, then by rule and object, with counts per severity
 * and the exit-code rule every command shares: 1 when a finding reaches {@code --fail-on}, else 0.
 */
public final class Findings implements Iterable<Finding> {

    private static final Comparator<Finding.Location> BY_LOCATION =
            Comparator.comparing(Finding.Location::file).thenComparingInt(Finding.Location::line);

    /** Severity desc, rule, object; message and location only to make the order total. */
    static final Comparator<Finding> ORDER = Comparator.comparing(Finding::severity)
            .thenComparing(Finding::rule)
            .thenComparing(Finding::object)
            .thenComparing(Finding::message)
            .thenComparing(Finding::location, Comparator.nullsFirst(BY_LOCATION));

    private static final Findings EMPTY = new Findings(List.of());

    private final List<Finding> list;
    private final int[] counts = new int[Severity.values().length];

    private Findings(List<Finding> sorted) {
        this.list = sorted;
        for (Finding finding : sorted) {
            counts[finding.severity().ordinal()]++;
        }
    }

    public static Findings of(Collection<Finding> findings) {
        requireNonNull(findings, "null findings");
        List<Finding> sorted = new ArrayList<>(findings.size());
        for (Finding finding : findings) {
            sorted.add(requireNonNull(finding, "null finding"));
        }
        sorted.sort(ORDER);
        return new Findings(List.copyOf(sorted));
    }

    public static Findings of(Finding... findings) {
        return of(Arrays.asList(requireNonNull(findings, "null findings")));
    }

    public static Findings empty() {
        return EMPTY;
    }

    /** All findings, sorted; unmodifiable. */
    public List<Finding> list() {
        return list;
    }

    @Override
    public Iterator<Finding> iterator() {
        return list.iterator();
    }

    public int size() {
        return list.size();
    }

    public boolean isEmpty() {
        return list.isEmpty();
    }

    public int count(Severity severity) {
        return counts[requireNonNull(severity, "null severity").ordinal()];
    }

    /** The worst severity present, or empty when there are no findings. */
    public Optional<Severity> highest() {
        return list.isEmpty() ? Optional.empty() : Optional.of(list.get(0).severity());
    }

    /**
     * The process exit code for these findings: 1 when any finding is at or above {@code failOn}, else 0.
     * This is the one rule of DESIGN.md ("the command ran and found what it checks for").
     */
    public int exitCode(Severity failOn) {
        requireNonNull(failOn, "null failOn");
        return highest().filter(worst -> worst.isAtLeast(failOn)).isPresent() ? 1 : 0;
    }

    /** Only the findings at or above {@code threshold}, for a {@code --severity} display filter. */
    public Findings atLeast(Severity threshold) {
        requireNonNull(threshold, "null threshold");
        return new Findings(list.stream().filter(f -> f.severity().isAtLeast(threshold)).toList());
    }

    /** These findings and {@code other}'s together, as {@code keel check} gathers them from engines. */
    public Findings plus(Findings other) {
        requireNonNull(other, "null other");
        List<Finding> both = new ArrayList<>(list);
        both.addAll(other.list);
        return of(both);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Findings other && list.equals(other.list);
    }

    @Override
    public int hashCode() {
        return list.hashCode();
    }

    @Override
    public String toString() {
        return "Findings" + list;
    }
}
