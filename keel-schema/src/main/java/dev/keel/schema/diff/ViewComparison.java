package dev.keel.schema.diff;

import static dev.keel.schema.diff.ApplyOrder.key;

import dev.keel.core.catalog.Column;
import dev.keel.core.catalog.Index;
import dev.keel.core.catalog.QualifiedName;
import dev.keel.core.catalog.Trigger;
import dev.keel.core.catalog.View;
import dev.keel.schema.diff.ApplyOrder.Phase;
import dev.keel.schema.diff.ApplyOrder.Stage;
import dev.keel.schema.diff.Comparison.Changes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compares views and materialized views, and drops and creates again the views that stand in the way
 * of a column type change.
 */
final class ViewComparison {

    private final Comparison c;
    private final Map<QualifiedName, View> expectedViews;
    private final Map<QualifiedName, View> actualViews;
    /** Views kept in expected that read an extra view: dropped with it (CASCADE) and created again. */
    private final Set<QualifiedName> cascaded = new HashSet<>();
    private TableComparison tables;

    ViewComparison(Comparison c) {
        this.c = c;
        this.expectedViews = TableComparison.byName(c.expected.views(), View::qualifiedName);
        this.actualViews = TableComparison.byName(c.actual.views(), View::qualifiedName);
        Set<String> gone = new HashSet<>();
        c.actual.views().stream().filter(v -> !expectedViews.containsKey(v.qualifiedName()))
                .forEach(v -> gone.add(key(v.schema(), v.name())));
        boolean grew = !gone.isEmpty();
        while (grew) {
            grew = false;
            for (View v : c.actual.views()) {
                if (expectedViews.containsKey(v.qualifiedName()) && !cascaded.contains(v.qualifiedName())
                        && ApplyOrder.mentions(v.definition()).stream().anyMatch(gone::contains)) {
                    cascaded.add(v.qualifiedName());
                    gone.add(key(v.schema(), v.name()));
                    grew = true;
                }
            }
        }
    }

    void tables(TableComparison comparison) {
        this.tables = comparison;
    }

    void compare() {
        for (View e : c.expected.views()) {
            View a = actualViews.get(e.qualifiedName());
            if (a == null) {
                List<String> ddl = new ArrayList<>(create(e));
                ddl.addAll(c.privilegesOfCreated("TABLE " + name(e), null, e.privileges(), e.owner(),
                        Privileges.Defaults.NONE));
                ddl.addAll(columnPrivilegesOfCreated(e));
                c.ownerIfCompared(ddl, type(e) + " " + name(e), e.owner());
                c.missing(kind(e), object(e), "missing", ddl, Phase.VIEW, Set.of(key(e.schema(), e.name())));
            } else {
                changed(e, a);
            }
        }
        for (View a : c.actual.views()) {
            if (expectedViews.containsKey(a.qualifiedName())) {
                continue;
            }
            String k = key(a.schema(), a.name());
            List<String> readers = c.actual.views().stream().filter(v -> cascaded.contains(v.qualifiedName()))
                    .filter(v -> ApplyOrder.mentions(v.definition()).contains(k)).map(ViewComparison::object).toList();
            if (readers.isEmpty()) {
                c.extra(kind(a), object(a), "extra", drop(a), Phase.VIEW, Stage.EARLY_DROP, Set.of(k), a.definition());
            } else {
                c.extra(kind(a), object(a), "extra (dropped with the views that read it, which are created again: "
                                + String.join(", ", readers) + ")",
                        "DROP " + type(a) + " " + name(a) + " CASCADE;", Phase.VIEW, Stage.EARLY_DROP, Set.of(k),
                        a.definition());
            }
        }
    }

