package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An ordinary table, a partitioned table or a partition, with its columns, constraints, indexes and
 * row-level security policies.
 *
 * @param partitioned      true for a partitioned table (relkind p); a partition may itself be partitioned
 * @param partitionKey     of a partitioned table, e.g. {@code RANGE (payment_date)}
 * @param partitionOf      of a partition: its parent
 * @param partitionBound   of a partition, e.g. {@code FOR VALUES FROM ('2022-01-01') TO ('2022-02-01')}
 * @param inherits         parents by traditional inheritance, in declaration order (not partition parents)
 * @param options          storage parameters ({@code fillfactor=70}), sorted
 * @param tablespace       when not the database's default
 * @param rowSecurity      ALTER TABLE ... ENABLE ROW LEVEL SECURITY
 * @param forceRowSecurity ALTER TABLE ... FORCE ROW LEVEL SECURITY
 * @param privileges       effective table privileges (the owner's implicit ones included)
 * @param statistics       null unless statistics were read
 */
public record Table(String schema, String name, String owner, boolean partitioned, String partitionKey,
                    QualifiedName partitionOf, String partitionBound, List<QualifiedName> inherits,
                    boolean unlogged, List<String> options, String tablespace,
                    boolean rowSecurity, boolean forceRowSecurity, String comment,
                    List<Column> columns, List<Constraint> constraints, List<Index> indexes,
                    List<Policy> policies, List<Grant> privileges, TableStatistics statistics) {

    static final Comparator<Table> ORDER = Comparator.comparing(Table::schema).thenComparing(Table::name);

    public Table {
        Objects.requireNonNull(schema, "null schema");
        Objects.requireNonNull(name, "null name");
        inherits = Canonical.list(inherits);
        options = Canonical.sorted(options);
        columns = Canonical.sorted(columns, Column.ORDER);
        constraints = Canonical.sorted(constraints, Constraint.ORDER);
        indexes = Canonical.sorted(indexes, Index.ORDER);
        policies = Canonical.sorted(policies, Policy.ORDER);
        privileges = Canonical.sorted(privileges, Grant.ORDER);
    }

    public QualifiedName qualifiedName() {
        return new QualifiedName(schema, name);
    }

    /** True for a partition (relispartition). */
    public boolean partition() {
        return partitionOf != null;
    }

    public Optional<Column> column(String columnName) {
        return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
    }

    public Optional<Constraint> constraint(String constraintName) {
        return constraints.stream().filter(c -> c.name().equals(constraintName)).findFirst();
    }

    public Optional<Index> index(String indexName) {
        return indexes.stream().filter(i -> i.name().equals(indexName)).findFirst();
    }

    public Optional<Policy> policy(String policyName) {
        return policies.stream().filter(p -> p.name().equals(policyName)).findFirst();
    }
}
