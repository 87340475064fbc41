package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/** A user schema (namespace): its owner, comment and privileges. */
public record Schema(String name, String owner, String comment, List<Grant> privileges) {

    static final Comparator<Schema> ORDER = Comparator.comparing(Schema::name);

    public Schema {
        Objects.requireNonNull(name, "null name");
        privileges = Canonical.sorted(privileges, Grant.ORDER);
    }
}