    private void changed(View e, View a) {
        Changes ch = new Changes();
        boolean recreate = false;
        boolean replace = false;
        if (cascaded.contains(a.qualifiedName())) {
            ch.add("reads an extra view (dropped with it and created again)");
            recreate = true;
        } else if (e.materialized() != a.materialized()) {
            ch.add(kind(a) + " → " + kind(e));
            recreate = true;
        } else if (!body(e.definition()).equals(body(a.definition()))) {
            if (e.materialized() || !columnsExtend(e.columns(), a.columns())) {
                ch.add("definition differs (dropped and created again: "
                        + (e.materialized() ? "a materialized view cannot be replaced" : "its columns change") + ")");
                recreate = true;
            } else {
                ch.add("definition differs");
                replace = true;
            }
        }
        if (!recreate && !e.options().equals(a.options())) {
            if (e.materialized()) {
                TableComparison.storageParameters(ch, "MATERIALIZED VIEW " + name(e), e.options(), a.options());
            } else {
                ch.add("options (" + String.join(", ", a.options()) + ") → (" + String.join(", ", e.options()) + ")");
                replace = true;
            }
        }
        if (recreate) {
            // The views reading this one block its DROP: they go first and come back after it.
            Rebuild readers = cascaded.contains(a.qualifiedName()) ? Rebuild.NONE
                    : rebuildAround(Set.of(key(a.schema(), a.name())), true);
            List<String> ddl = new ArrayList<>(readers.drops());
            ddl.add(cascaded.contains(a.qualifiedName())
                    ? "DROP " + type(a) + " IF EXISTS " + name(a) + ";" : drop(a));
            List<String> created = createExpected(e);
            ddl.addAll(created);
            ddl.addAll(readers.creates());
            if (!readers.names().isEmpty()) {
                ch.add("views reading it dropped and created again: " + String.join(", ", readers.names()));
            }
            ch.prepend(ddl, created);
        } else {
            if (replace) {
                ch.prepend(List.of(
                        "CREATE OR REPLACE VIEW " + name(e) + with(e) + " AS\n" + body(e.definition()) + ";"));
            }
            c.comment(ch, "", type(e) + " " + name(e), e.comment(), a.comment());
            for (Column col : e.columns()) {
                String actualComment = a.column(col.name()).map(Column::comment).orElse(null);
                c.comment(ch, "column " + col.name(), "COLUMN " + name(e) + "." + SqlText.ident(col.name()),
                        col.comment(), actualComment);
            }
            c.owner(ch, type(e) + " " + name(e), e.owner(), a.owner());
            c.privileges(object(e), "TABLE " + name(e), null, e.privileges(), e.owner(), a.privileges(), a.owner());
            for (Column col : e.columns()) {
                a.column(col.name()).ifPresent(ac -> c.privileges(object(e) + "." + col.name(), "TABLE " + name(e),
                        col.name(), col.privileges(), e.owner(), ac.privileges(), a.owner()));
            }
            if (e.materialized()) {
                tables.indexes(e.schema(), e.name(), e.indexes(), a.indexes());
            }
        }
        if (!ch.isEmpty()) {
            c.changed(kind(e), object(e), ch, Phase.VIEW, Set.of(key(e.schema(), e.name())));
        }
    }

    /** The expected view created anew: CREATE, indexes, comments, privileges, kept triggers, owner. */
    private List<String> createExpected(View e) {
        List<String> ddl = new ArrayList<>(create(e));
        ddl.addAll(c.privilegesOfCreated("TABLE " + name(e), null, e.privileges(), e.owner(),
                Privileges.Defaults.NONE));
        ddl.addAll(columnPrivilegesOfCreated(e));
        ddl.addAll(keptTriggers(e));
        c.ownerIfCompared(ddl, type(e) + " " + name(e), e.owner());
        return ddl;
    }

    /** The actual view created again as it was: CREATE, indexes, comments, privileges, triggers, owner. */
    private List<String> createActual(View v) {
        List<String> ddl = new ArrayList<>(create(v));
        ddl.addAll(c.restorePrivileges("TABLE " + name(v), null, v.privileges(), v.owner()));
        for (Column col : v.columns()) {
            ddl.addAll(c.restorePrivileges("TABLE " + name(v), col.name(), col.privileges(), v.owner()));
        }
        c.actual.triggers().stream().filter(t -> t.schema().equals(v.schema()) && t.table().equals(v.name()))
                .forEach(t -> ddl.addAll(RoutineComparison.createTrigger(t)));
        c.ownerIfCompared(ddl, type(v) + " " + name(v), v.owner());
        return ddl;
    }

    private List<String> columnPrivilegesOfCreated(View v) {
        List<String> out = new ArrayList<>();
        for (Column col : v.columns()) {
            out.addAll(c.privilegesOfCreated("TABLE " + name(v), col.name(), col.privileges(), v.owner(),
                    Privileges.Defaults.NONE));
        }
        return out;
    }

    /**
     * The expected view's triggers that actual has as they are: dropping the view took them, and no trigger
     * difference will create them (missing and changed ones have steps of their own, which come later).
     */
    private List<String> keptTriggers(View v) {
        List<String> out = new ArrayList<>();
        for (Trigger t : c.expected.triggers()) {
            if (t.schema().equals(v.schema()) && t.table().equals(v.name())
                    && c.actual.trigger(t.schema(), t.table(), t.name())
                    .filter(x -> x.definition().equals(t.definition())).isPresent()) {
                out.addAll(RoutineComparison.createTrigger(t));
            }
        }
        return out;
    }

    /** True when the actual view's columns come first in the expected one's: CREATE OR REPLACE can do that. */
    private static boolean columnsExtend(List<Column> expected, List<Column> actual) {
        if (actual.size() > expected.size()) {
            return false;
        }
        for (int i = 0; i < actual.size(); i++) {
            Column e = expected.get(i);
            Column a = actual.get(i);
            if (!e.name().equals(a.name()) || !e.type().equals(a.type())
                    || !Objects.equals(e.collation(), a.collation())) {
                return false;
            }
        }
        return true;
    }

