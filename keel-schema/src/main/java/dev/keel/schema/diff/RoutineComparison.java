package dev.keel.schema.diff;

import static dev.keel.schema.diff.ApplyOrder.key;

import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.Routine;
import dev.keel.core.catalog.Table;
import dev.keel.core.catalog.Trigger;
import dev.keel.schema.diff.ApplyOrder.Phase;
import dev.keel.schema.diff.ApplyOrder.Stage;
import dev.keel.schema.diff.Comparison.Changes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compares functions, procedures and aggregates (one per schema, name and argument types) and triggers.
 */
final class RoutineComparison {

    private final Comparison c;

    RoutineComparison(Comparison c) {
        this.c = c;
    }

    void compare() {
        routines();
        triggers();
    }

    // ---- routines --------------------------------------------------------------------------------------

    /** Identity of a routine: PostgreSQL tells overloads apart by argument types, not names. */
    private static String signature(Routine r) {
        return r.schema() + "." + r.name() + "(" + RoutineSignature.types(r.arguments()) + ")";
    }

    private static Map<String, Routine> bySignature(List<Routine> routines) {
        Map<String, Routine> out = new LinkedHashMap<>();
        routines.forEach(r -> out.putIfAbsent(signature(r), r));
        return out;
    }

    private void routines() {
        Map<String, Routine> actual = bySignature(c.actual.routines());
        Map<String, Routine> expected = bySignature(c.expected.routines());
        for (Routine e : expected.values()) {
            String object = signature(e);
            Routine a = actual.get(object);
            Set<String> provides = Set.of(key(e.schema(), e.name()));
            if (a == null) {
                if (e.definition() == null) {
                    c.missing(kind(e), object, "missing aggregate (no DDL: aggregates are not scripted)", List.of(),
                            Phase.ROUTINE, provides);
                } else {
                    c.missing(kind(e), object, "missing", create(e), Phase.ROUTINE, provides);
                }
                continue;
            }
            Changes ch = new Changes();
            boolean recreated = false;
            if (!Objects.equals(e.definition(), a.definition()) || e.kind() != a.kind()) {
                if (e.definition() == null || a.definition() == null) {
                    ch.inexpressible("aggregate differs", "aggregates are not scripted");
                } else if (e.kind() != a.kind() || !Objects.equals(e.result(), a.result())
                        || !e.arguments().equals(a.arguments()) || !header(e).equals(header(a))) {
                    List<String> ddl = new ArrayList<>();
                    ddl.add(drop(a));
                    ddl.addAll(create(e));
                    ch.add("definition differs (dropped and created again: "
                            + (e.kind() != a.kind() ? "kind" : !Objects.equals(e.result(), a.result())
                            ? "result type" : "arguments") + " changed)", ddl);
                    recreated = true;
                } else {
                    ch.add("definition differs", body(e));
                }
            }
            if (!recreated) {
                c.comment(ch, "", target(e), e.comment(), a.comment());
                c.owner(ch, target(e), e.owner(), a.owner());
                c.privileges(object, target(e), null, e.privileges(), e.owner(), a.privileges(), a.owner());
            }
            if (!ch.isEmpty()) {
                c.changed(kind(e), object, ch, Phase.ROUTINE, provides);
            }
        }
        for (Routine a : actual.values()) {
            if (!expected.containsKey(signature(a))) {
                c.extra(kind(a), signature(a), "extra", drop(a), Phase.ROUTINE, Stage.LATE_DROP,
                        Set.of(key(a.schema(), a.name())), Objects.requireNonNullElse(a.definition(), ""));
            }
        }
    }

    private List<String> create(Routine r) {
        List<String> out = new ArrayList<>();
        out.add(body(r));
        Comparison.commentIfAny(out, target(r), r.comment());
        c.ownerIfCompared(out, target(r), r.owner());
        out.addAll(c.privilegesOfCreated(target(r), null, r.privileges(), r.owner(),
                Privileges.Defaults.PUBLIC_EXECUTE));
        return out;
    }

    /** pg_get_functiondef's CREATE OR REPLACE, ended with a semicolon. */
    private static String body(Routine r) {
        return r.definition().strip() + ";";
    }

    /** The first line of the definition: name, arguments with their names and defaults. */
    private static String header(Routine r) {
        String d = r.definition().strip();
        int nl = d.indexOf('\n');
        return nl < 0 ? d : d.substring(0, nl);
    }

    private static String drop(Routine r) {
        return "DROP " + target(r) + ";";
    }

    /** The routine as GRANT, COMMENT ON and DROP name it. */
    private static String target(Routine r) {
        String word = switch (r.kind()) {
            case PROCEDURE -> "PROCEDURE";
            case AGGREGATE -> "AGGREGATE";
            default -> "FUNCTION";
        };
        return word + " " + SqlText.name(r.schema(), r.name()) + "(" + r.arguments() + ")";
    }

    private static String kind(Routine r) {
        return r.kind() == Routine.Kind.PROCEDURE ? "procedure" : "function";
    }

    // ---- triggers --------------------------------------------------------------------------------------

