package dev.keel.core.sql;

import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Quotes SQL identifiers the way PostgreSQL's {@code quote_ident} does: bare when the name is a plain lower-case
 * identifier that is not a reserved word, double-quoted (inner quotes doubled) otherwise. Every piece of
 * Keel that writes SQL for users (remedies, reconciling DDL, history tables) quotes through here.
 */
public final class Identifiers {

    private static final Pattern PLAIN = Pattern.compile("[a-z_][a-z0-9_$]*");

    // PostgreSQL's reserved key words (those that cannot be a column or table name), from its documentation's
    // key-word appendix, plus the type-function names that need quoting as identifiers.
    private static final Set<String> RESERVED = Set.of(
            "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "binary",
            "both", "case", "cast", "check", "collate", "collation", "column", "concurrently", "constraint", "create",
            "cross", "current_catalog", "current_date", "current_role", "current_schema", "current_time",
            "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end",
            "except", "false", "fetch", "for", "foreign", "freeze", "from", "full", "grant", "group", "having", "ilike",
            "in", "initially", "inner", "intersect", "into", "is", "isnull", "join", "lateral", "leading", "left", "like",
            "limit", "localtime", "localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or",
            "order", "outer", "overlaps", "placing", "primary", "references", "returning", "right", "select",
            "session_user", "similar", "some", "symmetric", "system_user", "table", "tablesample", "then", "to",
            "trailing", "true", "union", "unique", "user", "using", "variadic", "verbose", "when", "where", "window",
            "with");

    private Identifiers() {
    }

    /** The identifier as SQL needs it. */
    public static String quote(String name) {
        Objects.requireNonNull(name, "null name");
        if (PLAIN.matcher(name).matches() && !RESERVED.contains(name)) {
            return name;
        }
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** {@code schema.name}, each part quoted as needed. */
    public static String qualified(String schema, String name) {
        return quote(schema) + "." + quote(name);
    }

    /** A string literal: single-quoted, inner quotes doubled. */
    public static String literal(String value) {
        Objects.requireNonNull(value, "null value");
        return "'" + value.replace("'", "''") + "'";
    }
}
