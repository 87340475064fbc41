package dev.keel.schema.diff;

import static dev.keel.schema.diff.ApplyOrder.key;
import static dev.keel.schema.diff.Comparison.none;

import dev.keel.core.catalog.Column;
import dev.keel.core.catalog.Constraint;
import dev.keel.core.catalog.ColumnRef;
import dev.keel.core.catalog.CompositeType;
import dev.keel.core.catalog.Domain;
import dev.keel.core.catalog.EnumType;
import dev.keel.core.catalog.Extension;
import dev.keel.core.catalog.Index;
import dev.keel.core.catalog.QualifiedName;
import dev.keel.core.catalog.Schema;
import dev.keel.core.catalog.Sequence;
import dev.keel.core.catalog.Table;
import dev.keel.schema.diff.ApplyOrder.Phase;
import dev.keel.schema.diff.ApplyOrder.Stage;
import dev.keel.schema.diff.Comparison.Changes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/** Compares schemas, extensions, enums, domains, composite types and sequences. */
final class ObjectComparison {

    private final Comparison c;
    private final ViewComparison views;

    ObjectComparison(Comparison c, ViewComparison views) {
        this.c = c;
        this.views = views;
    }

    void compare() {
        schemas();
        extensions();
        enums();
        domains();
        compositeTypes();
        sequences();
    }

    // ---- schemas ---------------------------------------------------------------------------------------

    private void schemas() {
        Map<String, Schema> actual = TableComparison.byName(c.actual.schemas(), Schema::name);
        Set<String> expectedNames = new HashSet<>();
        for (Schema e : c.expected.schemas()) {
            expectedNames.add(e.name());
            String name = SqlText.ident(e.name());
            Schema a = actual.get(e.name());
            if (a == null) {
                List<String> ddl = new ArrayList<>();
                ddl.add("CREATE SCHEMA " + name + ";");
                Comparison.commentIfAny(ddl, "SCHEMA " + name, e.comment());
                c.ownerIfCompared(ddl, "SCHEMA " + name, e.owner());
                ddl.addAll(c.privilegesOfCreated("SCHEMA " + name, null, e.privileges(), e.owner(),
                        Privileges.Defaults.NONE));
                c.missing("schema", e.name(), "missing", ddl, Phase.SCHEMA, Set.of(ApplyOrder.schemaKey(e.name())));
                continue;
            }
            Changes ch = new Changes();
            c.comment(ch, "", "SCHEMA " + name, e.comment(), a.comment());
            c.owner(ch, "SCHEMA " + name, e.owner(), a.owner());
            if (!ch.isEmpty()) {
                c.changed("schema", e.name(), ch, Phase.SCHEMA, Set.of(ApplyOrder.schemaKey(e.name())));
            }
            c.privileges(e.name(), "SCHEMA " + name, null, e.privileges(), e.owner(), a.privileges(), a.owner());
        }
        for (Schema a : c.actual.schemas()) {
            if (!expectedNames.contains(a.name())) {
                c.extra("schema", a.name(), "extra", "DROP SCHEMA " + SqlText.ident(a.name()) + ";", Phase.SCHEMA,
                        Stage.LATE_DROP, Set.of(ApplyOrder.schemaKey(a.name())), "");
            }
        }
    }

    // ---- extensions ------------------------------------------------------------------------------------

