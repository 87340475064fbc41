package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * One parsed ACL entry: privileges {@code grantor} gave {@code grantee}, all with or all without grant
 * option (an ACL item mixing both becomes two grants). {@code grantee} is {@code PUBLIC} for the public
 * pseudo-role. Privileges are PostgreSQL's words (SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES,
 * TRIGGER, USAGE, CREATE, EXECUTE, ...), sorted.
 */
public record Grant(String grantee, String grantor, List<String> privileges, boolean withGrantOption) {

    /** The name ACLs use for the public pseudo-role. */
    public static final String PUBLIC = "PUBLIC";

    static final Comparator<Grant> ORDER = Comparator.comparing(Grant::grantee)
            .thenComparing(Grant::grantor)
            .thenComparing(Grant::withGrantOption);

    public Grant {
        Objects.requireNonNull(grantee, "null grantee");
        Objects.requireNonNull(grantor, "null grantor");
        privileges = Canonical.sorted(privileges);
    }
}
