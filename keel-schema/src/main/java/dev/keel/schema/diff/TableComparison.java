package dev.keel.schema.diff;

import static dev.keel.schema.diff.ApplyOrder.key;
import static dev.keel.schema.diff.Comparison.none;

import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.Column;
import dev.keel.core.catalog.Constraint;
import dev.keel.core.catalog.ConstraintRef;
import dev.keel.core.catalog.Index;
import dev.keel.core.catalog.Policy;
import dev.keel.core.catalog.QualifiedName;
import dev.keel.core.catalog.Table;
import dev.keel.core.catalog.View;
import dev.keel.schema.diff.ApplyOrder.Phase;
import dev.keel.schema.diff.ApplyOrder.Stage;
import dev.keel.schema.diff.Comparison.Changes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Compares tables, partitions and what they hold: columns, constraints, indexes, row-level security
 * policies and table and column privileges. Indexes of materialized views are compared here too.
 */
final class TableComparison {

    private final Comparison c;
    private final Map<QualifiedName, Table> expectedTables;
    private final Map<QualifiedName, Table> actualTables;
    private final Map<QualifiedName, Index> expectedIndexes;
    private final Map<QualifiedName, Index> actualIndexes;
    private final ColumnComparison columns;

    TableComparison(Comparison c, ViewComparison views) {
        this.c = c;
        this.expectedTables = byName(c.expected.tables(), Table::qualifiedName);
        this.actualTables = byName(c.actual.tables(), Table::qualifiedName);
        this.expectedIndexes = indexes(c.expected);
        this.actualIndexes = indexes(c.actual);
        this.columns = new ColumnComparison(c, views, expectedTables, actualTables);
    }

    void compare() {
        for (Table e : c.expected.tables()) {
            Table a = actualTables.get(e.qualifiedName());
            if (a == null) {
                missingTable(e);
            } else {
                changedTable(e, a);
            }
        }
        for (Table a : c.actual.tables()) {
            if (!expectedTables.containsKey(a.qualifiedName())) {
                extraTable(a);
            }
        }
    }

    // ---- tables ----------------------------------------------------------------------------------------

    private void missingTable(Table t) {
        String name = SqlText.name(t.schema(), t.name());
        List<String> ddl = new ArrayList<>();
        String with = t.options().isEmpty() ? "" : "\nWITH (" + String.join(", ", t.options()) + ")";
        String partitionBy = t.partitioned() ? "\nPARTITION BY " + t.partitionKey() : "";
        String unlogged = t.unlogged() ? "UNLOGGED " : "";
        Table parent = t.partition() ? expectedTables.get(t.partitionOf()) : null;
        if (t.partition()) {
            // Columns, defaults, NOT NULL, cloned constraints, indexes and triggers come from the parent.
            List<String> own = t.constraints().stream()
                    .filter(k -> parent(expectedTables, t, k) == null && k.type() != Constraint.Type.FOREIGN_KEY)
                    .map(k -> "CONSTRAINT " + SqlText.ident(k.name()) + " " + k.definition())
                    .toList();
            String body = own.isEmpty() ? "" : " (\n    " + String.join(",\n    ", own) + "\n)";
            ddl.add("CREATE " + unlogged + "TABLE " + name + " PARTITION OF " + SqlText.name(t.partitionOf())
                    + body + "\n" + t.partitionBound() + partitionBy + with + ";");
            if (parent != null) {
                for (Column col : t.columns()) {
                    parent.column(col.name()).ifPresent(p -> {
                        Column inherited = new Column(col.position(), p.name(), p.type(), p.notNull(),
                                p.defaultExpression(), col.identity(), p.generatedExpression(), p.collation(),
                                null, List.of());
                        Changes changes = new Changes();
                        columns.renderColumn(t, t, col, inherited, columns.attributes(t, col, t, inherited, false),
                                changes);
                        ddl.addAll(changes.statements());
                    });
                }
            }
        } else {
            List<String> lines = new ArrayList<>();
            for (Column col : t.columns()) {
                lines.add(SqlText.ident(col.name()) + " " + columns.columnDefinition(c.expected, t, col));
            }
            for (Constraint k : t.constraints()) {
                if (k.type() != Constraint.Type.FOREIGN_KEY && parent(expectedTables, t, k) == null) {
                    lines.add("CONSTRAINT " + SqlText.ident(k.name()) + " " + k.definition());
                }
            }
            String inherits = t.inherits().isEmpty() ? ""
                    : "\nINHERITS (" + t.inherits().stream().map(SqlText::name).collect(Collectors.joining(", "))
                    + ")";
            ddl.add("CREATE " + unlogged + "TABLE " + name + " (\n    " + String.join(",\n    ", lines) + "\n)"
                    + inherits + partitionBy + with + ";");
        }
        if (t.rowSecurity()) {
            ddl.add("ALTER TABLE " + name + " ENABLE ROW LEVEL SECURITY;");
        }
        if (t.forceRowSecurity()) {
            ddl.add("ALTER TABLE " + name + " FORCE ROW LEVEL SECURITY;");
        }
        Comparison.commentIfAny(ddl, "TABLE " + name, t.comment());
        for (Column col : t.columns()) {
            Comparison.commentIfAny(ddl, "COLUMN " + name + "." + SqlText.ident(col.name()), col.comment());
        }
        c.ownerIfCompared(ddl, "TABLE " + name, t.owner());
        ddl.addAll(c.privilegesOfCreated("TABLE " + name, null, t.privileges(), t.owner(),
                Privileges.Defaults.NONE));
        for (Column col : t.columns()) {
            ddl.addAll(c.privilegesOfCreated("TABLE " + name, col.name(), col.privileges(), t.owner(),
                    Privileges.Defaults.NONE));
        }
        t.columns().forEach(col -> ddl.addAll(columns.sequenceOwnership(t, col)));
        c.missing("table", object(t), t.partition() ? "missing partition of " + t.partitionOf() : "missing", ddl,
                Phase.TABLE, Set.of(key(t.schema(), t.name())));
        constraints(t, null);
        indexes(t.schema(), t.name(), t.indexes(), null);
        policies(t, null);
    }