    private void extensions() {
        Map<String, Extension> actual = TableComparison.byName(c.actual.extensions(), Extension::name);
        Set<String> expectedNames = new HashSet<>();
        for (Extension e : c.expected.extensions()) {
            expectedNames.add(e.name());
            String name = SqlText.ident(e.name());
            Extension a = actual.get(e.name());
            if (a == null) {
                List<String> ddl = new ArrayList<>();
                ddl.add("CREATE EXTENSION " + name
                        + (e.schema() == null ? "" : " WITH SCHEMA " + SqlText.ident(e.schema()))
                        + (e.version() == null ? "" : " VERSION " + SqlText.literal(e.version())) + ";");
                Comparison.commentIfAny(ddl, "EXTENSION " + name, e.comment());
                c.missing("extension", e.name(), "missing", ddl, Phase.EXTENSION, Set.of());
                continue;
            }
            Changes ch = new Changes();
            if (!Objects.equals(e.version(), a.version()) && e.version() != null) {
                ch.add("version " + a.version() + " → " + e.version(),
                        "ALTER EXTENSION " + name + " UPDATE TO " + SqlText.literal(e.version()) + ";");
            }
            if (!Objects.equals(e.schema(), a.schema()) && e.schema() != null) {
                ch.add("schema " + a.schema() + " → " + e.schema(),
                        "ALTER EXTENSION " + name + " SET SCHEMA " + SqlText.ident(e.schema()) + ";");
            }
            c.comment(ch, "", "EXTENSION " + name, e.comment(), a.comment());
            if (!ch.isEmpty()) {
                c.changed("extension", e.name(), ch, Phase.EXTENSION, Set.of());
            }
        }
        for (Extension a : c.actual.extensions()) {
            if (!expectedNames.contains(a.name())) {
                c.extra("extension", a.name(), "extra", "DROP EXTENSION " + SqlText.ident(a.name()) + ";",
                        Phase.EXTENSION, Stage.LATE_DROP, Set.of(), "");
            }
        }
    }

    // ---- enums -----------------------------------------------------------------------------------------

    private void enums() {
        Map<QualifiedName, EnumType> actual = TableComparison.byName(c.actual.enums(),
                t -> QualifiedName.of(t.schema(), t.name()));
        Set<QualifiedName> expectedNames = new HashSet<>();
        for (EnumType e : c.expected.enums()) {
            QualifiedName qn = QualifiedName.of(e.schema(), e.name());
            expectedNames.add(qn);
            String name = SqlText.name(qn);
            EnumType a = actual.get(qn);
            Set<String> provides = Set.of(key(e.schema(), e.name()));
            if (a == null) {
                List<String> ddl = new ArrayList<>(createEnum(e));
                c.ownerIfCompared(ddl, "TYPE " + name, e.owner());
                ddl.addAll(c.privilegesOfCreated("TYPE " + name, null, e.privileges(), e.owner(),
                        Privileges.Defaults.PUBLIC_USAGE));
                c.missing("enum", qn.toString(), "missing: " + labels(e.labels()), ddl, Phase.ENUM, provides);
                continue;
            }
            Changes ch = new Changes();
            boolean recreated = false;
            if (!e.labels().equals(a.labels())) {
                recreated = enumLabels(e, a, ch);
            }
            if (!recreated) {
                c.comment(ch, "", "TYPE " + name, e.comment(), a.comment());
                c.owner(ch, "TYPE " + name, e.owner(), a.owner());
                c.privileges(qn.toString(), "TYPE " + name, null, e.privileges(), e.owner(), a.privileges(), a.owner());
            }
            if (!ch.isEmpty()) {
                c.changed("enum", qn.toString(), ch, Phase.ENUM, provides);
            }
        }
        for (EnumType a : c.actual.enums()) {
            QualifiedName qn = QualifiedName.of(a.schema(), a.name());
            if (!expectedNames.contains(qn)) {
                c.extra("enum", qn.toString(), "extra: " + labels(a.labels()), "DROP TYPE " + SqlText.name(qn) + ";",
                        Phase.ENUM, Stage.LATE_DROP, Set.of(key(a.schema(), a.name())), "");
            }
        }
    }

    private static List<String> createEnum(EnumType e) {
        List<String> out = new ArrayList<>();
        String name = SqlText.name(e.schema(), e.name());
        out.add("CREATE TYPE " + name + " AS ENUM ("
                + e.labels().stream().map(SqlText::literal).collect(Collectors.joining(", ")) + ");");
        Comparison.commentIfAny(out, "TYPE " + name, e.comment());
        return out;
    }

