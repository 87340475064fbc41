package dev.keel.core.catalog;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts of a database's user objects straight from pg_catalog and its standard views, written apart from
 * {@link CatalogReader}'s queries (and from other sources where PostgreSQL has one: pg_views, pg_matviews,
 * pg_sequences, pg_indexes, pg_policies, information_schema), so a test can check the catalog against them.
 * Keys are the JSON keys of {@code counts}.
 */
final class PgCatalogCounts {

    private static final String SYSTEM_SCHEMA = """
            (%1$s in ('pg_catalog', 'information_schema') or %1$s like 'pg\\_toast%%' or %1$s like 'pg\\_temp\\_%%')""";

    private static String system(String column) {
        return SYSTEM_SCHEMA.formatted(column);
    }

    private static final String NOT_IN_EXTENSION =
            "not exists (select 1 from pg_depend dep where dep.objid = %s and dep.deptype = 'e')";

    private static String own(String oid) {
        return NOT_IN_EXTENSION.formatted(oid);
    }

    private PgCatalogCounts() {
    }

    static Map<String, Integer> count(Connection c) throws SQLException {
        Map<String, String> queries = new LinkedHashMap<>();
        queries.put("schemas", "select count(*) from pg_namespace n where not " + system("n.nspname")
                + " and " + own("n.oid"));
        queries.put("tables", "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " where c.relkind in ('r', 'p') and not c.relispartition and not " + system("n.nspname")
                + " and " + own("c.oid"));
        queries.put("partitions", "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " where c.relispartition and c.relkind in ('r', 'p') and not " + system("n.nspname"));
        queries.put("views", "select count(*) from pg_views where not " + system("schemaname"));
        queries.put("materializedViews", "select count(*) from pg_matviews where not " + system("schemaname"));
        queries.put("sequences", "select count(*) from pg_sequences where not " + system("schemaname"));
        queries.put("indexes", "select count(*) from pg_indexes where not " + system("schemaname"));
        queries.put("constraints", "select count(*) from pg_constraint k join pg_class c on c.oid = k.conrelid"
                + " join pg_namespace n on n.oid = c.relnamespace where k.contype in ('p', 'u', 'f', 'c', 'x')"
                + " and not " + system("n.nspname"));
        queries.put("foreignKeys", "select count(*) from pg_constraint k join pg_class c on c.oid = k.conrelid"
                + " join pg_namespace n on n.oid = c.relnamespace where k.contype = 'f' and not " + system("n.nspname"));
        queries.put("functions", "select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
                + " where p.prokind in ('f', 'w') and not " + system("n.nspname") + " and " + own("p.oid"));
        queries.put("procedures", "select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
                + " where p.prokind = 'p' and not " + system("n.nspname") + " and " + own("p.oid"));
        queries.put("aggregates", "select count(*) from pg_aggregate a join pg_proc p on p.oid = a.aggfnoid"
                + " join pg_namespace n on n.oid = p.pronamespace where not " + system("n.nspname")
                + " and " + own("p.oid"));
        queries.put("triggers", "select count(*) from pg_trigger t join pg_class c on c.oid = t.tgrelid"
                + " join pg_namespace n on n.oid = c.relnamespace where not t.tgisinternal and not " + system("n.nspname"));
        queries.put("domains", "select count(*) from information_schema.domains where not " + system("domain_schema"));
        queries.put("enums", "select count(*) from pg_type t join pg_namespace n on n.oid = t.typnamespace"
                + " where t.typtype = 'e' and not " + system("n.nspname") + " and " + own("t.oid"));
        queries.put("compositeTypes", "select count(*) from pg_type t join pg_class c on c.oid = t.typrelid"
                + " join pg_namespace n on n.oid = t.typnamespace where c.relkind = 'c' and not " + system("n.nspname")
                + " and " + own("t.oid"));
        queries.put("extensions", "select count(*) from pg_extension");
        queries.put("roles", "select count(*) from pg_roles where rolname not like 'pg\\_%'");
        queries.put("policies", "select count(*) from pg_policies where not " + system("schemaname"));
        queries.put("columns", "select count(*) from pg_attribute a join pg_class c on c.oid = a.attrelid"
                + " join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p') and a.attnum > 0"
                + " and not a.attisdropped and not " + system("n.nspname") + " and " + own("c.oid"));
        Map<String, Integer> counts = new LinkedHashMap<>();
        try (Statement st = c.createStatement()) {
            for (Map.Entry<String, String> q : queries.entrySet()) {
                try (ResultSet rs = st.executeQuery(q.getValue())) {
                    rs.next();
                    counts.put(q.getKey(), rs.getInt(1));
                }
            }
        }
        return counts;
    }
}