    private void extraTable(Table t) {
        c.extra("table", object(t), t.partition() ? "extra partition of " + t.partitionOf() : "extra",
                "DROP TABLE " + SqlText.name(t.schema(), t.name()) + ";", Phase.TABLE, Stage.LATE_DROP,
                Set.of(key(t.schema(), t.name())), dependencies(t));
    }

    /**
     * What a table needs while it exists: parents, column types and defaults, referenced tables, and the
     * functions its indexes, policies and triggers call (they go with it, so it must go first).
     */
    private String dependencies(Table t) {
        List<String> parts = new ArrayList<>();
        if (t.partitionOf() != null) {
            parts.add(SqlText.name(t.partitionOf()));
        }
        t.inherits().forEach(p -> parts.add(SqlText.name(p)));
        for (Column col : t.columns()) {
            parts.add(col.type() + " " + Objects.requireNonNullElse(col.defaultExpression(), ""));
        }
        t.constraints().forEach(k -> parts.add(k.definition()));
        t.indexes().forEach(i -> parts.add(i.definition()));
        t.policies().forEach(p -> parts.add(none(p.using()) + " " + none(p.withCheck())));
        c.actual.triggers().stream().filter(g -> g.schema().equals(t.schema()) && g.table().equals(t.name()))
                .forEach(g -> parts.add(g.definition()));
        return String.join("\n", parts);
    }