    /**
     * Labels can be added anywhere and renamed, not removed or reordered. When the actual labels are in
     * the expected ones in the same order, ADD VALUE; when one label differs at the same place, RENAME
     * VALUE; otherwise the type is renamed away, created anew, the table columns of the type converted
     * through text, and the old type dropped. Returns true in the last case.
     */
    private boolean enumLabels(EnumType e, EnumType a, Changes ch) {
        String name = SqlText.name(e.schema(), e.name());
        List<String> el = e.labels();
        List<String> al = a.labels();
        if (subsequence(al, el)) {
            List<String> ddl = new ArrayList<>();
            List<String> added = new ArrayList<>();
            for (int i = 0; i < el.size(); i++) {
                if (al.contains(el.get(i))) {
                    continue;
                }
                added.add(el.get(i));
                String where = i > 0 ? " AFTER " + SqlText.literal(el.get(i - 1))
                        : al.isEmpty() ? "" : " BEFORE " + SqlText.literal(firstKept(el, al));
                ddl.add("ALTER TYPE " + name + " ADD VALUE " + SqlText.literal(el.get(i)) + where + ";");
            }
            ch.add("missing labels " + labels(added), ddl);
            return false;
        }
        if (el.size() == al.size()) {
            List<Integer> differ = new ArrayList<>();
            for (int i = 0; i < el.size(); i++) {
                if (!el.get(i).equals(al.get(i))) {
                    differ.add(i);
                }
            }
            if (differ.size() == 1 && !al.contains(el.get(differ.get(0)))) {
                int i = differ.get(0);
                ch.add("label " + SqlText.literal(al.get(i)) + " → " + SqlText.literal(el.get(i)),
                        "ALTER TYPE " + name + " RENAME VALUE " + SqlText.literal(al.get(i)) + " TO "
                                + SqlText.literal(el.get(i)) + ";");
                return false;
            }
        }
        String old = SqlText.name(a.schema(), a.name() + "__keel_old");
        String oldBare = SqlText.ident(a.name() + "__keel_old");
        List<String> ddl = new ArrayList<>();
        ddl.add("ALTER TYPE " + name + " RENAME TO " + oldBare + ";");
        ddl.addAll(createEnum(e));
        Set<String> tables = new HashSet<>();
        List<String> before = new ArrayList<>();
        List<String> converts = new ArrayList<>();
        List<String> after = new ArrayList<>();
        String type = key(e.schema(), e.name());
        for (Table t : c.actual.tables()) {
            if (t.partition()) {
                continue; // ALTER TABLE on the parent converts its partitions
            }
            String table = SqlText.name(t.schema(), t.name());
            boolean uses = t.columns().stream()
                    .anyMatch(col -> col.type().equals(name) || col.type().equals(name + "[]"));
            if (uses) {
                // Rebuilding them would parse their old text against both types and find no operator.
                for (Index i : t.indexes()) {
                    if (i.constraint() == null && i.parent() == null
                            && ApplyOrder.mentions(i.definition()).contains(type)) {
                        before.add("DROP INDEX " + SqlText.name(t.schema(), i.name()) + ";");
                        after.add(TableComparison.createIndex(i));
                    }
                }
                for (Constraint k : t.constraints()) {
                    if (k.type() == Constraint.Type.CHECK && ApplyOrder.mentions(k.definition()).contains(type)) {
                        before.add("ALTER TABLE " + table + " DROP CONSTRAINT " + SqlText.ident(k.name()) + ";");
                        after.add("ALTER TABLE " + table + " ADD CONSTRAINT " + SqlText.ident(k.name()) + " "
                                + k.definition() + ";");
                    }
                }
            }
            for (Column col : t.columns()) {
                String array = col.type().equals(name + "[]") ? "[]" : col.type().equals(name) ? "" : null;
                if (array == null) {
                    continue;
                }
                tables.add(key(t.schema(), t.name()));
                String alter = "ALTER TABLE " + SqlText.name(t.schema(), t.name()) + " ALTER COLUMN "
                        + SqlText.ident(col.name()) + " ";
                if (col.defaultExpression() != null) {
                    converts.add(alter + "DROP DEFAULT;");
                }
                converts.add(alter + "TYPE " + name + array + " USING " + SqlText.ident(col.name()) + "::text"
                        + array + "::" + name + array + ";");
                if (col.defaultExpression() != null) {
                    converts.add(alter + "SET DEFAULT " + col.defaultExpression() + ";");
                }
            }
        }
        ViewComparison.Rebuild rebuild = views.rebuildAround(tables);
        ddl.addAll(rebuild.drops());
        ddl.addAll(before);
        ddl.addAll(converts);
        ddl.addAll(after);
        ddl.addAll(rebuild.creates());
        ddl.add("DROP TYPE " + old + ";");
        c.ownerIfCompared(ddl, "TYPE " + name, e.owner());
        ddl.addAll(c.privilegesOfCreated("TYPE " + name, null, e.privileges(), e.owner(),
                Privileges.Defaults.PUBLIC_USAGE));
        ch.add("labels " + labels(al) + " → " + labels(el)
                + " (type created again and its columns converted; fails while a column holds a removed label)", ddl,
                createEnum(e));
        return true;
    }

