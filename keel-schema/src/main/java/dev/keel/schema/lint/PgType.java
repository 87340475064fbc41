package dev.keel.schema.lint;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A column type reduced to what the type-change rule needs: the base type under one canonical name
 * ("varchar" for character varying, "integer" for int4, "timestamptz" for timestamp with time zone),
 * its modifiers and its array dimensions. Read from the type's tokens in a statement, or from
 * {@code format_type} text from the catalog.
 *
 * <p>{@link #change} knows which changes PostgreSQL makes without rewriting the table, because the old
 * values are valid as they are (a binary-coercible cast whose length or precision check can be skipped):
 * the rules in ATColumnChangeRequiresRewrite and the varchar, numeric, varbit and timestamp support
 * functions that simplify length coercions away when the new modifier is no smaller.
 */
record PgType(String base, List<Integer> mods, int arrayDims) {

    /** What changing a column from one type to another costs. */
    enum Change { NONE, NONE_IF_UTC, REWRITE, UNKNOWN }

    /** Built-in types whose casts are all understood here; anything else is a domain, enum or extension type. */
    private static final Set<String> BUILT_IN = Set.of("smallint", "integer", "bigint", "smallserial", "serial",
            "bigserial", "real", "double precision", "numeric", "money", "boolean", "uuid", "json", "jsonb", "date",
            "bytea", "char", "varchar", "text", "bit", "varbit", "timestamp", "timestamptz", "time", "timetz",
            "interval", "inet", "cidr", "macaddr", "macaddr8", "xml", "oid", "point", "tsvector");

    /** Targets that no other type reaches without a rewrite (only themselves, which is a no-op change). */
    private static final Set<String> ALWAYS_REWRITTEN_TO = Set.of("smallint", "integer", "bigint", "real",
            "double precision", "money", "boolean", "uuid", "json", "jsonb", "date", "bytea", "char", "bit",
            "macaddr", "macaddr8", "point", "tsvector");

    private static final Set<String> WITH_PRECISION = Set.of("timestamp", "timestamptz", "time", "timetz", "interval");

    PgType {
        mods = List.copyOf(mods);
    }

    /** Parses format_type text such as "character varying(40)" or "timestamp(3) without time zone"; null if empty. */
    static PgType parse(String text) {
        List<Token> tokens = SqlTokenizer.tokenize(text).tokens();
        return parse(new Cursor(tokens));
    }

    /** Reads a type from the cursor, which should hold only the type's tokens; null when there is none. */
    static PgType parse(Cursor c) {
        Token first = c.peek();
        if (first == null || !first.isIdentifier()) {
            return null;
        }
        String base;
        if (first.kind() == Token.Kind.QUOTED_IDENTIFIER && !(c.peek(1) != null && c.peek(1).is("."))) {
            c.next();
            base = '"' + first.text() + '"';
        } else {
            Cursor.Name name = c.name();
            boolean builtInSchema = name.schema() == null || name.schema().equals("pg_catalog");
            base = builtInSchema ? canonical(name.name(), c) : name.schema() + "." + name.name();
        }
        List<Integer> mods = new ArrayList<>();
        if (c.peekIs("(")) {
            mods = numbers(c.group());
        }
        if (WITH_PRECISION.contains(base)) {
            // TIMESTAMP(3) WITH TIME ZONE: the zone words follow the precision
            if (c.accept("WITH", "TIME", "ZONE")) {
                base = base.startsWith("timestamp") ? "timestamptz" : "timetz";
            } else {
                c.accept("WITHOUT", "TIME", "ZONE");
            }
            if (base.equals("interval")) {
                while (c.peek() != null && c.peek().isWord() && !c.peekIs("ARRAY")) {
                    c.next(); // interval fields: YEAR TO MONTH, ...
                }
                if (c.peekIs("(")) {
                    mods = numbers(c.group());
                }
            }
        }
        if (base.equals("float")) {
            base = !mods.isEmpty() && mods.get(0) <= 24 ? "real" : "double precision";
            mods = List.of();
        }
        int dims = 0;
        while (c.peekIs("[")) {
            int before = c.position();
            c.skipGroup();
            dims++;
            if (c.position() == before) {
                break;
            }
        }
        if (c.accept("ARRAY")) {
            c.skipGroup();
            dims = Math.max(dims, 1);
        }
        return new PgType(base, mods, dims);
    }

    /** The canonical name of a built-in type spelled {@code word}, reading the rest of a multi-word name. */
    private static String canonical(String word, Cursor c) {
        return switch (word) {
            case "int", "integer", "int4" -> "integer";
            case "bigint", "int8" -> "bigint";
            case "smallint", "int2" -> "smallint";
            case "serial", "serial4" -> "serial";
            case "bigserial", "serial8" -> "bigserial";
            case "smallserial", "serial2" -> "smallserial";
            case "decimal", "numeric" -> "numeric";
            case "float4", "real" -> "real";
            case "float8" -> "double precision";
            case "double" -> c.accept("PRECISION") ? "double precision" : "double";
            case "bool", "boolean" -> "boolean";
            case "varchar" -> "varchar";
            case "character", "char", "nchar", "bpchar" -> c.accept("VARYING") ? "varchar" : "char";
            case "national" -> {
                c.accept("CHARACTER");
                c.accept("CHAR");
                yield c.accept("VARYING") ? "varchar" : "char";
            }
            case "bit" -> c.accept("VARYING") ? "varbit" : "bit";
            case "varbit" -> "varbit";
            case "timestamptz" -> "timestamptz";
            case "timetz" -> "timetz";
            default -> word;
        };
    }

    private static List<Integer> numbers(Cursor group) {
        List<Integer> numbers = new ArrayList<>();
        for (Cursor part : group.splitTopLevel(",")) {
            Token token = part.peek();
            if (token == null || token.kind() != Token.Kind.NUMBER) {
                return List.of();
            }
            try {
                numbers.add(Integer.parseInt(token.text()));
            } catch (NumberFormatException e) {
                return List.of();
            }
        }
        return numbers;
    }

    boolean isBuiltIn() {
        return BUILT_IN.contains(base);
    }

    boolean isArray() {
        return arrayDims > 0;
    }

    /** The type as SQL: "varchar(20)", "numeric(12,2)", "integer[]". */
    String sql() {
        StringBuilder sql = new StringBuilder(base);
        if (!mods.isEmpty()) {
            sql.append('(');
            for (int i = 0; i < mods.size(); i++) {
                sql.append(i > 0 ? "," : "").append(mods.get(i));
            }
            sql.append(')');
        }
        sql.append("[]".repeat(arrayDims));
        return sql.toString();
    }

    /**
     * What changing a column from {@code from} (null when unknown) to {@code to} costs on this major.
     * UNKNOWN when the answer depends on a type Keel does not know.
     */
    static Change change(PgType from, PgType to, int pgMajor) {
        if (from == null) {
            return !to.isArray() && ALWAYS_REWRITTEN_TO.contains(to.base()) ? Change.REWRITE : Change.UNKNOWN;
        }
        if (from.equals(to)) {
            return Change.NONE;
        }
        if (from.isArray() || to.isArray()) {
            return from.arrayDims != to.arrayDims ? Change.REWRITE : Change.UNKNOWN;
        }
        if (!from.isBuiltIn() || !to.isBuiltIn()) {
            boolean citext = to.base().equals("citext") && (from.base().equals("text") || from.base().equals("varchar"));
            return citext ? Change.NONE : Change.UNKNOWN;
        }
        String a = from.base();
        String b = to.base();
        if ((a.equals("varchar") || a.equals("text")) && b.equals("text")) {
            return Change.NONE;
        }
        if ((a.equals("varchar") || a.equals("text")) && b.equals("varchar")) {
            return noSmaller(a.equals("text") ? List.of() : from.mods, to.mods, 0) ? Change.NONE : Change.REWRITE;
        }
        if (a.equals("numeric") && b.equals("numeric")) {
            if (to.mods.isEmpty()) {
                return Change.NONE;
            }
            boolean sameScale = !from.mods.isEmpty() && scale(from) == scale(to);
            return sameScale && to.mods.get(0) >= from.mods.get(0) ? Change.NONE : Change.REWRITE;
        }
        if ((a.equals("varbit") || a.equals("bit")) && b.equals("varbit")) {
            if (to.mods.isEmpty()) {
                return Change.NONE;
            }
            return a.equals("varbit") && noSmaller(from.mods, to.mods, 0) ? Change.NONE : Change.REWRITE;
        }
        if (a.equals(b) && WITH_PRECISION.contains(a)) {
            return noSmaller(from.mods, to.mods, 0) ? Change.NONE : Change.REWRITE;
        }
        if ((a.equals("timestamp") && b.equals("timestamptz")) || (a.equals("timestamptz") && b.equals("timestamp"))) {
            return pgMajor >= 12 && noSmaller(from.mods, to.mods, 0) ? Change.NONE_IF_UTC : Change.REWRITE;
        }
        if (a.equals("cidr") && b.equals("inet")) {
            return Change.NONE;
        }
        return Change.REWRITE;
    }

    /** True when the new modifier at {@code index} is absent (unbounded) or at least the old one. */
    private static boolean noSmaller(List<Integer> from, List<Integer> to, int index) {
        if (to.size() <= index) {
            return true;
        }
        return from.size() > index && to.get(index) >= from.get(index);
    }

    private static int scale(PgType numeric) {
        return numeric.mods.size() > 1 ? numeric.mods.get(1) : 0;
    }
}
