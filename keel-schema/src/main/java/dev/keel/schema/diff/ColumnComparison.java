package dev.keel.schema.diff;

import static dev.keel.schema.diff.ApplyOrder.key;
import static dev.keel.schema.diff.Comparison.none;

import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.Column;
import dev.keel.core.catalog.ColumnRef;
import dev.keel.core.catalog.Constraint;
import dev.keel.core.catalog.Index;
import dev.keel.core.catalog.QualifiedName;
import dev.keel.core.catalog.Sequence;
import dev.keel.core.catalog.Table;
import dev.keel.schema.diff.ApplyOrder.Phase;
import dev.keel.schema.diff.ApplyOrder.Stage;
import dev.keel.schema.diff.Comparison.Changes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Compares the columns of a table: type, collation, default, NOT NULL, identity and its sequence,
 * generation expression, comment and column privileges, and writes the ALTER TABLE that changes them.
 */
final class ColumnComparison {

    private final Comparison c;
    private final ViewComparison views;
    private final Map<QualifiedName, Table> expectedTables;
    private final Map<QualifiedName, Table> actualTables;

    ColumnComparison(Comparison c, ViewComparison views, Map<QualifiedName, Table> expectedTables,
                     Map<QualifiedName, Table> actualTables) {
        this.c = c;
        this.views = views;
        this.expectedTables = expectedTables;
        this.actualTables = actualTables;
    }

    /** One attribute of a column that differs, as text on both sides; null stands for "none". */
    record Attribute(String name, String before, String after) {
    }

    /** Compares the columns of a table in both catalogs, and their column privileges. */
    void compare(Table e, Table a) {
        String name = SqlText.name(e.schema(), e.name());
        for (Column ec : e.columns()) {
            Optional<Column> ac = a.column(ec.name());
            if (ac.isEmpty()) {
                if (!sameInParent(e, a, ec.name(), List.of(new Attribute("exists", null, "yes")))) {
                    missingColumn(e, ec);
                }
                continue;
            }
            List<Attribute> attributes = attributes(e, ec, a, ac.get(), c.options.comments());
            attributes = withoutParentChanges(e, a, ec.name(), attributes);
            if (!attributes.isEmpty()) {
                Changes ch = new Changes();
                renderColumn(e, a, ec, ac.get(), attributes, ch);
                c.changed("column", object(e) + "." + ec.name(), ch, Phase.COLUMN, Set.of(key(e.schema(), e.name())));
            }
            c.privileges(object(e) + "." + ec.name(), "TABLE " + name, ec.name(), ec.privileges(), e.owner(),
                    ac.get().privileges(), a.owner());
        }
        for (Column ac : a.columns()) {
            if (e.column(ac.name()).isEmpty()
                    && !sameInParent(e, a, ac.name(), List.of(new Attribute("exists", "yes", null)))) {
                c.extra("column", object(a) + "." + ac.name(), "extra: " + columnDefinition(c.actual, a, ac),
                        "ALTER TABLE " + name + " DROP COLUMN " + SqlText.ident(ac.name()) + ";", Phase.COLUMN,
                        Stage.LATE_DROP, Set.of(key(a.schema(), a.name())),
                        ac.type() + " " + Objects.requireNonNullElse(ac.defaultExpression(), ""));
            }
        }
    }

    private void missingColumn(Table t, Column col) {
        String name = SqlText.name(t.schema(), t.name());
        List<String> ddl = new ArrayList<>();
        String definition = columnDefinition(c.expected, t, col);
        ddl.add("ALTER TABLE " + name + " ADD COLUMN " + SqlText.ident(col.name()) + " " + definition + ";");
        Comparison.commentIfAny(ddl, "COLUMN " + name + "." + SqlText.ident(col.name()), col.comment());
        ddl.addAll(c.privilegesOfCreated("TABLE " + name, col.name(), col.privileges(), t.owner(),
                Privileges.Defaults.NONE));
        ddl.addAll(sequenceOwnership(t, col));
        c.missing("column", object(t) + "." + col.name(), "missing: " + definition, ddl, Phase.COLUMN,
                Set.of(key(t.schema(), t.name())));
    }

    /**
     * True when {@code table}'s parent (partition parent, else the first inheritance parent) differs in
     * exactly these attributes of the column: ALTER TABLE on the parent recurses, so the child's difference
     * is the parent's and is reported there only.
     */
    private boolean sameInParent(Table e, Table a, String column, List<Attribute> attributes) {
        List<Attribute> parents = parentAttributes(e, a, column);
        return parents != null && parents.containsAll(attributes);
    }

