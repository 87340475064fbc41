package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * An index of a table or materialized view. Indexes live in their table's schema.
 *
 * @param method     the access method: btree, hash, gist, gin, brin, ...
 * @param keys       each key column or expression, as {@code pg_get_indexdef(oid, k, true)} writes it
 *                   (ordering and operator classes are in {@code definition})
 * @param include    the INCLUDE columns
 * @param predicate  the WHERE clause of a partial index
 * @param valid      false for an index left invalid, e.g. by a failed CREATE INDEX CONCURRENTLY
 * @param definition the full CREATE INDEX statement from {@code pg_get_indexdef}
 * @param constraint the primary key, unique or exclusion constraint this index enforces
 * @param parent     on a partition: the partitioned table's index this one is attached to
 */
public record Index(String name, String method, List<String> keys, List<String> include, String predicate,
                    boolean unique, boolean primary, boolean valid, String definition, String constraint,
                    QualifiedName parent, String tablespace, String comment) {

    static final Comparator<Index> ORDER = Comparator.comparing(Index::name);

    public Index {
        Objects.requireNonNull(name, "null name");
        Objects.requireNonNull(method, "null method");
        Objects.requireNonNull(definition, "null definition");
        keys = Canonical.list(keys);
        include = Canonical.list(include);
    }
}
