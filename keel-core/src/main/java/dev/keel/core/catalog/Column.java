package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A column of a table or view, or an attribute of a composite type.
 *
 * @param position         1-based position among the live columns (dropped columns leave no gap)
 * @param type             the type with its modifiers, as {@code format_type} writes it
 * @param defaultExpression the default, as {@code pg_get_expr} writes it; null for generated columns
 * @param identity         ALWAYS or BY_DEFAULT for identity columns, else null
 * @param generatedExpression the expression of a {@code GENERATED ALWAYS AS (...) STORED} column
 * @param collation        the collation when it is not the type's default; schema-qualified unless in
 *                         pg_catalog, unquoted
 * @param privileges       column-level grants (explicit ones only; table grants are on the table)
 */
public record Column(int position, String name, String type, boolean notNull, String defaultExpression,
                     Identity identity, String generatedExpression, String collation, String comment,
                     List<Grant> privileges) {

    /** How an identity column takes values from its sequence. */
    public enum Identity { ALWAYS, BY_DEFAULT }

    static final Comparator<Column> ORDER = Comparator.comparingInt(Column::position)
            .thenComparing(Column::name);

    public Column {
        Objects.requireNonNull(name, "null name");
        Objects.requireNonNull(type, "null type");
        privileges = Canonical.sorted(privileges, Grant.ORDER);
    }

    /** A plain column: nullable, no default, no comment. */
    public static Column of(int position, String name, String type) {
        return new Column(position, name, type, false, null, null, null, null, null, List.of());
    }
}
