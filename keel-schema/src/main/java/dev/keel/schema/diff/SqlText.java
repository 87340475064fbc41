package dev.keel.schema.diff;

import dev.keel.core.sql.Identifiers;
import dev.keel.core.catalog.QualifiedName;
import java.util.Set;

/**
 * Identifiers and literals as the generated DDL needs them. An identifier is left bare only when
 * {@code quote_ident} would leave it bare: plain lower case and not a keyword PostgreSQL reserves in any
 * position (reserved, column-name and type/function-name keywords).
 */
final class SqlText {

    // pg_get_keywords() where catcode <> 'U' on PostgreSQL 15, plus the JSON and MERGE words 16 and 17
    // added. Quoting a word that needs no quotes is harmless, so the list errs towards more.

    private SqlText() {
    }

    /** An identifier as SQL needs it: bare when plain lower case and not a keyword, else double-quoted. */
    static String ident(String name) {
        return Identifiers.quote(name);
    }

    static String name(String schema, String name) {
        return ident(schema) + "." + ident(name);
    }

    static String name(QualifiedName name) {
        return name(name.schema(), name.name());
    }

    /** A role as GRANT, REVOKE and CREATE POLICY name it: {@code PUBLIC} stays a keyword. */
    static String role(String role) {
        return role.equals("PUBLIC") ? "PUBLIC" : ident(role);
    }

    /** A string literal; null becomes NULL (COMMENT ... IS NULL removes a comment). */
    static String literal(String text) {
        return text == null ? "NULL" : "'" + text.replace("'", "''") + "'";
    }

    /**
     * A collation as the catalog writes it (schema-qualified unless in pg_catalog, unquoted) as SQL. The
     * catalog's collation names may themselves contain dots ({@code en_US.utf8}), so a prefix is taken for
     * a schema only when it names one of {@code schemas}.
     */
    static String collation(String collation, Set<String> schemas) {
        int dot = collation.indexOf('.');
        if (dot > 0 && schemas.contains(collation.substring(0, dot))) {
            return name(collation.substring(0, dot), collation.substring(dot + 1));
        }
        return "\"" + collation.replace("\"", "\"\"") + "\"";
    }
}