    private static boolean subsequence(List<String> small, List<String> big) {
        int j = 0;
        for (String s : big) {
            if (j < small.size() && small.get(j).equals(s)) {
                j++;
            }
        }
        return j == small.size() && new HashSet<>(big).containsAll(small);
    }

    private static String firstKept(List<String> expected, List<String> actual) {
        return expected.stream().filter(actual::contains).findFirst().orElseThrow();
    }

    private static String labels(List<String> labels) {
        return "(" + labels.stream().map(SqlText::literal).collect(Collectors.joining(", ")) + ")";
    }

    // ---- domains ---------------------------------------------------------------------------------------

    private void domains() {
        Map<QualifiedName, Domain> actual = TableComparison.byName(c.actual.domains(),
                d -> QualifiedName.of(d.schema(), d.name()));
        Set<QualifiedName> expectedNames = new HashSet<>();
        for (Domain e : c.expected.domains()) {
            QualifiedName qn = QualifiedName.of(e.schema(), e.name());
            expectedNames.add(qn);
            String name = SqlText.name(qn);
            Domain a = actual.get(qn);
            Set<String> provides = Set.of(key(e.schema(), e.name()));
            if (a == null) {
                List<String> ddl = new ArrayList<>();
                StringBuilder sb = new StringBuilder("CREATE DOMAIN " + name + " AS " + e.baseType());
                if (e.collation() != null) {
                    sb.append(" COLLATE ").append(SqlText.collation(e.collation(), c.schemas));
                }
                if (e.defaultExpression() != null) {
                    sb.append(" DEFAULT ").append(e.defaultExpression());
                }
                if (e.notNull()) {
                    sb.append(" NOT NULL");
                }
                for (Domain.Check k : e.checks()) {
                    sb.append("\n    CONSTRAINT ").append(SqlText.ident(k.name())).append(' ').append(k.definition());
                }
                ddl.add(sb.append(';').toString());
                Comparison.commentIfAny(ddl, "DOMAIN " + name, e.comment());
                c.ownerIfCompared(ddl, "DOMAIN " + name, e.owner());
                ddl.addAll(c.privilegesOfCreated("DOMAIN " + name, null, e.privileges(), e.owner(),
                        Privileges.Defaults.PUBLIC_USAGE));
                c.missing("domain", qn.toString(), "missing: " + e.baseType(), ddl, Phase.DOMAIN, provides);
                continue;
            }
            Changes ch = new Changes();
            String alter = "ALTER DOMAIN " + name + " ";
            if (!e.baseType().equals(a.baseType())) {
                ch.inexpressible("base type " + a.baseType() + " → " + e.baseType(),
                        "a domain's base type cannot be changed");
            }
            if (!Objects.equals(e.collation(), a.collation())) {
                ch.inexpressible("collation " + none(a.collation()) + " → " + none(e.collation()),
                        "a domain's collation cannot be changed");
            }
            if (!Objects.equals(e.defaultExpression(), a.defaultExpression())) {
                ch.add("default " + none(a.defaultExpression()) + " → " + none(e.defaultExpression()),
                        e.defaultExpression() == null ? alter + "DROP DEFAULT;"
                                : alter + "SET DEFAULT " + e.defaultExpression() + ";");
            }
            if (e.notNull() != a.notNull()) {
                ch.add((a.notNull() ? "NOT NULL" : "nullable") + " → " + (e.notNull() ? "NOT NULL" : "nullable"),
                        alter + (e.notNull() ? "SET NOT NULL;" : "DROP NOT NULL;"));
            }
            Map<String, Domain.Check> ac = TableComparison.byName(a.checks(), Domain.Check::name);
            for (Domain.Check ek : e.checks()) {
                Domain.Check ak = ac.get(ek.name());
                String check = SqlText.ident(ek.name());
                if (ak == null) {
                    ch.add("missing check " + ek.name(),
                            alter + "ADD CONSTRAINT " + check + " " + ek.definition() + ";");
                } else if (!validless(ek.definition()).equals(validless(ak.definition()))) {
                    ch.add("check " + ek.name() + " " + ak.definition() + " → " + ek.definition(),
                            alter + "DROP CONSTRAINT " + check + ";",
                            alter + "ADD CONSTRAINT " + check + " " + ek.definition() + ";");
                } else if (ek.validated() && !ak.validated()) {
                    ch.add("check " + ek.name() + " NOT VALID → validated",
                            alter + "VALIDATE CONSTRAINT " + check + ";");
                }
            }
            for (Domain.Check ak : a.checks()) {
                if (e.checks().stream().noneMatch(k -> k.name().equals(ak.name()))) {
                    ch.add("extra check " + ak.name(), alter + "DROP CONSTRAINT " + SqlText.ident(ak.name()) + ";");
                }
            }
            c.comment(ch, "", "DOMAIN " + name, e.comment(), a.comment());
            c.owner(ch, "DOMAIN " + name, e.owner(), a.owner());
            if (!ch.isEmpty()) {
                c.changed("domain", qn.toString(), ch, Phase.DOMAIN, provides);
            }
            c.privileges(qn.toString(), "DOMAIN " + name, null, e.privileges(), e.owner(), a.privileges(), a.owner());
        }
        for (Domain a : c.actual.domains()) {
            QualifiedName qn = QualifiedName.of(a.schema(), a.name());
            if (!expectedNames.contains(qn)) {
                c.extra("domain", qn.toString(), "extra: " + a.baseType(), "DROP DOMAIN " + SqlText.name(qn) + ";",
                        Phase.DOMAIN, Stage.LATE_DROP, Set.of(key(a.schema(), a.name())), a.baseType());
            }
        }
    }

