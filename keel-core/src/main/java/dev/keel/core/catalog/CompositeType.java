package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/** A standalone composite type ({@code CREATE TYPE ... AS (...)}), not the row type of a table. */
public record CompositeType(String schema, String name, String owner, List<Column> attributes, String comment,
                            List<Grant> privileges) {

    static final Comparator<CompositeType> ORDER = Comparator.comparing(CompositeType::schema)
            .thenComparing(CompositeType::name);

    public CompositeType {
        Objects.requireNonNull(schema, "null schema");
        Objects.requireNonNull(name, "null name");
        attributes = Canonical.sorted(attributes, Column.ORDER);
        privileges = Canonical.sorted(privileges, Grant.ORDER);
    }
}
