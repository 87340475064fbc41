package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A sequence, including those behind serial and identity columns.
 *
 * @param dataType smallint, integer or bigint
 * @param ownedBy  the column it belongs to (serial, OWNED BY, identity), if any
 * @param identity true when it is the internal sequence of an identity column
 */
public record Sequence(String schema, String name, String owner, String dataType, long start, long increment,
                       long minValue, long maxValue, boolean cycle, long cache, ColumnRef ownedBy,
                       boolean identity, String comment, List<Grant> privileges) {

    static final Comparator<Sequence> ORDER = Comparator.comparing(Sequence::schema)
            .thenComparing(Sequence::name);

    public Sequence {
        Objects.requireNonNull(schema, "null schema");
        Objects.requireNonNull(name, "null name");
        privileges = Canonical.sorted(privileges, Grant.ORDER);
    }

    public QualifiedName qualifiedName() {
        return new QualifiedName(schema, name);
    }
}