    private static String validless(String definition) {
        return definition.endsWith(" NOT VALID") ? definition.substring(0, definition.length() - 10) : definition;
    }

    // ---- composite types -------------------------------------------------------------------------------

    private void compositeTypes() {
        Map<QualifiedName, CompositeType> actual = TableComparison.byName(c.actual.compositeTypes(),
                t -> QualifiedName.of(t.schema(), t.name()));
        Set<QualifiedName> expectedNames = new HashSet<>();
        for (CompositeType e : c.expected.compositeTypes()) {
            QualifiedName qn = QualifiedName.of(e.schema(), e.name());
            expectedNames.add(qn);
            String name = SqlText.name(qn);
            CompositeType a = actual.get(qn);
            Set<String> provides = Set.of(key(e.schema(), e.name()));
            if (a == null) {
                List<String> ddl = new ArrayList<>();
                ddl.add("CREATE TYPE " + name + " AS ("
                        + e.attributes().stream().map(this::attribute).collect(Collectors.joining(", ")) + ");");
                Comparison.commentIfAny(ddl, "TYPE " + name, e.comment());
                for (Column col : e.attributes()) {
                    Comparison.commentIfAny(ddl, "COLUMN " + name + "." + SqlText.ident(col.name()), col.comment());
                }
                c.ownerIfCompared(ddl, "TYPE " + name, e.owner());
                ddl.addAll(c.privilegesOfCreated("TYPE " + name, null, e.privileges(), e.owner(),
                        Privileges.Defaults.PUBLIC_USAGE));
                c.missing("type", qn.toString(), "missing", ddl, Phase.TYPE, provides);
                continue;
            }
            Changes ch = new Changes();
            String alter = "ALTER TYPE " + name + " ";
            for (Column ec : e.attributes()) {
                Column ac = a.attributes().stream().filter(x -> x.name().equals(ec.name())).findFirst().orElse(null);
                if (ac == null) {
                    ch.add("missing attribute " + ec.name(), alter + "ADD ATTRIBUTE " + attribute(ec) + ";");
                } else if (!ec.type().equals(ac.type()) || !Objects.equals(ec.collation(), ac.collation())) {
                    String collate = ec.collation() == null ? ""
                            : " COLLATE " + SqlText.collation(ec.collation(), c.schemas);
                    ch.add("attribute " + ec.name() + " type " + ac.type() + " → " + ec.type(),
                            alter + "ALTER ATTRIBUTE " + SqlText.ident(ec.name()) + " TYPE " + ec.type() + collate
                                    + ";");
                }
                if (ac != null) {
                    c.comment(ch, "attribute " + ec.name(), "COLUMN " + name + "." + SqlText.ident(ec.name()),
                            ec.comment(), ac.comment());
                }
            }
            for (Column ac : a.attributes()) {
                if (e.attributes().stream().noneMatch(x -> x.name().equals(ac.name()))) {
                    ch.add("extra attribute " + ac.name(), alter + "DROP ATTRIBUTE " + SqlText.ident(ac.name()) + ";");
                }
            }
            c.comment(ch, "", "TYPE " + name, e.comment(), a.comment());
            c.owner(ch, "TYPE " + name, e.owner(), a.owner());
            if (!ch.isEmpty()) {
                c.changed("type", qn.toString(), ch, Phase.TYPE, provides);
            }
            c.privileges(qn.toString(), "TYPE " + name, null, e.privileges(), e.owner(), a.privileges(), a.owner());
        }
        for (CompositeType a : c.actual.compositeTypes()) {
            QualifiedName qn = QualifiedName.of(a.schema(), a.name());
            if (!expectedNames.contains(qn)) {
                c.extra("type", qn.toString(), "extra", "DROP TYPE " + SqlText.name(qn) + ";", Phase.TYPE,
                        Stage.LATE_DROP, Set.of(key(a.schema(), a.name())),
                        a.attributes().stream().map(Column::type).collect(Collectors.joining("\n")));
            }
        }
    }

