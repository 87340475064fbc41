package dev.keel.core.catalog;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything Keel knows about one database's user objects, read once by {@link CatalogReader} and shared
 * by every feature that needs it (diff, drift, docs, lint, audit, masking, insight). Immutable; every list
 * is in a canonical order so equal databases give equal catalogs and {@link CatalogJson} writes them
 * byte for byte the same.
 *
 * <p>Objects of {@code pg_catalog}, {@code information_schema}, {@code pg_toast} and temporary schemas, and
 * objects that belong to an extension, are left out. Indexes, constraints, columns and policies sit inside
 * their table; triggers are listed on their own with their table's name, since views carry them too.
 *
 * @param serverVersion       the server_version setting, e.g. {@code 15.10 (Debian 15.10-1)}
 * @param serverVersionNumber server_version_num, e.g. 150010
 * @param tables              ordinary and partitioned tables and partitions
 * @param views               views and materialized views
 * @param routines            functions, procedures, aggregates and window functions
 */
public record Catalog(String database, String serverVersion, int serverVersionNumber,
                      List<Schema> schemas, List<Table> tables, List<View> views, List<Sequence> sequences,
                      List<Routine> routines, List<Trigger> triggers, List<Domain> domains,
                      List<EnumType> enums, List<CompositeType> compositeTypes, List<Extension> extensions,
                      List<Role> roles, List<RoleMembership> memberships,
                      List<DefaultPrivilege> defaultPrivileges) {

    public Catalog {
        Objects.requireNonNull(database, "null database");
        Objects.requireNonNull(serverVersion, "null serverVersion");
        schemas = Canonical.sorted(schemas, Schema.ORDER);
        tables = Canonical.sorted(tables, Table.ORDER);
        views = Canonical.sorted(views, View.ORDER);
        sequences = Canonical.sorted(sequences, Sequence.ORDER);
        routines = Canonical.sorted(routines, Routine.ORDER);
        triggers = Canonical.sorted(triggers, Trigger.ORDER);
        domains = Canonical.sorted(domains, Domain.ORDER);
        enums = Canonical.sorted(enums, EnumType.ORDER);
        compositeTypes = Canonical.sorted(compositeTypes, CompositeType.ORDER);
        extensions = Canonical.sorted(extensions, Extension.ORDER);
        roles = Canonical.sorted(roles, Role.ORDER);
        memberships = Canonical.sorted(memberships, RoleMembership.ORDER);
        defaultPrivileges = Canonical.sorted(defaultPrivileges, DefaultPrivilege.ORDER);
    }

    /** How many objects of each kind the catalog holds; derived from the lists, so always consistent. */
    public CatalogCounts counts() {
        return CatalogCounts.of(this);
    }

    public Optional<Schema> schema(String name) {
        return schemas.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public Optional<Table> table(String schema, String name) {
        return tables.stream().filter(t -> t.schema().equals(schema) && t.name().equals(name)).findFirst();
    }

    public Optional<View> view(String schema, String name) {
        return views.stream().filter(v -> v.schema().equals(schema) && v.name().equals(name)).findFirst();
    }

    public Optional<Sequence> sequence(String schema, String name) {
        return sequences.stream().filter(s -> s.schema().equals(schema) && s.name().equals(name)).findFirst();
    }

    /** All overloads of a routine name in a schema. */
    public List<Routine> routines(String schema, String name) {
        return routines.stream().filter(r -> r.schema().equals(schema) && r.name().equals(name)).toList();
    }

    public Optional<Trigger> trigger(String schema, String table, String name) {
        return triggers.stream()
                .filter(t -> t.schema().equals(schema) && t.table().equals(table) && t.name().equals(name))
                .findFirst();
    }

    /** The direct partitions of a partitioned table. */
    public List<Table> partitionsOf(QualifiedName parent) {
        return tables.stream().filter(t -> parent.equals(t.partitionOf())).toList();
    }

    public Optional<Role> role(String name) {
        return roles.stream().filter(r -> r.name().equals(name)).findFirst();
    }
}
