package dev.keel.schema.diff;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Puts differences in the order their DDL can be applied: drops that nothing can depend on first, then
 * creations and changes in dependency order, then the drops of objects others may depend on.
 *
 * <p>Within a stage, steps go by {@link Phase} (reversed for drops), then by object name; a step whose
 * text names an object another step of the stage creates (or, for drops, still needs) waits for that step.
 * Names are found by scanning the text for dotted identifiers ({@code shop.orders},
 * {@code "Shop"."Orders"}, {@code nextval('shop.seq'::regclass)}): the catalog writes every name from a
 * user schema qualified, so this finds the dependencies PostgreSQL would check, and a name in a comment or
 * string only costs an unneeded wait. A dependency cycle is broken by taking functions first (their bodies
 * are mostly not checked when created), then the earliest phase.
 */
final class ApplyOrder {

    /** The kinds of step in dependency order: what comes earlier may be needed by what comes later. */
    enum Phase {
        SCHEMA, EXTENSION, ENUM, DOMAIN, TYPE, SEQUENCE, TABLE, COLUMN, CONSTRAINT, FOREIGN_KEY, INDEX, VIEW,
        ROUTINE, TRIGGER, POLICY, PRIVILEGE
    }

    /**
     * When a step runs: drops of objects nothing else can depend on (views, triggers, policies, indexes,
     * foreign keys, checks) first, so they free what later changes alter; drops of objects others may
     * depend on (columns, tables, keys, functions, sequences, types, schemas) last, after the changes that
     * stop depending on them.
     */
    enum Stage { EARLY_DROP, CREATE, LATE_DROP }

    /**
     * One difference with what ordering needs.
     *
     * @param provides the names (see {@link #key}) of the objects the step creates, changes or drops
     * @param text     where to look for the names it needs: the DDL for creations, the actual object's
     *                 definition for drops
     */
    record Step(Difference difference, Phase phase, Stage stage, Set<String> provides, String text) {
        Step {
            Objects.requireNonNull(difference, "null difference");
            provides = Set.copyOf(provides);
            text = text == null ? "" : text;
        }
    }

    private ApplyOrder() {
    }

    /** The name of a relation, type, sequence or function as {@link #mentions} finds it. */
    static String key(String schema, String name) {
        return schema + '\u0000' + name;
    }

    /** The name of a schema as {@link #mentions} finds it. */
    static String schemaKey(String schema) {
        return schema;
    }

    static List<Difference> sort(List<Step> steps) {
        List<Difference> out = new ArrayList<>(steps.size());
        for (Stage stage : Stage.values()) {
            List<Step> of = steps.stream().filter(s -> s.stage() == stage).toList();
            out.addAll(sortStage(of, stage != Stage.CREATE));
        }
        return out;
    }

    private static List<Difference> sortStage(List<Step> steps, boolean drop) {
        Comparator<Step> byPhase = Comparator.comparing(Step::phase);
        Comparator<Step> priority = (drop ? byPhase.reversed() : byPhase)
                .thenComparing(s -> s.difference().object())
                .thenComparing(s -> s.difference().kind())
                .thenComparing(s -> s.difference().detail())
                .thenComparing(s -> s.difference().ddl());
        Comparator<Integer> order = Comparator.comparing(steps::get, priority);

        Map<String, List<Integer>> providers = new HashMap<>();
        for (int i = 0; i < steps.size(); i++) {
            for (String k : steps.get(i).provides()) {
                providers.computeIfAbsent(k, x -> new ArrayList<>()).add(i);
            }
        }
        // waitsFor[i]: how many steps must run before step i; next[j]: the steps that wait for j.
        int[] waitsFor = new int[steps.size()];
        List<Set<Integer>> next = new ArrayList<>();
        steps.forEach(s -> next.add(new HashSet<>()));
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            for (String k : mentions(step.text())) {
                if (step.provides().contains(k)) {
                    continue;
                }
                for (int j : providers.getOrDefault(k, List.of())) {
                    // Creating: i needs j, so j first. Dropping: i needs j, so i goes before j.
                    int first = drop ? i : j;
                    int then = drop ? j : i;
                    if (first != then && next.get(first).add(then)) {
                        waitsFor[then]++;
                    }
                }
            }
        }
        TreeSet<Integer> ready = new TreeSet<>(order);
        TreeSet<Integer> pending = new TreeSet<>(order);
        for (int i = 0; i < steps.size(); i++) {
            (waitsFor[i] == 0 ? ready : pending).add(i);
        }
        Comparator<Integer> cycleBreak = Comparator.<Integer, Boolean>comparing(
                i -> steps.get(i).phase() != Phase.ROUTINE).thenComparing(order);
        List<Difference> out = new ArrayList<>(steps.size());
        while (!ready.isEmpty() || !pending.isEmpty()) {
            int i;
            if (ready.isEmpty()) {
                i = pending.stream().min(cycleBreak).orElseThrow();
                pending.remove(i);
            } else {
                i = ready.pollFirst();
            }
            out.add(steps.get(i).difference());
            for (int then : next.get(i)) {
                if (pending.contains(then) && --waitsFor[then] == 0) {
                    pending.remove(then);
                    ready.add(then);
                }
            }
        }
        return out;
    }

    /**
     * The qualified names in {@code text}: for each dotted chain of identifiers {@code a.b.c}, the keys
     * of {@code a.b} and {@code b.c}, and the schema key of {@code a}. Unquoted parts fold to lower case.
     */
    static Set<String> mentions(String text) {
        Set<String> out = new HashSet<>();
        int n = text.length();
        int i = 0;
        String previous = null;
        while (i < n) {
            char ch = text.charAt(i);
            String part;
            if (ch == '"') {
                StringBuilder sb = new StringBuilder();
                int j = i + 1;
                while (j < n) {
                    char cj = text.charAt(j);
                    if (cj == '"') {
                        if (j + 1 < n && text.charAt(j + 1) == '"') {
                            sb.append('"');
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    sb.append(cj);
                    j++;
                }
                part = sb.toString();
                i = Math.min(j + 1, n);
            } else if (identifierStart(ch) && (i == 0 || !identifierPart(text.charAt(i - 1)))) {
                int j = i + 1;
                while (j < n && identifierPart(text.charAt(j))) {
                    j++;
                }
                part = text.substring(i, j).toLowerCase(Locale.ROOT);
                i = j;
            } else {
                previous = null;
                i++;
                continue;
            }
            if (previous != null) {
                out.add(key(previous, part));
            }
            if (i < n && text.charAt(i) == '.') {
                if (previous == null) {
                    out.add(schemaKey(part));
                }
                previous = part;
                i++;
            } else {
                previous = null;
            }
        }
        return out;
    }

    /** True when {@code identifier} appears in {@code text} as a whole identifier (quoted as SQL needs). */
    static boolean mentionsWord(String text, String identifier) {
        String word = SqlText.ident(identifier);
        int from = 0;
        while (true) {
            int at = text.indexOf(word, from);
            if (at < 0) {
                return false;
            }
            int end = at + word.length();
            boolean before = at == 0 || !identifierPart(text.charAt(at - 1)) && text.charAt(at - 1) != '"';
            boolean after = end == text.length() || !identifierPart(text.charAt(end)) && text.charAt(end) != '"';
            if (before && after) {
                return true;
            }
            from = at + 1;
        }
    }

    private static boolean identifierStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private static boolean identifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
