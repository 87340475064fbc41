package dev.keel.schema.lint;

import dev.keel.core.sql.Identifiers;

/** Small helpers for writing remedies as SQL a user can paste. */
final class Sql {

    private Sql() {
    }

    /** A name as SQL needs it (quote_ident's rules: bare when plain lower case and not reserved). */
    static String ident(String name) {
        return Identifiers.quote(name);
    }

    /** The name PostgreSQL would give a constraint or index: table_columns_suffix, clipped to 63 bytes. */
    static String generatedName(String table, String columns, String suffix) {
        String base = columns == null || columns.isEmpty() ? table : table + "_" + columns;
        String name = base + "_" + suffix;
        return ident(IdentifierLength.clip(name));
    }
}
