package dev.keel.schema.diff;

import dev.keel.core.catalog.Grant;
import dev.keel.schema.diff.Difference.Change;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The grants on one object as compared: per grantee, each privilege and whether it carries the grant
 * option. Grantors are not kept (they follow whoever ran the GRANT), and neither are the owner's own
 * privileges (they follow the owner, which ALTER ... OWNER TO moves).
 */
final class Privileges {

    /** The privileges PostgreSQL gives a new object, besides its owner's. */
    enum Defaults {
        /** Tables, views, sequences, schemas. */
        NONE,
        /** Functions and procedures: EXECUTE to PUBLIC. */
        PUBLIC_EXECUTE,
        /** Types and domains: USAGE to PUBLIC. */
        PUBLIC_USAGE;

        Privileges privileges() {
            Map<String, Map<String, Boolean>> m = new TreeMap<>();
            switch (this) {
                case PUBLIC_EXECUTE -> m.put(Grant.PUBLIC, new TreeMap<>(Map.of("EXECUTE", false)));
                case PUBLIC_USAGE -> m.put(Grant.PUBLIC, new TreeMap<>(Map.of("USAGE", false)));
                default -> {
                }
            }
            return new Privileges(m);
        }
    }

    private final Map<String, Map<String, Boolean>> byGrantee;

    private Privileges(Map<String, Map<String, Boolean>> byGrantee) {
        this.byGrantee = byGrantee;
    }

    static Privileges of(List<Grant> grants, String owner, Predicate<String> comparableGrantee) {
        Map<String, Map<String, Boolean>> m = new TreeMap<>();
        for (Grant g : grants) {
            if (g.grantee().equals(owner) || !comparableGrantee.test(g.grantee())) {
                continue;
            }
            Map<String, Boolean> privileges = m.computeIfAbsent(g.grantee(), k -> new TreeMap<>());
            for (String p : g.privileges()) {
                privileges.merge(p, g.withGrantOption(), Boolean::logicalOr);
            }
        }
        return new Privileges(m);
    }

    /** What {@code actual} lacks or has too many of, compared with these (expected) privileges; per grantee. */
    List<Delta> against(Privileges actual) {
        TreeSet<String> grantees = new TreeSet<>(byGrantee.keySet());
        grantees.addAll(actual.byGrantee.keySet());
        List<Delta> out = new ArrayList<>();
        for (String grantee : grantees) {
            Map<String, Boolean> e = byGrantee.getOrDefault(grantee, Map.of());
            Map<String, Boolean> a = actual.byGrantee.getOrDefault(grantee, Map.of());
            Delta d = new Delta(grantee, new TreeSet<>(), new TreeSet<>(), new TreeSet<>(), new TreeSet<>(),
                    new TreeSet<>());
            e.forEach((p, option) -> {
                Boolean has = a.get(p);
                if (has == null) {
                    (option ? d.missingWithOption : d.missing).add(p);
                } else if (option && !has) {
                    d.addOption.add(p);
                } else if (!option && has) {
                    d.removeOption.add(p);
                }
            });
            a.keySet().stream().filter(p -> !e.containsKey(p)).forEach(d.extra::add);
            if (!d.isEmpty()) {
                out.add(d);
            }
        }
        return out;
    }

    /** How one grantee's privileges on one object differ. */
    record Delta(String grantee, SortedSet<String> missing, SortedSet<String> missingWithOption,
                 SortedSet<String> extra, SortedSet<String> addOption, SortedSet<String> removeOption) {

        boolean isEmpty() {
            return missing.isEmpty() && missingWithOption.isEmpty() && extra.isEmpty() && addOption.isEmpty()
                    && removeOption.isEmpty();
        }

        Change change() {
            boolean onlyMissing = extra.isEmpty() && addOption.isEmpty() && removeOption.isEmpty();
            boolean onlyExtra = missing.isEmpty() && missingWithOption.isEmpty() && addOption.isEmpty()
                    && removeOption.isEmpty();
            return onlyMissing ? Change.MISSING : onlyExtra ? Change.EXTRA : Change.CHANGED;
        }

        String detail(String column) {
            List<String> parts = new ArrayList<>();
            String to = " to " + grantee;
            if (!missing.isEmpty()) {
                parts.add("missing grant " + String.join(", ", missing) + to);
            }
            if (!missingWithOption.isEmpty()) {
                parts.add("missing grant " + String.join(", ", missingWithOption) + to + " with grant option");
            }
            if (!addOption.isEmpty()) {
                parts.add("missing grant option for " + String.join(", ", addOption) + to);
            }
            if (!removeOption.isEmpty()) {
                parts.add("extra grant option for " + String.join(", ", removeOption) + to);
            }
            if (!extra.isEmpty()) {
                parts.add("extra grant " + String.join(", ", extra) + to);
            }
            return String.join("; ", parts);
        }

        List<String> statements(String target, String column) {
            String on = " ON " + target;
            String role = SqlText.role(grantee);
            List<String> out = new ArrayList<>();
            if (!extra.isEmpty()) {
                out.add("REVOKE " + list(extra, column) + on + " FROM " + role + ";");
            }
            if (!removeOption.isEmpty()) {
                out.add("REVOKE GRANT OPTION FOR " + list(removeOption, column) + on + " FROM " + role + ";");
            }
            if (!missing.isEmpty()) {
                out.add("GRANT " + list(missing, column) + on + " TO " + role + ";");
            }
            TreeSet<String> withOption = new TreeSet<>(missingWithOption);
            withOption.addAll(addOption);
            if (!withOption.isEmpty()) {
                out.add("GRANT " + list(withOption, column) + on + " TO " + role + " WITH GRANT OPTION;");
            }
            return out;
        }

        private static String list(SortedSet<String> privileges, String column) {
            String suffix = column == null ? "" : " (" + SqlText.ident(column) + ")";
            return privileges.stream().map(p -> p + suffix).collect(Collectors.joining(", "));
        }
    }
}
