package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A function, procedure, aggregate or window function. Overloads share a name and differ in
 * {@code arguments}.
 *
 * @param arguments  the identity arguments, as {@code pg_get_function_identity_arguments} writes them
 * @param result     the result type ({@code integer}, {@code SETOF film}, {@code TABLE(...)}); null for procedures
 * @param config     settings attached with SET, e.g. {@code search_path=pg_catalog, public}, as stored
 * @param definition the full CREATE statement from {@code pg_get_functiondef}; null for aggregates
 * @param privileges effective EXECUTE privileges (PUBLIC's implicit one included unless revoked)
 */
public record Routine(String schema, String name, Kind kind, String arguments, String result, String language,
                      Volatility volatility, Parallel parallel, boolean strict, boolean securityDefiner,
                      boolean leakproof, List<String> config, String definition, String owner, String comment,
                      List<Grant> privileges) {

    /** pg_proc.prokind. */
    public enum Kind { FUNCTION, PROCEDURE, AGGREGATE, WINDOW }

    /** pg_proc.provolatile. */
    public enum Volatility { IMMUTABLE, STABLE, VOLATILE }

    /** pg_proc.proparallel. */
    public enum Parallel { SAFE, RESTRICTED, UNSAFE }

    static final Comparator<Routine> ORDER = Comparator.comparing(Routine::schema)
            .thenComparing(Routine::name)
            .thenComparing(Routine::arguments);

    public Routine {
        Objects.requireNonNull(schema, "null schema");
        Objects.requireNonNull(name, "null name");
        Objects.requireNonNull(kind, "null kind");
        Objects.requireNonNull(arguments, "null arguments");
        config = Canonical.list(config);
        privileges = Canonical.sorted(privileges, Grant.ORDER);
    }

    /** {@code schema.name(arguments)}, unquoted: for messages. */
    public String signature() {
        return schema + "." + name + "(" + arguments + ")";
    }
}
