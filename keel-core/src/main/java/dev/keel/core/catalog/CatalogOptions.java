package dev.keel.core.catalog;

import java.util.List;
import java.util.Objects;

/**
 * What {@link CatalogReader} reads.
 *
 * @param schemas    the schemas to read; empty reads every user schema
 * @param statistics whether to read row estimates and sizes (they change as data changes, so leave them out
 *                   of snapshots meant for diffing)
 */
public record CatalogOptions(List<String> schemas, boolean statistics) {

    public CatalogOptions {
        Objects.requireNonNull(schemas, "null schemas");
        for (String s : schemas) {
            if (s == null || s.isBlank()) {
                throw new IllegalArgumentException("schema names must not be blank: " + schemas);
            }
        }
        schemas = List.copyOf(schemas);
    }

    /** Every user schema, with statistics. */
    public static CatalogOptions defaults() {
        return new CatalogOptions(List.of(), true);
    }

    public CatalogOptions withSchemas(List<String> names) {
        return new CatalogOptions(names, statistics);
    }

    public CatalogOptions withStatistics(boolean read) {
        return new CatalogOptions(schemas, read);
    }
}
