package dev.keel.core.catalog;

import java.util.Objects;

/** A constraint of a table, named from elsewhere: the parent a partition's cloned constraint comes from. */
public record ConstraintRef(String schema, String table, String name) {

    public ConstraintRef {
        Objects.requireNonNull(schema, "null schema");
        Objects.requireNonNull(table, "null table");
        Objects.requireNonNull(name, "null name");
    }

    @Override
    public String toString() {
        return schema + "." + table + "." + name;
    }
}
