package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A row-level security policy on a table.
 *
 * @param roles     the roles it applies to, sorted; {@code PUBLIC} when it applies to everyone
 * @param using     the USING expression, if any
 * @param withCheck the WITH CHECK expression, if any
 */
public record Policy(String name, Command command, boolean permissive, List<String> roles, String using,
                     String withCheck, String comment) {

    /** The command a policy applies to. */
    public enum Command { ALL, SELECT, INSERT, UPDATE, DELETE }

    static final Comparator<Policy> ORDER = Comparator.comparing(Policy::name);

    public Policy {
        Objects.requireNonNull(name, "null name");
        Objects.requireNonNull(command, "null command");
        roles = Canonical.sorted(roles);
    }
}
