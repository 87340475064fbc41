package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A domain: a base type with a default, NOT NULL and check constraints.
 *
 * @param baseType the base type with its modifiers
 * @param checks   CHECK constraints, by name
 */
public record Domain(String schema, String name, String owner, String baseType, boolean notNull,
                     String defaultExpression, String collation, List<Check> checks, String comment,
                     List<Grant> privileges) {

    /** A CHECK constraint of a domain; {@code validated} is false for one added NOT VALID. */
    public record Check(String name, String definition, boolean validated) {
        public Check {
            Objects.requireNonNull(name, "null name");
            Objects.requireNonNull(definition, "null definition");
        }
    }

    static final Comparator<Domain> ORDER = Comparator.comparing(Domain::schema).thenComparing(Domain::name);

    public Domain {
        Objects.requireNonNull(schema, "null schema");
        Objects.requireNonNull(name, "null name");
        Objects.requireNonNull(baseType, "null baseType");
        checks = Canonical.sorted(checks, Comparator.comparing(Check::name));
        privileges = Canonical.sorted(privileges, Grant.ORDER);
    }
}