    private void changedTable(Table e, Table a) {
        String name = SqlText.name(e.schema(), e.name());
        Changes ch = new Changes();
        if (!Objects.equals(e.partitionOf(), a.partitionOf())
                || !Objects.equals(e.partitionBound(), a.partitionBound())) {
            List<String> ddl = new ArrayList<>();
            if (a.partitionOf() != null) {
                ddl.add("ALTER TABLE " + SqlText.name(a.partitionOf()) + " DETACH PARTITION " + name + ";");
            }
            if (e.partitionOf() != null) {
                ddl.add("ALTER TABLE " + SqlText.name(e.partitionOf()) + " ATTACH PARTITION " + name + " "
                        + e.partitionBound() + ";");
            }
            ch.add(partitionOf(a) + " → " + partitionOf(e), ddl);
        }
        if (e.partitioned() != a.partitioned() || !Objects.equals(e.partitionKey(), a.partitionKey())) {
            ch.inexpressible("partitioning " + partitioning(a) + " → " + partitioning(e),
                    "a table cannot be partitioned, unpartitioned or given another key in place");
        }
        if (e.unlogged() != a.unlogged()) {
            ch.add(logged(a) + " → " + logged(e),
                    "ALTER TABLE " + name + " SET " + (e.unlogged() ? "UNLOGGED" : "LOGGED") + ";");
        }
        if (!e.inherits().equals(a.inherits())) {
            List<String> ddl = new ArrayList<>();
            a.inherits().stream().filter(p -> !e.inherits().contains(p))
                    .forEach(p -> ddl.add("ALTER TABLE " + name + " NO INHERIT " + SqlText.name(p) + ";"));
            e.inherits().stream().filter(p -> !a.inherits().contains(p))
                    .forEach(p -> ddl.add("ALTER TABLE " + name + " INHERIT " + SqlText.name(p) + ";"));
            ch.add("inherits (" + names(a.inherits()) + ") → (" + names(e.inherits()) + ")", ddl);
        }
        storageParameters(ch, "TABLE " + name, e.options(), a.options());
        if (e.rowSecurity() != a.rowSecurity()) {
            ch.add("row level security " + enabled(a.rowSecurity()) + " → " + enabled(e.rowSecurity()),
                    "ALTER TABLE " + name + (e.rowSecurity() ? " ENABLE" : " DISABLE") + " ROW LEVEL SECURITY;");
        }
        if (e.forceRowSecurity() != a.forceRowSecurity()) {
            ch.add("forced row level security " + enabled(a.forceRowSecurity()) + " → "
                            + enabled(e.forceRowSecurity()),
                    "ALTER TABLE " + name + (e.forceRowSecurity() ? " FORCE" : " NO FORCE") + " ROW LEVEL SECURITY;");
        }
        c.comment(ch, "", "TABLE " + name, e.comment(), a.comment());
        c.owner(ch, "TABLE " + name, e.owner(), a.owner());
        if (!ch.isEmpty()) {
            c.changed("table", object(e), ch, Phase.TABLE, Set.of(key(e.schema(), e.name())));
        }
        c.privileges(object(e), "TABLE " + name, null, e.privileges(), e.owner(), a.privileges(), a.owner());
        columns.compare(e, a);
        constraints(e, a);
        indexes(e.schema(), e.name(), e.indexes(), a.indexes());
        policies(e, a);
    }

    /** SET and RESET of storage parameters ({@code fillfactor=70}) for a table or materialized view. */
    static void storageParameters(Changes ch, String target, List<String> expected, List<String> actual) {
        if (expected.equals(actual)) {
            return;
        }
        Map<String, String> e = parameters(expected);
        Map<String, String> a = parameters(actual);
        List<String> ddl = new ArrayList<>();
        List<String> reset = a.keySet().stream().filter(k -> !e.containsKey(k)).toList();
        if (!reset.isEmpty()) {
            ddl.add("ALTER " + target + " RESET (" + String.join(", ", reset) + ");");
        }
        List<String> set = e.entrySet().stream().filter(x -> !x.getValue().equals(a.get(x.getKey())))
                .map(x -> x.getKey() + "=" + x.getValue()).toList();
        if (!set.isEmpty()) {
            ddl.add("ALTER " + target + " SET (" + String.join(", ", set) + ");");
        }
        ch.add("storage parameters (" + String.join(", ", actual) + ") → (" + String.join(", ", expected) + ")", ddl);
    }

    private static Map<String, String> parameters(List<String> options) {
        Map<String, String> out = new TreeMap<>();
        for (String o : options) {
            int eq = o.indexOf('=');
            out.put(eq < 0 ? o : o.substring(0, eq), eq < 0 ? "" : o.substring(eq + 1));
        }
        return out;
    }

    // ---- constraints -----------------------------------------------------------------------------------