    private List<Attribute> withoutParentChanges(Table e, Table a, String column, List<Attribute> attributes) {
        List<Attribute> parents = parentAttributes(e, a, column);
        if (parents == null) {
            return attributes;
        }
        // Comments and privileges do not recurse; everything else ALTER TABLE does.
        return attributes.stream().filter(x -> x.name().equals("comment") || !parents.contains(x)).toList();
    }

    /** The parent's differing attributes of the column, or null when the table has no common parent. */
    private List<Attribute> parentAttributes(Table e, Table a, String column) {
        QualifiedName pe = parentOf(e);
        if (pe == null || !pe.equals(parentOf(a))) {
            return null;
        }
        Table parentE = expectedTables.get(pe);
        Table parentA = actualTables.get(pe);
        if (parentE == null || parentA == null) {
            return null;
        }
        Optional<Column> ce = parentE.column(column);
        Optional<Column> ca = parentA.column(column);
        if (ce.isEmpty() && ca.isEmpty()) {
            return null;
        }
        if (ce.isEmpty()) {
            return List.of(new Attribute("exists", "yes", null));
        }
        if (ca.isEmpty()) {
            return List.of(new Attribute("exists", null, "yes"));
        }
        return attributes(parentE, ce.get(), parentA, ca.get(), false);
    }

    static QualifiedName parentOf(Table t) {
        return t.partitionOf() != null ? t.partitionOf() : t.inherits().isEmpty() ? null : t.inherits().get(0);
    }

    /** The attributes of a column that differ, {@code e} expected and {@code a} actual. */
    List<Attribute> attributes(Table et, Column e, Table at, Column a, boolean comments) {
        List<Attribute> out = new ArrayList<>();
        attribute(out, "type", e.type(), a.type());
        attribute(out, "collation", e.collation(), a.collation());
        attribute(out, "generated", e.generatedExpression(), a.generatedExpression());
        attribute(out, "default", e.defaultExpression(), a.defaultExpression());
        attribute(out, "not null", e.notNull() ? "NOT NULL" : "nullable", a.notNull() ? "NOT NULL" : "nullable");
        attribute(out, "identity", identity(e.identity()), identity(a.identity()));
        if (e.identity() != null && a.identity() != null) {
            attribute(out, "identity sequence",
                    identitySequence(c.expected, et, e.name()).map(s -> sequenceOptions(s, true)).orElse(""),
                    identitySequence(c.actual, at, a.name()).map(s -> sequenceOptions(s, true)).orElse(""));
        }
        if (comments) {
            attribute(out, "comment", e.comment(), a.comment());
        }
        return out;
    }

    private static void attribute(List<Attribute> out, String name, String expected, String actual) {
        if (!Objects.equals(expected, actual)) {
            out.add(new Attribute(name, actual, expected));
        }
    }

