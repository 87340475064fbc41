package dev.keel.core.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The SQL fragments the catalog queries share, and the conversions from their result columns: text
 * arrays, nullable values, and ACLs that {@code aclexplode()} has turned into JSON.
 */
final class Sql {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The user schemas the query may look at, honouring the schema filter (its one parameter, a text[];
     * empty for every schema but Keel's own, {@link CatalogOptions#KEEL_SCHEMA}). Not pg_catalog,
     * information_schema, pg_toast, pg_temp_N, pg_toast_temp_N: every name starting pg_ is reserved for the
     * system. Checked on PostgreSQL 15; plain catalog columns that exist on 12–17.
     */
    static final String USER_SCHEMAS = """
            with filter as (select ?::text[] as wanted),
            user_schemas as (
              select n.oid, n.nspname
              from pg_namespace n, filter f
              where n.nspname !~ '^pg_' and n.nspname <> 'information_schema'
                and (cardinality(f.wanted) = 0 and n.nspname <> '%s' or n.nspname = any (f.wanted)))
            """.formatted(CatalogOptions.KEEL_SCHEMA);

    private Sql() {
    }

    /**
     * A subquery turning an aclitem[] into a JSON array of {@code [grantee, grantor, privilege, grantable]}.
     * {@code aclexplode} exists on every supported version; grantee 0 is PUBLIC.
     */
    static String acl(String aclExpression) {
        return """
                (select json_agg(json_build_array(
                          case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee)::text end,
                          pg_get_userbyid(a.grantor)::text, a.privilege_type, a.is_grantable))
                   from aclexplode(%s) a)""".formatted(aclExpression);
    }

    /** A condition true unless the object is a member of an extension (pg_depend deptype e). */
    static String notExtensionMember(String catalogTable, String oidExpression) {
        return """
                not exists (select 1 from pg_depend e
                            where e.classid = '%s'::regclass and e.objid = %s and e.deptype = 'e')"""
                .formatted(catalogTable, oidExpression);
    }

    static List<String> strings(ResultSet rs, String column) throws SQLException {
        Array array = rs.getArray(column);
        if (array == null) {
            return List.of();
        }
        try {
            Object[] values = (Object[]) array.getArray();
            List<String> out = new ArrayList<>(values.length);
            for (Object v : values) {
                out.add(String.valueOf(v));
            }
            return out;
        } finally {
            array.free();
        }
    }

    static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    static char charOf(ResultSet rs, String column) throws SQLException {
        String s = rs.getString(column);
        return s == null || s.isEmpty() ? '\0' : s.charAt(0);
    }

    /** Parses the JSON of {@link #acl}; privileges of one grantee, grantor and grant option become one grant. */
    static List<Grant> grants(ResultSet rs, String column) throws SQLException {
        String text = rs.getString(column);
        if (text == null) {
            return List.of();
        }
        JsonNode items = json(text);
        record Key(String grantee, String grantor, boolean grantable) {
        }
        Map<Key, TreeSet<String>> grouped = new LinkedHashMap<>();
        for (JsonNode item : items) {
            Key key = new Key(item.get(0).asText(), item.get(1).asText(), item.get(3).asBoolean());
            grouped.computeIfAbsent(key, k -> new TreeSet<>()).add(item.get(2).asText());
        }
        List<Grant> out = new ArrayList<>(grouped.size());
        grouped.forEach((k, privileges) ->
                out.add(new Grant(k.grantee(), k.grantor(), List.copyOf(privileges), k.grantable())));
        return out;
    }

    /** Parses a JSON array of {@code [schema, name]} pairs. */
    static List<QualifiedName> names(ResultSet rs, String column) throws SQLException {
        String text = rs.getString(column);
        if (text == null) {
            return List.of();
        }
        List<QualifiedName> out = new ArrayList<>();
        for (JsonNode item : json(text)) {
            out.add(new QualifiedName(item.get(0).asText(), item.get(1).asText()));
        }
        return out;
    }

    static QualifiedName name(ResultSet rs, String schemaColumn, String nameColumn) throws SQLException {
        String schema = rs.getString(schemaColumn);
        String name = rs.getString(nameColumn);
        return schema == null || name == null ? null : new QualifiedName(schema, name);
    }

    /** Parses a JSON array built by a query. */
    static JsonNode jsonArray(String text) throws SQLException {
        return json(text);
    }

    private static JsonNode json(String text) throws SQLException {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new SQLException("unexpected JSON from the server", e);
        }
    }
}