    /** Compares constraints; {@code a} is null when the table is missing (only its foreign keys remain). */
    private void constraints(Table e, Table a) {
        String name = SqlText.name(e.schema(), e.name());
        Map<String, Constraint> em = constraintsByName(e);
        Map<String, Constraint> am = a == null ? Map.of() : constraintsByName(a);
        for (Constraint ek : em.values()) {
            Constraint ak = am.get(ek.name());
            boolean fk = ek.type() == Constraint.Type.FOREIGN_KEY;
            Phase phase = fk ? Phase.FOREIGN_KEY : Phase.CONSTRAINT;
            Set<String> provides = fk ? Set.of() : Set.of(key(e.schema(), e.name()));
            String object = object(e) + "." + ek.name();
            ConstraintRef parent = parent(expectedTables, e, ek);
            if (ak == null) {
                if (a == null && (!fk || parent != null)) {
                    continue; // created with the table or cloned from its parent
                }
                if (parent != null && constraintParentDiffers(parent)) {
                    continue;
                }
                List<String> ddl = new ArrayList<>();
                ddl.add("ALTER TABLE " + name + " ADD CONSTRAINT " + SqlText.ident(ek.name()) + " "
                        + ek.definition() + ";");
                Comparison.commentIfAny(ddl, "CONSTRAINT " + SqlText.ident(ek.name()) + " ON " + name, ek.comment());
                c.missing("constraint", object, "missing: " + ek.definition(), ddl, phase, provides);
                continue;
            }
            Changes ch = new Changes();
            boolean cloneOfChanged = parent != null && constraintParentDiffers(parent);
            if (!sameConstraint(ek, ak) && !cloneOfChanged) {
                List<String> ddl = new ArrayList<>();
                ddl.add("ALTER TABLE " + name + " DROP CONSTRAINT " + SqlText.ident(ek.name()) + ", ADD CONSTRAINT "
                        + SqlText.ident(ek.name()) + " " + ek.definition() + ";");
                Comparison.commentIfAny(ddl, "CONSTRAINT " + SqlText.ident(ek.name()) + " ON " + name, ek.comment());
                ch.add("definition " + ak.definition() + " → " + ek.definition(), ddl);
            } else if (ek.validated() && !ak.validated() && !cloneOfChanged) {
                ch.add("NOT VALID → validated",
                        "ALTER TABLE " + name + " VALIDATE CONSTRAINT " + SqlText.ident(ek.name()) + ";");
            }
            if (sameConstraint(ek, ak)) {
                c.comment(ch, "", "CONSTRAINT " + SqlText.ident(ek.name()) + " ON " + name, ek.comment(), ak.comment());
            }
            if (!ch.isEmpty()) {
                c.changed("constraint", object, ch, phase, provides);
            }
        }
        if (a == null) {
            return;
        }
        for (Constraint ak : am.values()) {
            ConstraintRef parent = parent(actualTables, a, ak);
            if (em.containsKey(ak.name()) || parent != null && constraintParentDiffers(parent)) {
                continue;
            }
            boolean early = ak.type() == Constraint.Type.FOREIGN_KEY || ak.type() == Constraint.Type.CHECK;
            c.extra("constraint", object(a) + "." + ak.name(), "extra: " + ak.definition(),
                    "ALTER TABLE " + name + " DROP CONSTRAINT " + SqlText.ident(ak.name()) + ";",
                    ak.type() == Constraint.Type.FOREIGN_KEY ? Phase.FOREIGN_KEY : Phase.CONSTRAINT,
                    early ? Stage.EARLY_DROP : Stage.LATE_DROP,
                    early ? Set.of() : Set.of(key(a.schema(), a.name())), ak.definition());
        }
    }

    /**
     * The table's constraints by name. PostgreSQL 15+ adds, for a foreign key that references a
     * partitioned table, one more row per referenced partition under the same name, cloned from the key
     * itself; the key is the row that is not such a clone.
     */
    private static Map<String, Constraint> constraintsByName(Table t) {
        Map<String, Constraint> out = new LinkedHashMap<>();
        for (Constraint k : t.constraints()) {
            Constraint seen = out.get(k.name());
            if (seen == null || selfCloned(t, seen) && !selfCloned(t, k)) {
                out.put(k.name(), k);
            }
        }
        return out;
    }

    /**
     * The parent's constraint this one comes from: the one it was cloned from (keys, foreign keys), or for a
     * CHECK the parent table's CHECK of the same name, which a partition or child inherits without a link.
     */
    private static ConstraintRef parent(Map<QualifiedName, Table> tables, Table t, Constraint k) {
        if (k.parent() != null || k.type() != Constraint.Type.CHECK) {
            return k.parent();
        }
        QualifiedName p = ColumnComparison.parentOf(t);
        Table parent = p == null ? null : tables.get(p);
        if (parent == null) {
            return null;
        }
        return parent.constraint(k.name()).filter(pk -> pk.type() == Constraint.Type.CHECK)
                .map(pk -> new ConstraintRef(p.schema(), p.name(), k.name())).orElse(null);
    }

    private static boolean selfCloned(Table t, Constraint k) {
        ConstraintRef p = k.parent();
        return p != null && p.schema().equals(t.schema()) && p.table().equals(t.name());
    }

    static boolean sameConstraint(Constraint e, Constraint a) {
        return e.type() == a.type() && validless(e.definition()).equals(validless(a.definition()));
    }

    /** A definition without the NOT VALID a constraint keeps until validated: a state, not a difference. */
    private static String validless(String definition) {
        return definition.endsWith(" NOT VALID") ? definition.substring(0, definition.length() - 10) : definition;
    }

