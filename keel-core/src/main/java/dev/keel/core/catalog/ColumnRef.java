package dev.keel.core.catalog;

import java.util.Objects;

/** A column of a table, named from elsewhere in the catalog (a sequence's owning column). */
public record ColumnRef(String schema, String table, String column) {

    public ColumnRef {
        Objects.requireNonNull(schema, "null schema");
        Objects.requireNonNull(table, "null table");
        Objects.requireNonNull(column, "null column");
    }

    @Override
    public String toString() {
        return schema + "." + table + "." + column;
    }
}
