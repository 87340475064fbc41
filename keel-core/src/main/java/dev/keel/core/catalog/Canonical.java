package dev.keel.core.catalog;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The canonical form of the catalog's lists: immutable, never null, and (where order carries no meaning)
 * sorted by a stable key, so that equal databases give equal models and byte-identical JSON.
 */
final class Canonical {

    static final Comparator<String> NULLS_FIRST = Comparator.nullsFirst(Comparator.<String>naturalOrder());

    private Canonical() {
    }

    /** An immutable copy keeping the given order (key columns, enum labels, inheritance parents). */
    static <T> List<T> list(List<T> items) {
        return items == null ? List.of() : List.copyOf(items);
    }

    /** An immutable copy sorted by {@code order}. */
    static <T> List<T> sorted(List<T> items, Comparator<? super T> order) {
        if (items == null || items.isEmpty()) {
            return List.of();
        }
        List<T> copy = new ArrayList<>(items);
        copy.sort(order);
        return List.copyOf(copy);
    }

    /** An immutable copy sorted by natural string order (code points, not locale). */
    static List<String> sorted(List<String> items) {
        return sorted(items, Comparator.<String>naturalOrder());
    }
}