    /** CREATE [MATERIALIZED] VIEW with its indexes and comments (privileges and owner are the caller's). */
    private static List<String> create(View v) {
        List<String> out = new ArrayList<>();
        out.add("CREATE " + type(v) + " " + name(v) + with(v) + " AS\n" + body(v.definition())
                + (v.materialized() && !v.populated() ? "\nWITH NO DATA" : "") + ";");
        for (Index i : v.indexes()) {
            out.add(TableComparison.createIndex(i));
            Comparison.commentIfAny(out, "INDEX " + SqlText.name(v.schema(), i.name()), i.comment());
        }
        Comparison.commentIfAny(out, type(v) + " " + name(v), v.comment());
        for (Column col : v.columns()) {
            Comparison.commentIfAny(out, "COLUMN " + name(v) + "." + SqlText.ident(col.name()), col.comment());
        }
        return out;
    }

    private static String drop(View v) {
        return "DROP " + type(v) + " " + name(v) + ";";
    }

    /** The query as pg_get_viewdef writes it, without the leading blank and the closing semicolon. */
    static String body(String definition) {
        String s = definition == null ? "" : definition.strip();
        return s.endsWith(";") ? s.substring(0, s.length() - 1).stripTrailing() : s;
    }

    private static String with(View v) {
        return v.options().isEmpty() ? "" : " WITH (" + String.join(", ", v.options()) + ")";
    }

    /**
     * Statements that drop the actual views depending on any of {@code relations} (and the views on those)
     * and create them again as they were, privileges, comments, indexes and triggers included. PostgreSQL
     * refuses to change the type of a column a view uses; views that are extra were dropped before, and
     * views whose definition changes are replaced afterwards by their own difference.
     *
     * @param relations keys ({@link ApplyOrder#key}) of the tables whose columns change
     */
    Rebuild rebuildAround(Set<String> relations) {
        return rebuildAround(relations, false);
    }

    /**
     * As {@link #rebuildAround(Set)}; with {@code expectedWhenChanged}, a view whose definition differs
     * comes back as expected rather than as it was (the view it reads is being re-created as expected, so
     * its old definition may no longer fit).
     */
    private Rebuild rebuildAround(Set<String> relations, boolean expectedWhenChanged) {
        List<View> candidates = c.actual.views().stream()
                .filter(v -> expectedViews.containsKey(v.qualifiedName()) && !cascaded.contains(v.qualifiedName()))
                .toList();
        Set<String> keys = new HashSet<>(relations);
        List<View> chosen = new ArrayList<>();
        boolean grew = true;
        while (grew) {
            grew = false;
            for (View v : candidates) {
                if (!chosen.contains(v) && ApplyOrder.mentions(v.definition()).stream().anyMatch(keys::contains)) {
                    chosen.add(v);
                    keys.add(key(v.schema(), v.name()));
                    grew = true;
                }
            }
        }
        // Creation order: a view after the chosen views it reads.
        List<View> ordered = new ArrayList<>();
        List<View> left = new ArrayList<>(chosen);
        while (!left.isEmpty()) {
            View next = left.stream().filter(v -> left.stream().noneMatch(w -> w != v && reads(v, w)))
                    .findFirst().orElse(left.get(0));
            ordered.add(next);
            left.remove(next);
        }
        List<String> drops = new ArrayList<>();
        List<String> creates = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = ordered.size() - 1; i >= 0; i--) {
            drops.add(drop(ordered.get(i)));
        }
        for (View v : ordered) {
            View e = expectedViews.get(v.qualifiedName());
            boolean same = e.materialized() == v.materialized() && body(e.definition()).equals(body(v.definition()));
            creates.addAll(expectedWhenChanged && !same ? createExpected(e) : createActual(v));
            names.add(object(v));
        }
        return new Rebuild(drops, creates, names);
    }

    private static boolean reads(View v, View w) {
        return ApplyOrder.mentions(v.definition()).contains(key(w.schema(), w.name()));
    }

    /** Views to drop before a change and create again after it. */
    record Rebuild(List<String> drops, List<String> creates, List<String> names) {
        static final Rebuild NONE = new Rebuild(List.of(), List.of(), List.of());
    }

    private static String name(View v) {
        return SqlText.name(v.schema(), v.name());
    }

    private static String object(View v) {
        return v.schema() + "." + v.name();
    }

    private static String kind(View v) {
        return v.materialized() ? "materialized view" : "view";
    }

    private static String type(View v) {
        return v.materialized() ? "MATERIALIZED VIEW" : "VIEW";
    }
}