    /** Statements that turn column {@code a} of table {@code at} into {@code e} of {@code t}. */
    void renderColumn(Table t, Table at, Column e, Column a, List<Attribute> attributes, Changes ch) {
        String table = SqlText.name(t.schema(), t.name());
        String column = SqlText.ident(e.name());
        String alter = "ALTER TABLE " + table + " ALTER COLUMN " + column + " ";
        Map<String, Attribute> by = new LinkedHashMap<>();
        attributes.forEach(x -> by.put(x.name(), x));
        boolean defaultDone = false;

        Attribute generated = by.get("generated");
        if (generated != null && e.generatedExpression() != null) {
            // PostgreSQL cannot change a generation expression before 17; the column holds nothing but
            // derived values, so it is dropped and added again, with the unchanged indexes and checks on it
            // (changed and missing ones have steps of their own, which come later).
            List<String> ddl = new ArrayList<>();
            ddl.add("ALTER TABLE " + table + " DROP COLUMN " + column + ";");
            ddl.add("ALTER TABLE " + table + " ADD COLUMN " + column + " " + columnDefinition(c.expected, t, e) + ";");
            for (Index i : t.indexes()) {
                if (i.constraint() == null && ApplyOrder.mentionsWord(i.definition(), e.name())
                        && at.index(i.name()).filter(x -> x.definition().equals(i.definition())).isPresent()) {
                    ddl.add(TableComparison.createIndex(i));
                }
            }
            for (Constraint k : t.constraints()) {
                if (k.type() == Constraint.Type.CHECK && ApplyOrder.mentionsWord(k.definition(), e.name())
                        && at.constraint(k.name()).filter(x -> TableComparison.sameConstraint(k, x)).isPresent()) {
                    ddl.add("ALTER TABLE " + table + " ADD CONSTRAINT " + SqlText.ident(k.name()) + " "
                            + k.definition() + ";");
                }
            }
            Comparison.commentIfAny(ddl, "COLUMN " + table + "." + column, e.comment());
            ch.add("generated expression " + none(generated.before()) + " → " + none(generated.after())
                    + " (column dropped and added again)", ddl);
            return;
        }
        if (generated != null) {
            ch.add("generated expression " + generated.before() + " → none", alter + "DROP EXPRESSION;");
        }
        Attribute identity = by.get("identity");
        if (identity != null && e.identity() == null) {
            ch.add("identity " + identity.before() + " → " + identity.after(), alter + "DROP IDENTITY;");
        }
        Attribute type = by.get("type");
        Attribute collation = by.get("collation");
        if (type != null || collation != null) {
            ViewComparison.Rebuild rebuild = views.rebuildAround(Set.of(key(t.schema(), t.name())));
            List<String> alters = new ArrayList<>();
            if (a.defaultExpression() != null) {
                alters.add(alter + "DROP DEFAULT;");
            }
            String collate = collation == null ? ""
                    : " COLLATE " + (e.collation() == null ? "\"default\""
                    : SqlText.collation(e.collation(), c.schemas));
            alters.add(alter + "TYPE " + e.type() + collate + " USING " + column + "::" + e.type() + ";");
            if (e.defaultExpression() != null) {
                alters.add(alter + "SET DEFAULT " + e.defaultExpression() + ";");
            }
            List<String> ddl = new ArrayList<>(rebuild.drops());
            ddl.addAll(alters);
            ddl.addAll(rebuild.creates());
            List<String> details = new ArrayList<>();
            if (type != null) {
                details.add("type " + type.before() + " → " + type.after());
            }
            if (collation != null) {
                details.add("collation " + none(collation.before()) + " → " + none(collation.after()));
            }
            Attribute dflt = by.get("default");
            if (dflt != null) {
                details.add("default " + none(dflt.before()) + " → " + none(dflt.after()));
            }
            String rebuilt = rebuild.names().isEmpty() ? ""
                    : " (dependent views dropped and created again: " + String.join(", ", rebuild.names()) + ")";
            ch.add(String.join("; ", details) + rebuilt, ddl, alters);
            defaultDone = true;
        }
        Attribute dflt = by.get("default");
        if (dflt != null && !defaultDone) {
            ch.add("default " + none(dflt.before()) + " → " + none(dflt.after()),
                    e.defaultExpression() == null ? alter + "DROP DEFAULT;"
                            : alter + "SET DEFAULT " + e.defaultExpression() + ";");
        }
        Attribute notNull = by.get("not null");
        if (notNull != null) {
            ch.add(notNull.before() + " → " + notNull.after(),
                    alter + (e.notNull() ? "SET NOT NULL;" : "DROP NOT NULL;"));
        }
        if (identity != null && e.identity() != null) {
            if (a.identity() == null) {
                String options = identitySequence(c.expected, t, e.name()).map(s -> sequenceOptions(s, true))
                        .filter(o -> !o.isEmpty()).map(o -> " (" + o + ")").orElse("");
                ch.add("identity " + identity.before() + " → " + identity.after(),
                        alter + "ADD " + identity.after() + options + ";");
            } else {
                ch.add("identity " + identity.before() + " → " + identity.after(), alter + "SET GENERATED "
                        + (e.identity() == Column.Identity.ALWAYS ? "ALWAYS" : "BY DEFAULT") + ";");
            }
        }
        Attribute sequence = by.get("identity sequence");
        if (sequence != null) {
            Optional<Sequence> s = identitySequence(c.expected, t, e.name());
            ch.add("identity sequence (" + sequence.before() + ") → (" + sequence.after() + ")",
                    s.map(x -> alter + identitySetOptions(x) + ";").orElse(""));
        }
        Attribute comment = by.get("comment");
        if (comment != null) {
            ch.add("comment differs", Comparison.commentOn("COLUMN " + table + "." + column, e.comment()));
        }
    }

