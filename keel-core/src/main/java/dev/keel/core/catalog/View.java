package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A view or a materialized view.
 *
 * @param definition the query, as {@code pg_get_viewdef(oid, true)} writes it
 * @param populated  materialized views: false after {@code WITH NO DATA} until refreshed; views: true
 * @param options    view options ({@code security_barrier=true}, {@code check_option=local}), sorted
 * @param indexes    materialized views only
 * @param statistics materialized views only, and only when statistics were read
 */
public record View(String schema, String name, String owner, boolean materialized, boolean populated,
                   String definition, List<String> options, String tablespace, String comment,
                   List<Column> columns, List<Index> indexes, List<Grant> privileges,
                   TableStatistics statistics) {

    static final Comparator<View> ORDER = Comparator.comparing(View::schema).thenComparing(View::name);

    public View {
        Objects.requireNonNull(schema, "null schema");
        Objects.requireNonNull(name, "null name");
        options = Canonical.sorted(options);
        columns = Canonical.sorted(columns, Column.ORDER);
        indexes = Canonical.sorted(indexes, Index.ORDER);
        privileges = Canonical.sorted(privileges, Grant.ORDER);
    }

    public QualifiedName qualifiedName() {
        return new QualifiedName(schema, name);
    }

    public Optional<Column> column(String columnName) {
        return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
    }
}