    private boolean constraintParentDiffers(ConstraintRef ref) {
        QualifiedName table = QualifiedName.of(ref.schema(), ref.table());
        Table et = expectedTables.get(table);
        Table at = actualTables.get(table);
        if (et == null || at == null) {
            return true;
        }
        Constraint e = constraintsByName(et).get(ref.name());
        Constraint a = constraintsByName(at).get(ref.name());
        return e == null || a == null || !sameConstraint(e, a);
    }

    // ---- indexes ---------------------------------------------------------------------------------------

    /**
     * Compares the indexes of a table or materialized view; {@code actual} is null when the relation is
     * missing. Indexes that enforce a constraint are compared as the constraint.
     */
    void indexes(String schema, String relation, List<Index> expected, List<Index> actual) {
        String prefix = schema + "." + relation + ".";
        Map<String, Index> em = byName(expected.stream().filter(i -> i.constraint() == null).toList(), Index::name);
        Map<String, Index> am = actual == null ? Map.of()
                : byName(actual.stream().filter(i -> i.constraint() == null).toList(), Index::name);
        Set<String> provides = Set.of();
        for (Index ei : em.values()) {
            Index ai = am.get(ei.name());
            String indexName = SqlText.name(schema, ei.name());
            if (ai == null) {
                if (ei.parent() != null && (actual == null || indexParentDiffers(ei.parent()))) {
                    continue; // created with its partition, or with its parent's index
                }
                List<String> ddl = new ArrayList<>();
                ddl.add(createIndex(ei));
                if (ei.parent() != null) {
                    ddl.add("ALTER INDEX " + SqlText.name(ei.parent()) + " ATTACH PARTITION " + indexName + ";");
                }
                Comparison.commentIfAny(ddl, "INDEX " + indexName, ei.comment());
                c.missing("index", prefix + ei.name(), "missing", ddl, Phase.INDEX, provides);
                continue;
            }
            Changes ch = new Changes();
            if (!ei.definition().equals(ai.definition())) {
                if (ei.parent() != null && indexParentDiffers(ei.parent())) {
                    continue;
                }
                List<String> ddl = new ArrayList<>();
                // IF EXISTS: a generated column dropped and added again may have taken the index with it.
                ddl.add("DROP INDEX IF EXISTS " + indexName + ";");
                ddl.add(createIndex(ei));
                if (ei.parent() != null) {
                    ddl.add("ALTER INDEX " + SqlText.name(ei.parent()) + " ATTACH PARTITION " + indexName + ";");
                }
                Comparison.commentIfAny(ddl, "INDEX " + indexName, ei.comment());
                ch.add("definition " + ai.definition() + " → " + ei.definition(), ddl);
            } else {
                if (ei.valid() && !ai.valid() && !ei.definition().contains(" ON ONLY ")) {
                    ch.add("invalid → valid", "REINDEX INDEX " + indexName + ";");
                }
                c.comment(ch, "", "INDEX " + indexName, ei.comment(), ai.comment());
            }
            if (!ch.isEmpty()) {
                c.changed("index", prefix + ei.name(), ch, Phase.INDEX, provides);
            }
        }
        for (Index ai : am.values()) {
            if (em.containsKey(ai.name()) || ai.parent() != null && indexParentDiffers(ai.parent())) {
                continue;
            }
            c.extra("index", prefix + ai.name(), "extra: " + ai.definition(),
                    "DROP INDEX " + SqlText.name(schema, ai.name()) + ";", Phase.INDEX, Stage.EARLY_DROP, provides,
                    ai.definition());
        }
    }

    /** The index's CREATE INDEX; on a partitioned table without ONLY, so it reaches every partition. */
    static String createIndex(Index i) {
        return i.definition().replaceFirst(" ON ONLY ", " ON ") + ";";
    }

    private boolean indexParentDiffers(QualifiedName parent) {
        Index e = expectedIndexes.get(parent);
        Index a = actualIndexes.get(parent);
        return e == null || a == null || !e.definition().equals(a.definition());
    }

    private static Map<QualifiedName, Index> indexes(Catalog catalog) {
        Map<QualifiedName, Index> out = new HashMap<>();
        for (Table t : catalog.tables()) {
            t.indexes().forEach(i -> out.put(QualifiedName.of(t.schema(), i.name()), i));
        }
        for (View v : catalog.views()) {
            v.indexes().forEach(i -> out.put(QualifiedName.of(v.schema(), i.name()), i));
        }
        return out;
    }

