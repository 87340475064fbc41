package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.Objects;

/** {@code GRANT role TO member}: membership of a (non built-in) member in a role, built-in roles included. */
public record RoleMembership(String role, String member, String grantor, boolean adminOption) {

    static final Comparator<RoleMembership> ORDER = Comparator.comparing(RoleMembership::role)
            .thenComparing(RoleMembership::member)
            .thenComparing(RoleMembership::grantor, Canonical.NULLS_FIRST);

    public RoleMembership {
        Objects.requireNonNull(role, "null role");
        Objects.requireNonNull(member, "null member");
    }
}
