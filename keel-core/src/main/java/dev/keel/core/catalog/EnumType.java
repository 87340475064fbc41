package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/** An enum type; {@code labels} are in the type's sort order, which is its meaning, not alphabetical. */
public record EnumType(String schema, String name, String owner, List<String> labels, String comment,
                       List<Grant> privileges) {

    static final Comparator<EnumType> ORDER = Comparator.comparing(EnumType::schema)
            .thenComparing(EnumType::name);

    public EnumType {
        Objects.requireNonNull(schema, "null schema");
        Objects.requireNonNull(name, "null name");
        labels = Canonical.list(labels);
        privileges = Canonical.sorted(privileges, Grant.ORDER);
    }
}