    private static String identity(Column.Identity identity) {
        if (identity == null) {
            return "no identity";
        }
        return identity == Column.Identity.ALWAYS ? "GENERATED ALWAYS AS IDENTITY" : "GENERATED BY DEFAULT AS IDENTITY";
    }

    /** A column's definition after its name, as CREATE TABLE and ADD COLUMN take it. */
    String columnDefinition(Catalog catalog, Table t, Column col) {
        StringBuilder sb = new StringBuilder(col.type());
        if (col.collation() != null) {
            sb.append(" COLLATE ").append(SqlText.collation(col.collation(), c.schemas));
        }
        if (col.generatedExpression() != null) {
            sb.append(" GENERATED ALWAYS AS (").append(col.generatedExpression()).append(") STORED");
        } else if (col.identity() != null) {
            sb.append(' ').append(identity(col.identity()));
            identitySequence(catalog, t, col.name()).map(s -> sequenceOptions(s, true)).filter(o -> !o.isEmpty())
                    .ifPresent(o -> sb.append(" (").append(o).append(')'));
        } else if (col.defaultExpression() != null) {
            sb.append(" DEFAULT ").append(col.defaultExpression());
        }
        if (col.notNull()) {
            sb.append(" NOT NULL");
        }
        return sb.toString();
    }

    static Optional<Sequence> identitySequence(Catalog catalog, Table t, String column) {
        ColumnRef ref = new ColumnRef(t.schema(), t.name(), column);
        return catalog.sequences().stream().filter(s -> s.identity() && ref.equals(s.ownedBy())).findFirst();
    }

    /**
     * A sequence's options as CREATE SEQUENCE takes them; for an identity sequence only those that differ
     * from what PostgreSQL would choose, so a plain identity column reads plainly.
     */
    static String sequenceOptions(Sequence s, boolean onlyNonDefault) {
        long typeMax = switch (s.dataType()) {
            case "smallint" -> Short.MAX_VALUE;
            case "integer" -> Integer.MAX_VALUE;
            default -> Long.MAX_VALUE;
        };
        long typeMin = switch (s.dataType()) {
            case "smallint" -> Short.MIN_VALUE;
            case "integer" -> Integer.MIN_VALUE;
            default -> Long.MIN_VALUE;
        };
        boolean up = s.increment() > 0;
        List<String> out = new ArrayList<>();
        if (!onlyNonDefault || s.increment() != 1) {
            out.add("INCREMENT BY " + s.increment());
        }
        if (!onlyNonDefault || s.minValue() != (up ? 1 : typeMin)) {
            out.add("MINVALUE " + s.minValue());
        }
        if (!onlyNonDefault || s.maxValue() != (up ? typeMax : -1)) {
            out.add("MAXVALUE " + s.maxValue());
        }
        if (!onlyNonDefault || s.start() != (up ? s.minValue() : s.maxValue())) {
            out.add("START WITH " + s.start());
        }
        if (!onlyNonDefault || s.cache() != 1) {
            out.add("CACHE " + s.cache());
        }
        if (!onlyNonDefault || s.cycle()) {
            out.add(s.cycle() ? "CYCLE" : "NO CYCLE");
        }
        return String.join(" ", out);
    }

    private static String identitySetOptions(Sequence s) {
        return "SET INCREMENT BY " + s.increment() + " SET MINVALUE " + s.minValue() + " SET MAXVALUE "
                + s.maxValue() + " SET START WITH " + s.start() + " SET CACHE " + s.cache()
                + (s.cycle() ? " SET CYCLE" : " SET NO CYCLE");
    }

    /**
     * OWNED BY for the expected sequences this column owns. The sequence's own step leaves it out when the
     * column does not exist in actual yet (see {@link ObjectComparison}), so the column's step says it.
     */
    List<String> sequenceOwnership(Table t, Column col) {
        ColumnRef ref = new ColumnRef(t.schema(), t.name(), col.name());
        List<String> out = new ArrayList<>();
        for (Sequence s : c.expected.sequences()) {
            if (!s.identity() && ref.equals(s.ownedBy())) {
                out.add("ALTER SEQUENCE " + SqlText.name(s.schema(), s.name()) + " OWNED BY "
                        + SqlText.name(t.schema(), t.name()) + "." + SqlText.ident(col.name()) + ";");
            }
        }
        return out;
    }

    private static String object(Table t) {
        return t.schema() + "." + t.name();
    }
}
