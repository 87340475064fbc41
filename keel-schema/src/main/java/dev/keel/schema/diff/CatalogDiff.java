package dev.keel.schema.diff;

import dev.keel.core.catalog.Catalog;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Compares two catalogs, the expected schema and the actual one, and lists every difference with the DDL
 * that makes the actual database match: the engine of {@code keel drift} (migrations replayed into a
 * scratch database against the live target) and {@code keel diff --from A --to B}.
 *
 * <h2>Implementation notes</h2>
 *
 * <p><b>Identity.</b> Objects are matched by name: schemas and extensions by name; tables, views, sequences
 * and types by schema and name; columns, constraints, indexes, policies and triggers by name within their
 * table; routines by schema, name and argument <em>types</em> (names are part of the definition). A
 * renamed object is therefore one missing and one extra. Texts are compared as PostgreSQL writes them
 * ({@code format_type}, {@code pg_get_expr}, {@code pg_get_constraintdef}, {@code pg_get_indexdef},
 * {@code pg_get_viewdef}, {@code pg_get_functiondef}, {@code pg_get_triggerdef}): exact between servers of
 * one major version, possibly spelled differently across major versions.
 *
 * <p><b>Never differences.</b> Statistics (row estimates, sizes). A column's position: PostgreSQL cannot
 * reorder columns, so no DDL could fix it. Tablespaces; the grantor of a grant; whether a materialized view
 * is populated; a constraint that is NOT VALID in expected but validated in actual (the reverse is a
 * difference: VALIDATE CONSTRAINT); identity sequences on their own (their options are compared with their
 * column); roles, memberships and default privileges, which belong to the server and the roles rather
 * than to the schema.
 *
 * <p><b>Owners and privileges.</b> Owners are ignored by default ({@link Options}): a scratch database and
 * a live target have different owners. An owner's privileges on its own object are never compared, since
 * they follow the owner. Other grants are compared per grantee, privilege and grant option, but only for
 * PUBLIC and roles that exist on both servers: a grant to a role one server lacks could not be applied
 * there and is a matter for the roles, not the schema. A created object gets the grants it lacks relative
 * to what PostgreSQL gives a new object (EXECUTE to PUBLIC on functions, USAGE on types); ALTER DEFAULT
 * PRIVILEGES on the actual server is not taken into account.
 *
 * <p><b>Partitions and inheritance.</b> Partitions are tables, and their bound is compared (DETACH and
 * ATTACH fix it). A constraint, index or trigger cloned from the partitioned table is not reported when
 * the parent's differs too, nor is a column difference a partition or child shares with its parent:
 * ALTER TABLE on the parent recurses, so the parent's difference says it once. A CHECK a partition
 * inherits counts as cloned.
 *
 * <p><b>Order.</b> {@link #compare} returns differences in the order their DDL applies: first the drops
 * nothing can depend on (views, triggers, policies, foreign keys, checks, indexes); then creations and
 * changes in dependency order (schemas, extensions, enums, domains, composite types, sequences, tables,
 * columns, constraints, foreign keys, indexes, views, functions, triggers, policies, privileges); then the
 * other drops in reverse order (functions, keys, columns, tables, sequences, types, schemas). Within that
 * a statement waits for the objects it names (see {@link ApplyOrder}); ties go by object name.
 *
 * <p><b>DDL.</b> A missing table is one CREATE TABLE (or CREATE TABLE ... PARTITION OF) with its columns,
 * non-foreign-key constraints, comments and grants; its foreign keys, indexes, triggers and policies are
 * differences of their own. Columns change with ALTER COLUMN (TYPE ... USING, SET/DROP NOT NULL, SET/DROP
 * DEFAULT, identity); PostgreSQL refuses a type change under a view, so the views reading the table are
 * dropped and created again as they were around it. A generated column whose expression changes is dropped
 * and added again. A view is replaced when its columns only grow, else dropped and created, together with
 * the views that read it; an extra view a kept view still reads is dropped with CASCADE and the reader
 * created again. Functions are replaced unless their result, kind or arguments change. Enum labels are
 * added or renamed; removing or reordering them re-creates the type and converts its table columns
 * through text. Where PostgreSQL has no statement for a change (re-partitioning a table, a domain's base
 * type, aggregates) the difference has empty DDL and the detail says why. Destructive statements are
 * produced as well; the command layer decides what to run.
 */
public final class CatalogDiff {

    /**
     * What to compare besides the schema itself. Statistics are never compared.
     *
     * @param owners     compare owners and produce ALTER ... OWNER TO (default false)
     * @param privileges compare grants and produce GRANT and REVOKE (default true)
     * @param comments   compare comments and produce COMMENT ON (default true)
     */
    public record Options(boolean owners, boolean privileges, boolean comments) {

        public static Options defaults() {
            return new Options(false, true, true);
        }

        public Options withOwners(boolean compare) {
            return new Options(compare, privileges, comments);
        }

        public Options withPrivileges(boolean compare) {
            return new Options(owners, compare, comments);
        }

        public Options withComments(boolean compare) {
            return new Options(owners, privileges, compare);
        }
    }

    private CatalogDiff() {
    }

    /** The differences between {@code expected} and {@code actual} with {@link Options#defaults()}. */
    public static List<Difference> compare(Catalog expected, Catalog actual) {
        return compare(expected, actual, Options.defaults());
    }

    /** The differences between {@code expected} and {@code actual}, in the order their DDL applies. */
    public static List<Difference> compare(Catalog expected, Catalog actual, Options options) {
        Objects.requireNonNull(expected, "null expected");
        Objects.requireNonNull(actual, "null actual");
        Objects.requireNonNull(options, "null options");
        Comparison c = new Comparison(expected, actual, options);
        ViewComparison views = new ViewComparison(c);
        TableComparison tables = new TableComparison(c, views);
        views.tables(tables);
        new ObjectComparison(c, views).compare();
        tables.compare();
        views.compare();
        new RoutineComparison(c).compare();
        return List.copyOf(ApplyOrder.sort(c.steps()));
    }

    /** All the differences' DDL in list order, one statement per line group; differences without DDL are skipped. */
    public static String ddl(List<Difference> differences) {
        Objects.requireNonNull(differences, "null differences");
        return differences.stream().map(Difference::ddl).filter(d -> !d.isEmpty())
                .collect(Collectors.joining("\n"));
    }
}