    // ---- policies --------------------------------------------------------------------------------------

    private void policies(Table e, Table a) {
        String table = SqlText.name(e.schema(), e.name());
        Map<String, Policy> am = a == null ? Map.of() : byName(a.policies(), Policy::name);
        for (Policy ep : e.policies()) {
            Policy ap = am.get(ep.name());
            String object = object(e) + "." + ep.name();
            String on = "POLICY " + SqlText.ident(ep.name()) + " ON " + table;
            if (ap == null) {
                List<String> ddl = new ArrayList<>();
                ddl.add(createPolicy(table, ep));
                Comparison.commentIfAny(ddl, on, ep.comment());
                c.missing("policy", object, "missing", ddl, Phase.POLICY, Set.of());
                continue;
            }
            Changes ch = new Changes();
            List<String> what = new ArrayList<>();
            if (ep.command() != ap.command()) {
                what.add("command " + ap.command() + " → " + ep.command());
            }
            if (ep.permissive() != ap.permissive()) {
                what.add(permissive(ap) + " → " + permissive(ep));
            }
            if (!ep.roles().equals(ap.roles())) {
                what.add("roles (" + String.join(", ", ap.roles()) + ") → (" + String.join(", ", ep.roles()) + ")");
            }
            if (!Objects.equals(ep.using(), ap.using())) {
                what.add("USING " + none(ap.using()) + " → " + none(ep.using()));
            }
            if (!Objects.equals(ep.withCheck(), ap.withCheck())) {
                what.add("WITH CHECK " + none(ap.withCheck()) + " → " + none(ep.withCheck()));
            }
            if (!what.isEmpty()) {
                List<String> ddl = new ArrayList<>();
                ddl.add("DROP " + on + ";");
                ddl.add(createPolicy(table, ep));
                Comparison.commentIfAny(ddl, on, ep.comment());
                ch.add(String.join("; ", what), ddl);
            } else {
                c.comment(ch, "", on, ep.comment(), ap.comment());
            }
            if (!ch.isEmpty()) {
                c.changed("policy", object, ch, Phase.POLICY, Set.of());
            }
        }
        if (a == null) {
            return;
        }
        for (Policy ap : a.policies()) {
            if (e.policy(ap.name()).isEmpty()) {
                c.extra("policy", object(a) + "." + ap.name(), "extra",
                        "DROP POLICY " + SqlText.ident(ap.name()) + " ON " + table + ";", Phase.POLICY,
                        Stage.EARLY_DROP, Set.of(), "");
            }
        }
    }

    private static String createPolicy(String table, Policy p) {
        StringBuilder sb = new StringBuilder("CREATE POLICY ").append(SqlText.ident(p.name())).append(" ON ")
                .append(table).append(p.permissive() ? " AS PERMISSIVE" : " AS RESTRICTIVE")
                .append(" FOR ").append(p.command());
        if (!p.roles().isEmpty()) {
            sb.append(" TO ").append(p.roles().stream().map(SqlText::role).collect(Collectors.joining(", ")));
        }
        if (p.using() != null) {
            sb.append(" USING (").append(p.using()).append(')');
        }
        if (p.withCheck() != null) {
            sb.append(" WITH CHECK (").append(p.withCheck()).append(')');
        }
        return sb.append(';').toString();
    }

    private static String permissive(Policy p) {
        return p.permissive() ? "permissive" : "restrictive";
    }

    // ---- small helpers ---------------------------------------------------------------------------------

    private static String object(Table t) {
        return t.schema() + "." + t.name();
    }

    private static String partitionOf(Table t) {
        return t.partitionOf() == null ? "not a partition"
                : "partition of " + t.partitionOf() + " " + t.partitionBound();
    }

    private static String partitioning(Table t) {
        return t.partitioned() ? "PARTITION BY " + t.partitionKey() : "none";
    }

    private static String logged(Table t) {
        return t.unlogged() ? "unlogged" : "logged";
    }

    private static String enabled(boolean on) {
        return on ? "enabled" : "disabled";
    }

    private static String names(List<QualifiedName> names) {
        return names.stream().map(QualifiedName::toString).collect(Collectors.joining(", "));
    }

    static <K, T> Map<K, T> byName(List<T> items, Function<T, K> name) {
        Map<K, T> out = new LinkedHashMap<>();
        items.forEach(i -> out.putIfAbsent(name.apply(i), i));
        return out;
    }
}
