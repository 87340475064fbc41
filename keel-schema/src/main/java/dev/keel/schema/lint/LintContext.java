package dev.keel.schema.lint;

import static java.util.Objects.requireNonNull;

import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.Column;
import dev.keel.core.catalog.Table;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What the migration lint knows about the database a migration will run on. Rules that depend on the
 * server apply by its major; row estimates let a rule skip a table known to be empty; current column
 * types let the type-change rule recognise changes that need no rewrite. Everything but the major may be
 * empty: the rules then assume the worst that is still likely (a table has rows, a type is unknown).
 *
 * @param pgMajor       the target's PostgreSQL major version: 9 (for any 9.x) or more
 * @param tableRows     row estimates by qualified table name as PostgreSQL stores it ("shop.orders",
 *                      "public.Order Lines"); a table that is not in the map has an unknown count
 * @param columnTypes   current column types by qualified column name ("shop.orders.total"), written as
 *                      {@code format_type} writes them ("numeric(12,2)", "character varying(40)")
 * @param disabledRules ids of rules not to run, e.g. "lint.prefer-identity"
 */
public record LintContext(int pgMajor, Map<String, Long> tableRows, Map<String, String> columnTypes,
                          Set<String> disabledRules) {

    /** The major assumed when the target is not known: the embedded default's. */
    public static final int DEFAULT_PG_MAJOR = 15;

    public LintContext {
        if (pgMajor < 9 || pgMajor > 99) {
            throw new IllegalArgumentException("pgMajor must be a PostgreSQL major from 9 to 99, was " + pgMajor);
        }
        requireNonNull(tableRows, "null tableRows");
        requireNonNull(columnTypes, "null columnTypes");
        requireNonNull(disabledRules, "null disabledRules");
        tableRows.forEach((table, rows) -> {
            requireNonNull(table, "null table name in tableRows");
            if (rows == null || rows < 0) {
                throw new IllegalArgumentException("tableRows: rows of " + table + " must be 0 or more, was " + rows);
            }
        });
        for (String id : disabledRules) {
            if (LintRule.byId(requireNonNull(id, "null rule id in disabledRules")).isEmpty()) {
                throw new IllegalArgumentException("disabledRules: unknown rule '" + id + "'; valid rules: "
                        + Arrays.stream(LintRule.values()).map(LintRule::id).collect(Collectors.joining(", ")));
            }
        }
        tableRows = Map.copyOf(tableRows);
        columnTypes = Map.copyOf(columnTypes);
        disabledRules = Set.copyOf(disabledRules);
    }

    /** A target of this major with nothing known about its tables. */
    public LintContext(int pgMajor, Map<String, Long> tableRows) {
        this(pgMajor, tableRows, Map.of(), Set.of());
    }

    /** PostgreSQL {@value #DEFAULT_PG_MAJOR}, no row counts, no column types, every rule on. */
    public static LintContext defaults() {
        return new LintContext(DEFAULT_PG_MAJOR, Map.of());
    }

    /**
     * What a catalog of the target says: its major, each table's row estimate and each column's type.
     * A row estimate of 0 counts as unknown before PostgreSQL 14, where it also means "never analyzed".
     */
    public static LintContext of(Catalog catalog) {
        requireNonNull(catalog, "null catalog");
        int major = Math.max(9, catalog.serverVersionNumber() / 10_000);
        Map<String, Long> rows = new HashMap<>();
        Map<String, String> types = new HashMap<>();
        for (Table table : catalog.tables()) {
            String qualified = table.schema() + "." + table.name();
            Long estimate = table.statistics() == null ? null : table.statistics().rowEstimate();
            if (estimate != null && (estimate > 0 || estimate == 0 && major >= 14)) {
                rows.put(qualified, estimate);
            }
            for (Column column : table.columns()) {
                types.put(qualified + "." + column.name(), column.type());
            }
        }
        return new LintContext(major, rows, types, Set.of());
    }

    /** A copy for another major. */
    public LintContext withPgMajor(int major) {
        return new LintContext(major, tableRows, columnTypes, disabledRules);
    }

    /** A copy that also skips these rules; unknown ids are rejected with the list of valid ones. */
    public LintContext withDisabledRules(Collection<String> ids) {
        requireNonNull(ids, "null ids");
        Set<String> all = new TreeSet<>(disabledRules);
        all.addAll(ids);
        return new LintContext(pgMajor, tableRows, columnTypes, all);
    }

    /** A copy that knows these current column types ("schema.table.column" to type). */
    public LintContext withColumnTypes(Map<String, String> types) {
        requireNonNull(types, "null types");
        Map<String, String> all = new HashMap<>(columnTypes);
        all.putAll(types);
        return new LintContext(pgMajor, tableRows, all, disabledRules);
    }

    boolean enabled(LintRule rule) {
        return rule.appliesTo(pgMajor) && !disabledRules.contains(rule.id());
    }
}
