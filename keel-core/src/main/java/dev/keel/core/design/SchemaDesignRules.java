package dev.keel.core.design;

import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.Column;
import dev.keel.core.catalog.Constraint;
import dev.keel.core.catalog.Index;
import dev.keel.core.catalog.Sequence;
import dev.keel.core.catalog.Table;
import dev.keel.core.catalog.View;
import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Findings;
import dev.keel.core.findings.Severity;
import dev.keel.core.sql.Identifiers;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Schema-design rules over the catalog: the patterns the blueprint's schema-design section asks for
 * (every table keyed, foreign keys indexed, time zones kept, identity over serial, snake_case names).
 * Partitions are judged through their partitioned parent, so one smell is reported once.
 */
public final class SchemaDesignRules {

    public static final String NO_PRIMARY_KEY = "design.no-primary-key";
    public static final String FK_WITHOUT_INDEX = "design.fk-without-index";
    public static final String TIMESTAMP_WITHOUT_TIME_ZONE = "design.timestamp-without-time-zone";
    public static final String SERIAL_COLUMN = "design.serial-column";
    public static final String NOT_SNAKE_CASE = "design.not-snake-case";

    private static final Pattern SNAKE_CASE = Pattern.compile("[a-z_][a-z0-9_]*");
    private static final Pattern NEXTVAL = Pattern.compile("nextval\\('([^']+)'::regclass\\)");

    private SchemaDesignRules() {
    }

    /** Every finding of every rule for the catalog. */
    public static Findings check(Catalog catalog) {
        return check(catalog, java.util.Set.of());
    }

    /**
     * Every finding for the catalog, leaving out tables with the given names in any schema (the migration
     * history table and its companion, which belong to the tools, not to the schema's design).
     */
    public static Findings check(Catalog catalog, java.util.Set<String> ignoredTables) {
        List<Finding> out = new ArrayList<>();
        for (Table t : catalog.tables()) {
            if (t.partition() || ignoredTables.contains(t.name())) {
                continue;
            }
            noPrimaryKey(t, out);
            foreignKeysWithoutIndex(t, out);
            for (Column c : t.columns()) {
                timestampWithoutTimeZone(t, c, out);
                serial(catalog, t, c, out);
                name(t.schema() + "." + t.name() + "." + c.name(), "column", c.name(),
                        "ALTER TABLE " + ident(t) + " RENAME COLUMN " + quote(c.name()) + " TO " + snake(c.name()) + ";", out);
            }
            name(t.schema() + "." + t.name(), "table", t.name(),
                    "ALTER TABLE " + ident(t) + " RENAME TO " + snake(t.name()) + ";", out);
        }
        for (View v : catalog.views()) {
            name(v.schema() + "." + v.name(), v.materialized() ? "materialized view" : "view", v.name(),
                    "ALTER " + (v.materialized() ? "MATERIALIZED VIEW " : "VIEW ") + quote(v.schema()) + "."
                            + quote(v.name()) + " RENAME TO " + snake(v.name()) + ";", out);
        }
        return Findings.of(out);
    }

    private static void noPrimaryKey(Table t, List<Finding> out) {
        boolean hasPk = t.constraints().stream().anyMatch(c -> c.type() == Constraint.Type.PRIMARY_KEY);
        if (hasPk) {
            return;
        }
        boolean hasUniqueNotNull = t.constraints().stream()
                .filter(c -> c.type() == Constraint.Type.UNIQUE)
                .anyMatch(c -> c.columns().stream().allMatch(col -> t.column(col).map(Column::notNull).orElse(false)));
        Finding f = Finding.of(NO_PRIMARY_KEY, Severity.ERROR, t.schema() + "." + t.name(),
                "Table has no primary key: rows cannot be addressed one by one, and logical replication and CDC "
                        + "cannot send its updates and deletes" + (hasUniqueNotNull ? " (it has a NOT NULL unique key that could be promoted)." : "."),
                "ALTER TABLE " + ident(t) + " ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;");
        out.add(withRows(f, t));
    }

    private static void foreignKeysWithoutIndex(Table t, List<Finding> out) {
        for (Constraint fk : t.constraints()) {
            if (fk.type() != Constraint.Type.FOREIGN_KEY || fk.parent() != null || fk.columns().isEmpty()) {
                continue;
            }
            if (t.indexes().stream().anyMatch(i -> covers(i, fk.columns()))) {
                continue;
            }
            String cols = String.join(", ", fk.columns().stream().map(SchemaDesignRules::quote).toList());
            Finding f = Finding.of(FK_WITHOUT_INDEX, Severity.WARNING, t.schema() + "." + t.name() + "." + fk.name(),
                    "Foreign key (" + String.join(", ", fk.columns()) + ") → " + fk.referencedTable()
                            + " has no index starting with its columns: deletes and updates of the referenced rows "
                            + "scan this table, and joins on the key cannot use an index.",
                    "CREATE INDEX " + (t.partitioned() ? "" : "CONCURRENTLY ") + "ON " + ident(t) + " (" + cols + ");")
                    .withEvidence("columns", fk.columns())
                    .withEvidence("references", fk.referencedTable().toString());
            out.add(withRows(f, t));
        }
    }

