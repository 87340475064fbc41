package dev.keel.core.catalog;

/**
 * How many objects of each kind a {@link Catalog} holds. Every count is over the catalog's own lists, so
 * with a schema filter it counts the filtered set; extensions and roles belong to the database or server,
 * not to a schema, and are always counted in full.
 *
 * <ul>
 *   <li>{@code schemas}: user schemas, {@code public} included; not pg_catalog, information_schema,
 *       pg_toast, pg_temp_N, pg_toast_temp_N, nor schemas created by an extension</li>
 *   <li>{@code tables}: relkind r and p that are not partitions (relispartition false)</li>
 *   <li>{@code partitions}: tables with relispartition true (a partitioned partition counts here only)</li>
 *   <li>{@code views}: relkind v; {@code materializedViews}: relkind m</li>
 *   <li>{@code sequences}: relkind S, identity and serial sequences included</li>
 *   <li>{@code indexes}: every index on a user table, partition or materialized view, the ones behind
 *       primary keys and unique constraints included</li>
 *   <li>{@code constraints}: every pg_constraint row of contype p, u, f, c, x on a user table or partition
 *       (cloned partition constraints included); {@code foreignKeys}: those of contype f</li>
 *   <li>{@code functions}: prokind f and w; {@code procedures}: prokind p; {@code aggregates}: prokind a</li>
 *   <li>{@code triggers}: pg_trigger rows with tgisinternal false (so not the foreign-key triggers)</li>
 *   <li>{@code domains}: typtype d; {@code enums}: typtype e; {@code compositeTypes}: typtype c whose
 *       relation has relkind c (standalone composite types, not table row types)</li>
 *   <li>{@code extensions}: every row of pg_extension, plpgsql included</li>
 *   <li>{@code roles}: roles not named {@code pg_*}</li>
 *   <li>{@code policies}: row-level security policies on user tables</li>
 *   <li>{@code columns}: live columns of tables and partitions (not of views or types)</li>
 * </ul>
 * Objects that belong to an extension (pg_depend deptype e) are not counted.
 */
public record CatalogCounts(int schemas, int tables, int partitions, int views, int materializedViews,
                            int sequences, int indexes, int constraints, int foreignKeys, int functions,
                            int procedures, int aggregates, int triggers, int domains, int enums,
                            int compositeTypes, int extensions, int roles, int policies, int columns) {

    static CatalogCounts of(Catalog catalog) {
        int tables = 0;
        int partitions = 0;
        int indexes = 0;
        int constraints = 0;
        int foreignKeys = 0;
        int policies = 0;
        int columns = 0;
        for (Table t : catalog.tables()) {
            if (t.partition()) {
                partitions++;
            } else {
                tables++;
            }
            indexes += t.indexes().size();
            constraints += t.constraints().size();
            foreignKeys += (int) t.constraints().stream()
                    .filter(c -> c.type() == Constraint.Type.FOREIGN_KEY).count();
            policies += t.policies().size();
            columns += t.columns().size();
        }
        int views = 0;
        int materializedViews = 0;
        for (View v : catalog.views()) {
            if (v.materialized()) {
                materializedViews++;
                indexes += v.indexes().size();
            } else {
                views++;
            }
        }
        int functions = 0;
        int procedures = 0;
        int aggregates = 0;
        for (Routine r : catalog.routines()) {
            switch (r.kind()) {
                case FUNCTION, WINDOW -> functions++;
                case PROCEDURE -> procedures++;
                case AGGREGATE -> aggregates++;
            }
        }
        return new CatalogCounts(catalog.schemas().size(), tables, partitions, views, materializedViews,
                catalog.sequences().size(), indexes, constraints, foreignKeys, functions, procedures, aggregates,
                catalog.triggers().size(), catalog.domains().size(), catalog.enums().size(),
                catalog.compositeTypes().size(), catalog.extensions().size(), catalog.roles().size(), policies,
                columns);
    }
}
