package dev.keel.schema.diff;

import dev.keel.core.catalog.QualifiedName;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Identifiers and literals as the generated DDL needs them. An identifier is left bare only when
 * {@code quote_ident} would leave it bare: plain lower case and not a keyword PostgreSQL reserves in any
 * position (reserved, column-name and type/function-name keywords).
 */
final class SqlText {

    private static final Pattern PLAIN = Pattern.compile("[a-z_][a-z0-9_]*");

    // pg_get_keywords() where catcode <> 'U' on PostgreSQL 15, plus the JSON and MERGE words 16 and 17
    // added. Quoting a word that needs no quotes is harmless, so the list errs towards more.
    private static final Set<String> KEYWORDS = Set.of(
            "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization",
            "between", "bigint", "binary", "bit", "boolean", "both", "case", "cast", "char", "character", "check",
            "coalesce", "collate", "collation", "column", "concurrently", "constraint", "create", "cross",
            "current_catalog", "current_date", "current_role", "current_schema", "current_time",
            "current_timestamp", "current_user", "dec", "decimal", "default", "deferrable", "desc", "distinct",
            "do", "else", "end", "except", "exists", "extract", "false", "fetch", "float", "for", "foreign",
            "freeze", "from", "full", "grant", "greatest", "group", "grouping", "having", "ilike", "in",
            "initially", "inner", "inout", "int", "integer", "intersect", "interval", "into", "is", "isnull",
            "join", "json", "json_array", "json_arrayagg", "json_exists", "json_object", "json_objectagg",
            "json_query", "json_scalar", "json_serialize", "json_table", "json_value", "lateral", "leading",
            "least", "left", "like", "limit", "localtime", "localtimestamp", "merge_action", "national",
            "natural", "nchar", "none", "normalize", "not", "notnull", "null", "nullif", "numeric", "offset",
            "on", "only", "or", "order", "out", "outer", "overlaps", "overlay", "placing", "position",
            "precision", "primary", "real", "references", "returning", "right", "row", "select", "session_user",
            "setof", "similar", "smallint", "some", "substring", "symmetric", "system_user", "table",
            "tablesample", "then", "time", "timestamp", "to", "trailing", "treat", "trim", "true", "union",
            "unique", "user", "using", "values", "varchar", "variadic", "verbose", "when", "where", "window",
            "with", "xmlattributes", "xmlconcat", "xmlelement", "xmlexists", "xmlforest", "xmlnamespaces",
            "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmltable");

    private SqlText() {
    }

    /** An identifier as SQL needs it: bare when plain lower case and not a keyword, else double-quoted. */
    static String ident(String name) {
        return PLAIN.matcher(name).matches() && !KEYWORDS.contains(name)
                ? name : "\"" + name.replace("\"", "\"\"") + "\"";
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
