package dev.keel.schema.diff;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Objects;

/**
 * One way the actual database differs from the expected one, with the DDL that, run on the actual
 * database, makes that object match.
 *
 * @param kind   what the object is, in lower-case words: schema, table, column, index, constraint, view,
 *               materialized view, function, procedure, trigger, sequence, policy, privilege, enum, domain,
 *               type (a composite type), extension
 * @param object its qualified name, unquoted: {@code shop.orders}, {@code shop.orders.created_at},
 *               {@code shop.f(integer, text)}; for a privilege, the object granted on
 * @param detail what differs, in plain words, each change written actual → expected as the DDL makes it
 *               ({@code type integer → bigint; nullable → NOT NULL}); parts separated by {@code ; }
 * @param ddl    statements, each ending with {@code ;}, separated by {@code ;\n}; empty when the difference
 *               cannot be expressed as DDL (the detail then says why). Destructive statements (DROP ...)
 *               are included: whoever applies them decides
 */
public record Difference(String kind, String object, Change change, String detail, String ddl) {

    /** Which side has the object. */
    public enum Change {
        /** In expected, not in actual. */
        MISSING,
        /** In actual, not in expected. */
        EXTRA,
        /** In both, but different. */
        CHANGED;

        /** The lower-case name used in JSON: "missing", "extra", "changed". */
        @JsonValue
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Difference {
        Objects.requireNonNull(kind, "null kind");
        Objects.requireNonNull(object, "null object");
        Objects.requireNonNull(change, "null change");
        Objects.requireNonNull(detail, "null detail");
        Objects.requireNonNull(ddl, "null ddl");
    }
}
