package dev.keel.core.catalog;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The terminal view of a {@link Catalog} for {@code keel inspect}: the database and server, a table of
 * counts, then the largest tables of each schema. It stays under about 40 lines however big the database:
 * schemas beyond the first few are summed up in one line. A partitioned table is shown with the rows and
 * bytes of all its partitions.
 */
public final class CatalogSummary {

    private static final int MAX_SCHEMAS = 6;
    private static final int TABLE_LINES = 22;
    private static final int NAME_WIDTH = 32;

    private CatalogSummary() {
    }

    public static String render(Catalog catalog) {
        Objects.requireNonNull(catalog, "null catalog");
        StringBuilder out = new StringBuilder();
        out.append("Database ").append(catalog.database()).append(" on PostgreSQL ")
                .append(catalog.serverVersion()).append('\n').append('\n');
        counts(catalog.counts(), out);
        out.append('\n');
        schemas(catalog, out);
        return out.toString();
    }

    private static void counts(CatalogCounts c, StringBuilder out) {
        String[][] left = {
                {"schemas", n(c.schemas())}, {"tables", n(c.tables())}, {"partitions", n(c.partitions())},
                {"columns", n(c.columns())}, {"views", n(c.views())},
                {"materialized views", n(c.materializedViews())}, {"sequences", n(c.sequences())},
                {"indexes", n(c.indexes())}, {"constraints", n(c.constraints())},
                {"foreign keys", n(c.foreignKeys())}};
        String[][] right = {
                {"functions", n(c.functions())}, {"procedures", n(c.procedures())},
                {"aggregates", n(c.aggregates())}, {"triggers", n(c.triggers())}, {"domains", n(c.domains())},
                {"enums", n(c.enums())}, {"composite types", n(c.compositeTypes())},
                {"policies", n(c.policies())}, {"extensions", n(c.extensions())}, {"roles", n(c.roles())}};
        for (int i = 0; i < left.length; i++) {
            out.append(String.format(Locale.ROOT, "  %-20s%10s     %-18s%10s%n", left[i][0], left[i][1],
                    right[i][0], right[i][1]).replace(System.lineSeparator(), "\n"));
        }
    }

    /** A top-level table (not a partition) with its partitions' statistics added in. */
    private record Row(Table table, long rows, long bytes, int partitions) {
    }

    private record SchemaRows(String schema, List<Row> rows, long bytes, int views) {
    }

    private static void schemas(Catalog catalog, StringBuilder out) {
        boolean sized = catalog.tables().stream().anyMatch(t -> t.statistics() != null);
        List<SchemaRows> schemas = rowsBySchema(catalog);
        if (schemas.isEmpty()) {
            out.append("No tables.\n");
            return;
        }
        schemas.sort(sized
                ? Comparator.comparingLong(SchemaRows::bytes).reversed().thenComparing(SchemaRows::schema)
                : Comparator.comparing(SchemaRows::schema));
        out.append(sized ? "Largest tables (estimated rows, total size with indexes and partitions)\n"
                : "Tables (sizes not read)\n");
        int shown = Math.min(schemas.size(), MAX_SCHEMAS);
        int perSchema = Math.max(1, Math.min(10, TABLE_LINES / shown - 1));
        for (SchemaRows s : schemas.subList(0, shown)) {
            out.append("  ").append(s.schema()).append(": ").append(plural(s.rows().size(), "table"));
            if (s.views() > 0) {
                out.append(", ").append(plural(s.views(), "view"));
            }
            if (sized) {
                out.append(", ").append(size(s.bytes()));
            }
            out.append('\n');
            if (!sized) {
                continue;
            }
            List<Row> largest = new ArrayList<>(s.rows());
            largest.sort(Comparator.comparingLong(Row::bytes).reversed().thenComparing(r -> r.table().name()));
            for (Row r : largest.subList(0, Math.min(perSchema, largest.size()))) {
                String name = r.table().name();
                if (name.length() > NAME_WIDTH) {
                    name = name.substring(0, NAME_WIDTH - 1) + "…";
                }
                out.append(String.format(Locale.ROOT, "    %-" + NAME_WIDTH + "s%14s rows %10s", name,
                        n(r.rows()), size(r.bytes())));
                if (r.partitions() > 0) {
                    out.append("  (").append(plural(r.partitions(), "partition")).append(')');
                }
                out.append('\n');
            }
            if (largest.size() > perSchema) {
                out.append("    … ").append(n(largest.size() - perSchema)).append(" more\n");
            }
        }
        if (schemas.size() > shown) {
            List<SchemaRows> rest = schemas.subList(shown, schemas.size());
            out.append("  … ").append(plural(rest.size(), "more schema")).append(", ")
                    .append(plural(rest.stream().mapToInt(s -> s.rows().size()).sum(), "table"));
            if (sized) {
                out.append(", ").append(size(rest.stream().mapToLong(SchemaRows::bytes).sum()));
            }
            out.append('\n');
        }
    }

    private static List<SchemaRows> rowsBySchema(Catalog catalog) {
        Map<QualifiedName, Table> byName = new HashMap<>();
        catalog.tables().forEach(t -> byName.put(t.qualifiedName(), t));
        Map<QualifiedName, long[]> totals = new LinkedHashMap<>(); // rows, bytes, partitions
        for (Table t : catalog.tables()) {
            Table root = t;
            while (root.partitionOf() != null && byName.containsKey(root.partitionOf())) {
                root = byName.get(root.partitionOf());
            }
            long[] total = totals.computeIfAbsent(root.qualifiedName(), k -> new long[3]);
            TableStatistics s = t.statistics();
            if (s != null) {
                // A partitioned table's own estimate (ANALYZE, 14+) covers its partitions: count leaves only.
                total[0] += s.rowEstimate() == null || t.partitioned() ? 0 : s.rowEstimate();
                total[1] += s.totalBytes();
            }
            if (t != root) {
                total[2]++;
            }
        }
        Map<String, List<Row>> rows = new LinkedHashMap<>();
        totals.forEach((name, t) -> rows.computeIfAbsent(name.schema(), k -> new ArrayList<>())
                .add(new Row(byName.get(name), t[0], t[1], (int) t[2])));
        Map<String, Long> viewCounts = new HashMap<>();
        catalog.views().forEach(v -> viewCounts.merge(v.schema(), 1L, Long::sum));
        List<SchemaRows> out = new ArrayList<>();
        for (Schema schema : catalog.schemas()) {
            List<Row> tables = rows.getOrDefault(schema.name(), List.of());
            int views = viewCounts.getOrDefault(schema.name(), 0L).intValue();
            if (!tables.isEmpty() || views > 0) {
                out.add(new SchemaRows(schema.name(), tables, tables.stream().mapToLong(Row::bytes).sum(), views));
            }
        }
        return out;
    }

    private static String plural(long count, String noun) {
        return n(count) + " " + noun + (count == 1 ? "" : "s");
    }

    private static String n(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    /** Bytes in binary units, as pg_size_pretty spells them (kB, MB, GB, TB). */
    static String size(long bytes) {
        String[] units = {"kB", "MB", "GB", "TB", "PB"};
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, value < 10 ? "%.1f %s" : "%.0f %s", value, units[unit]);
    }
}