    private void triggers() {
        Set<String> expectedRelations = relations(c.expected);
        Set<String> actualRelations = relations(c.actual);
        for (Trigger e : c.expected.triggers()) {
            if (!actualRelations.contains(key(e.schema(), e.table())) && cloned(c.expected, e)) {
                continue; // created with its partition
            }
            Trigger a = c.actual.trigger(e.schema(), e.table(), e.name()).orElse(null);
            if (cloned(c.expected, e) && parentTriggerDiffers(e)) {
                continue;
            }
            String object = e.schema() + "." + e.table() + "." + e.name();
            String on = "TRIGGER " + SqlText.ident(e.name()) + " ON " + SqlText.name(e.schema(), e.table());
            if (a == null) {
                c.missing("trigger", object, "missing", createTrigger(e), Phase.TRIGGER, Set.of());
                continue;
            }
            Changes ch = new Changes();
            if (!Objects.equals(e.definition(), a.definition())) {
                // IF EXISTS: a view dropped and created again before this has taken its triggers with it.
                List<String> ddl = new ArrayList<>();
                ddl.add("DROP TRIGGER IF EXISTS " + SqlText.ident(e.name()) + " ON "
                        + SqlText.name(e.schema(), e.table()) + ";");
                ddl.addAll(createTrigger(e));
                ch.add("definition differs", ddl);
            } else {
                if (e.enabled() != a.enabled()) {
                    List<String> ddl = new ArrayList<>();
                    enabled(ddl, e);
                    if (ddl.isEmpty()) {
                        ddl.add(enableStatement(e, "ENABLE"));
                    }
                    ch.add("enabled " + a.enabled() + " → " + e.enabled(), ddl);
                }
                c.comment(ch, "", on, e.comment(), a.comment());
            }
            if (!ch.isEmpty()) {
                c.changed("trigger", object, ch, Phase.TRIGGER, Set.of());
            }
        }
        for (Trigger a : c.actual.triggers()) {
            if (c.expected.trigger(a.schema(), a.table(), a.name()).isPresent()
                    || !expectedRelations.contains(key(a.schema(), a.table()))
                    || cloned(c.actual, a) && parentTriggerDiffers(a)) {
                continue; // in both, or dropped with its table or view, or with its parent's trigger
            }
            c.extra("trigger", a.schema() + "." + a.table() + "." + a.name(), "extra",
                    "DROP TRIGGER " + SqlText.ident(a.name()) + " ON " + SqlText.name(a.schema(), a.table()) + ";",
                    Phase.TRIGGER, Stage.EARLY_DROP, Set.of(), a.definition());
        }
    }

    /** CREATE TRIGGER with the trigger's enabled state and comment. */
    static List<String> createTrigger(Trigger t) {
        List<String> ddl = new ArrayList<>();
        ddl.add(t.definition() + ";");
        enabled(ddl, t);
        Comparison.commentIfAny(ddl,
                "TRIGGER " + SqlText.ident(t.name()) + " ON " + SqlText.name(t.schema(), t.table()), t.comment());
        return ddl;
    }

    private static void enabled(List<String> ddl, Trigger t) {
        switch (t.enabled()) {
            case DISABLED -> ddl.add(enableStatement(t, "DISABLE"));
            case REPLICA -> ddl.add(enableStatement(t, "ENABLE REPLICA"));
            case ALWAYS -> ddl.add(enableStatement(t, "ENABLE ALWAYS"));
            default -> {
            }
        }
    }

    private static String enableStatement(Trigger t, String how) {
        return "ALTER TABLE " + SqlText.name(t.schema(), t.table()) + " " + how + " TRIGGER " + SqlText.ident(t.name())
                + ";";
    }

    private static Set<String> relations(Catalog catalog) {
        Set<String> out = new HashSet<>();
        catalog.tables().forEach(t -> out.add(key(t.schema(), t.name())));
        catalog.views().forEach(v -> out.add(key(v.schema(), v.name())));
        return out;
    }

    /**
     * True for a trigger PostgreSQL cloned onto a partition from its parent: the catalog does not link
     * them, but a clone has its parent's trigger's name.
     */
    private static boolean cloned(Catalog catalog, Trigger t) {
        Table table = catalog.table(t.schema(), t.table()).orElse(null);
        return table != null && table.partition()
                && catalog.trigger(table.partitionOf().schema(), table.partitionOf().name(), t.name()).isPresent();
    }

    private boolean parentTriggerDiffers(Trigger t) {
        Table et = c.expected.table(t.schema(), t.table()).orElse(null);
        Table at = c.actual.table(t.schema(), t.table()).orElse(null);
        Table source = et != null && et.partition() ? et : at;
        if (source == null || !source.partition()) {
            return false;
        }
        var parent = source.partitionOf();
        Trigger e = c.expected.trigger(parent.schema(), parent.name(), t.name()).orElse(null);
        Trigger a = c.actual.trigger(parent.schema(), parent.name(), t.name()).orElse(null);
        if (e == null || a == null) {
            return true;
        }
        return !e.definition().equals(a.definition()) || e.enabled() != a.enabled();
    }
}
