package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * {@code ALTER DEFAULT PRIVILEGES FOR ROLE role [IN SCHEMA schema] GRANT ... ON objectType}: the privileges
 * objects {@code role} creates later will start with. With a schema they add to the built-in defaults;
 * without one they replace them.
 *
 * @param schema null when the defaults apply in every schema
 */
public record DefaultPrivilege(String role, String schema, ObjectType objectType, List<Grant> grants) {

    /** pg_default_acl.defaclobjtype, named as ALTER DEFAULT PRIVILEGES names them. */
    public enum ObjectType { TABLES, SEQUENCES, FUNCTIONS, TYPES, SCHEMAS }

    static final Comparator<DefaultPrivilege> ORDER = Comparator.comparing(DefaultPrivilege::role)
            .thenComparing(DefaultPrivilege::schema, Canonical.NULLS_FIRST)
            .thenComparing(DefaultPrivilege::objectType);

    public DefaultPrivilege {
        Objects.requireNonNull(role, "null role");
        Objects.requireNonNull(objectType, "null objectType");
        grants = Canonical.sorted(grants, Grant.ORDER);
    }
}
