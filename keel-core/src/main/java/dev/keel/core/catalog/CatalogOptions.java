package dev.keel.core.catalog;

import java.util.List;
import java.util.Objects;

/**
 * What {@link CatalogReader} reads.
 *
 * @param schemas    the schemas to read; empty reads every user schema but Keel's own ({@link #KEEL_SCHEMA})
 * @param statistics whether to read row estimates and sizes (they change as data changes, so leave them out
 *                   of snapshots meant for diffing)
 */
public record CatalogOptions(List<String> schemas, boolean statistics) {

    /**
     * Keel's own schema on a target: the statement and size history of {@code keel insight snapshot}. Keel's
     * bookkeeping, not the project's schema: a catalog read leaves it out unless it is named, so inspect, drift,
     * the design rules and {@code keel check} never count it.
     */
    public static final String KEEL_SCHEMA = "keel_history";

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