    private String attribute(Column col) {
        return SqlText.ident(col.name()) + " " + col.type()
                + (col.collation() == null ? "" : " COLLATE " + SqlText.collation(col.collation(), c.schemas));
    }

    // ---- sequences -------------------------------------------------------------------------------------

    /**
     * Sequences other than identity sequences (those are compared with their column). OWNED BY a column
     * that does not exist in actual yet is left to that column's step, which runs after the sequence.
     */
    private void sequences() {
        Map<QualifiedName, Sequence> actual = TableComparison.byName(
                c.actual.sequences().stream().filter(s -> !s.identity()).toList(), Sequence::qualifiedName);
        Set<QualifiedName> expectedNames = new HashSet<>();
        for (Sequence e : c.expected.sequences()) {
            if (e.identity()) {
                continue;
            }
            QualifiedName qn = e.qualifiedName();
            expectedNames.add(qn);
            String name = SqlText.name(qn);
            Sequence a = actual.get(qn);
            Set<String> provides = Set.of(key(e.schema(), e.name()));
            if (a == null) {
                List<String> ddl = new ArrayList<>();
                ddl.add("CREATE SEQUENCE " + name + " AS " + e.dataType() + " "
                        + ColumnComparison.sequenceOptions(e, false) + ";");
                if (e.ownedBy() != null && columnExistsInActual(e.ownedBy())) {
                    ddl.add("ALTER SEQUENCE " + name + " OWNED BY " + column(e.ownedBy()) + ";");
                }
                Comparison.commentIfAny(ddl, "SEQUENCE " + name, e.comment());
                c.ownerIfCompared(ddl, "SEQUENCE " + name, e.owner());
                ddl.addAll(c.privilegesOfCreated("SEQUENCE " + name, null, e.privileges(), e.owner(),
                        Privileges.Defaults.NONE));
                c.missing("sequence", qn.toString(), "missing", ddl, Phase.SEQUENCE, provides);
                continue;
            }
            Changes ch = new Changes();
            List<String> what = new ArrayList<>();
            List<String> options = new ArrayList<>();
            if (!e.dataType().equals(a.dataType())) {
                what.add("type " + a.dataType() + " → " + e.dataType());
                options.add("AS " + e.dataType());
            }
            boolean typeChanged = !options.isEmpty();
            option(what, options, "increment", "INCREMENT BY", e.increment(), a.increment(), false);
            option(what, options, "minimum", "MINVALUE", e.minValue(), a.minValue(), typeChanged);
            option(what, options, "maximum", "MAXVALUE", e.maxValue(), a.maxValue(), typeChanged);
            option(what, options, "start", "START WITH", e.start(), a.start(), false);
            option(what, options, "cache", "CACHE", e.cache(), a.cache(), false);
            if (e.cycle() != a.cycle()) {
                what.add(a.cycle() ? "cycle → no cycle" : "no cycle → cycle");
                options.add(e.cycle() ? "CYCLE" : "NO CYCLE");
            }
            if (!what.isEmpty()) {
                ch.add(String.join("; ", what), "ALTER SEQUENCE " + name + " " + String.join(" ", options) + ";");
            }
            if (!Objects.equals(e.ownedBy(), a.ownedBy())) {
                String detail = "owned by " + (a.ownedBy() == null ? "none" : a.ownedBy()) + " → "
                        + (e.ownedBy() == null ? "none" : e.ownedBy());
                if (e.ownedBy() == null) {
                    ch.add(detail, "ALTER SEQUENCE " + name + " OWNED BY NONE;");
                } else if (columnExistsInActual(e.ownedBy())) {
                    ch.add(detail, "ALTER SEQUENCE " + name + " OWNED BY " + column(e.ownedBy()) + ";");
                } else {
                    ch.add(detail + " (set when the column is created)");
                }
            }
            c.comment(ch, "", "SEQUENCE " + name, e.comment(), a.comment());
            c.owner(ch, "SEQUENCE " + name, e.owner(), a.owner());
            if (!ch.isEmpty()) {
                c.changed("sequence", qn.toString(), ch, Phase.SEQUENCE, provides);
            }
            c.privileges(qn.toString(), "SEQUENCE " + name, null, e.privileges(), e.owner(), a.privileges(), a.owner());
        }
        for (Sequence a : actual.values()) {
            if (expectedNames.contains(a.qualifiedName())) {
                continue;
            }
            // A sequence owned by a column that goes too is dropped with it; IF EXISTS keeps this harmless.
            boolean goesWithColumn = a.ownedBy() != null && !columnExistsInExpected(a.ownedBy());
            c.extra("sequence", a.qualifiedName().toString(), "extra",
                    "DROP SEQUENCE " + (goesWithColumn ? "IF EXISTS " : "") + SqlText.name(a.qualifiedName()) + ";",
                    Phase.SEQUENCE, Stage.LATE_DROP, Set.of(key(a.schema(), a.name())), "");
        }
    }

    private static void option(List<String> what, List<String> options, String label, String keyword, long expected,
                               long actual, boolean always) {
        if (expected != actual) {
            what.add(label + " " + actual + " → " + expected);
        }
        if (expected != actual || always) {
            options.add(keyword + " " + expected);
        }
    }

    private boolean columnExistsInActual(ColumnRef ref) {
        return c.actual.table(ref.schema(), ref.table()).flatMap(t -> t.column(ref.column())).isPresent();
    }

    private boolean columnExistsInExpected(ColumnRef ref) {
        return c.expected.table(ref.schema(), ref.table()).flatMap(t -> t.column(ref.column())).isPresent();
    }

    private static String column(ColumnRef ref) {
        return SqlText.name(ref.schema(), ref.table()) + "." + SqlText.ident(ref.column());
    }

}