    /** True when the index's leading key columns are exactly the foreign key's columns, in any order. */
    static boolean covers(Index index, List<String> columns) {
        if (!index.valid() || index.predicate() != null || index.keys().size() < columns.size()) {
            return false;
        }
        List<String> leading = index.keys().subList(0, columns.size()).stream().map(SchemaDesignRules::unquote).toList();
        return leading.containsAll(columns) && columns.containsAll(leading);
    }

    private static void timestampWithoutTimeZone(Table t, Column c, List<Finding> out) {
        String type = c.type().toLowerCase(Locale.ROOT);
        if (!type.startsWith("timestamp") || !type.contains("without time zone")) {
            return;
        }
        out.add(Finding.of(TIMESTAMP_WITHOUT_TIME_ZONE, Severity.WARNING, t.schema() + "." + t.name() + "." + c.name(),
                "Column is " + c.type() + ": the values carry no time zone, so they shift meaning when a client's or "
                        + "server's TimeZone differs. Use timestamptz.",
                "ALTER TABLE " + ident(t) + " ALTER COLUMN " + quote(c.name()) + " TYPE timestamptz USING "
                        + quote(c.name()) + " AT TIME ZONE 'UTC';  -- rewrites the table: plan a window")
                .withEvidence("type", c.type()));
    }

    private static void serial(Catalog catalog, Table t, Column c, List<Finding> out) {
        if (c.identity() != null || c.defaultExpression() == null) {
            return;
        }
        var m = NEXTVAL.matcher(c.defaultExpression());
        if (!m.find()) {
            return;
        }
        Optional<Sequence> seq = ownedSequence(catalog, t, c);
        if (seq.isEmpty()) {
            return; // a shared sequence or one owned elsewhere is a deliberate design, not serial
        }
        String seqName = seq.get().schema() + "." + seq.get().name();
        out.add(Finding.of(SERIAL_COLUMN, Severity.WARNING, t.schema() + "." + t.name() + "." + c.name(),
                "Column uses serial (a sequence default) instead of an identity column: its sequence has separate "
                        + "permissions and ownership, and explicit inserts can silently collide with it.",
                "BEGIN; ALTER TABLE " + ident(t) + " ALTER COLUMN " + quote(c.name()) + " DROP DEFAULT; DROP SEQUENCE "
                        + quote(seq.get().schema()) + "." + quote(seq.get().name()) + "; ALTER TABLE " + ident(t)
                        + " ALTER COLUMN " + quote(c.name()) + " ADD GENERATED BY DEFAULT AS IDENTITY; SELECT setval(pg_get_serial_sequence('"
                        + ident(t).replace("'", "''") + "', '" + c.name().replace("'", "''") + "'), coalesce(max("
                        + quote(c.name()) + "), 0) + 1, false) FROM " + ident(t) + "; COMMIT;")
                .withEvidence("sequence", seqName)
                .withEvidence("type", c.type()));
    }

    private static Optional<Sequence> ownedSequence(Catalog catalog, Table t, Column c) {
        return catalog.sequences().stream()
                .filter(s -> s.ownedBy() != null && s.ownedBy().schema().equals(t.schema())
                        && s.ownedBy().table().equals(t.name()) && s.ownedBy().column().equals(c.name()))
                .findFirst();
    }

    private static void name(String object, String kind, String name, String remedy, List<Finding> out) {
        if (SNAKE_CASE.matcher(name).matches()) {
            return;
        }
        out.add(Finding.of(NOT_SNAKE_CASE, Severity.WARNING, object,
                "The " + kind + " name \"" + name + "\" is not snake_case: every query must quote it exactly, and "
                        + "unquoted references fold to lower case and fail.",
                remedy).withEvidence("name", name));
    }

    private static Finding withRows(Finding f, Table t) {
        return t.statistics() == null ? f : f.withEvidence("rows", t.statistics().rowEstimate());
    }

    private static String ident(Table t) {
        return quote(t.schema()) + "." + quote(t.name());
    }

    static String quote(String name) {
        return Identifiers.quote(name);
    }

    private static String unquote(String key) {
        return key.length() > 1 && key.startsWith("\"") && key.endsWith("\"")
                ? key.substring(1, key.length() - 1).replace("\"\"", "\"") : key;
    }

    /** A snake_case rendering of a name: CamelCase → camel_case, other characters → _. */
    static String snake(String name) {
        String s = name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]+", "_");
        return s.isEmpty() || Character.isDigit(s.charAt(0)) ? "_" + s : s;
    }
}
