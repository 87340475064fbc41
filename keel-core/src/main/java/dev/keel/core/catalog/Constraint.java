package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A table constraint: primary key, unique, foreign key, check or exclusion.
 *
 * @param columns           the constrained columns in key order (empty for a check on expressions only)
 * @param definition        as {@code pg_get_constraintdef} writes it, e.g. {@code FOREIGN KEY (a) REFERENCES ...}
 * @param validated         false for a constraint added {@code NOT VALID} and not validated since
 * @param referencedTable   foreign keys: the referenced table
 * @param referencedColumns foreign keys: the referenced columns in key order
 * @param onUpdate          foreign keys: the ON UPDATE action
 * @param onDelete          foreign keys: the ON DELETE action
 * @param matchType         foreign keys: MATCH SIMPLE, FULL or PARTIAL
 * @param index             primary key, unique and exclusion constraints: the index that enforces it
 * @param parent            on a partition: the partitioned table's constraint this one was cloned from
 */
public record Constraint(String name, Type type, List<String> columns, String definition,
                         boolean deferrable, boolean initiallyDeferred, boolean validated,
                         QualifiedName referencedTable, List<String> referencedColumns,
                         Action onUpdate, Action onDelete, Match matchType,
                         String index, ConstraintRef parent, String comment) {

    /** The kinds of table constraint (pg_constraint.contype p, u, f, c, x). */
    public enum Type { PRIMARY_KEY, UNIQUE, FOREIGN_KEY, CHECK, EXCLUSION }

    /** A foreign key's referential action. */
    public enum Action { NO_ACTION, RESTRICT, CASCADE, SET_NULL, SET_DEFAULT }

    /** A foreign key's match type. */
    public enum Match { SIMPLE, FULL, PARTIAL }

    // Names are unique per table except for the extra rows PostgreSQL 15+ adds for a foreign key that
    // references a partitioned table (one per referenced partition, all with the key's name).
    static final Comparator<Constraint> ORDER = Comparator.comparing(Constraint::name)
            .thenComparing(Constraint::referencedTable, QualifiedName.ORDER)
            .thenComparing(Constraint::definition);

    public Constraint {
        Objects.requireNonNull(name, "null name");
        Objects.requireNonNull(type, "null type");
        Objects.requireNonNull(definition, "null definition");
        columns = Canonical.list(columns);
        referencedColumns = Canonical.list(referencedColumns);
    }
}
