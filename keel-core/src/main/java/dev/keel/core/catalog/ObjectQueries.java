package dev.keel.core.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The queries for schemas, routines, types (domains, enums, composites) and extensions. */
final class ObjectQueries {

    // Checked on PostgreSQL 15: works on 12–17.
    private static final String SCHEMAS = Sql.USER_SCHEMAS + """
            select n.nspname, pg_get_userbyid(s.nspowner) as owner, d.description,
                   %s as acl
            from user_schemas n
            join pg_namespace s on s.oid = n.oid
            left join pg_description d
                   on d.objoid = n.oid and d.classoid = 'pg_namespace'::regclass and d.objsubid = 0
            where %s
            """.formatted(Sql.acl("coalesce(s.nspacl, acldefault('n', s.nspowner))"),
            Sql.notExtensionMember("pg_namespace", "n.oid"));

    static List<Schema> schemas(QueryRunner q) throws QueryRunner.Failure {
        return q.list("schemas", SCHEMAS, rs -> new Schema(rs.getString("nspname"), rs.getString("owner"),
                rs.getString("description"), Sql.grants(rs, "acl")));
    }

    // Checked on PostgreSQL 15. prokind exists since 11: works on 12–17. pg_get_functiondef raises an
    // error for aggregates, so it is not called for them.
    private static final String ROUTINES = Sql.USER_SCHEMAS + """
            select n.nspname, p.proname, p.prokind,
                   pg_get_function_identity_arguments(p.oid) as arguments,
                   case when p.prokind <> 'p' then pg_get_function_result(p.oid) end as result,
                   l.lanname, p.provolatile, p.proparallel, p.proisstrict, p.prosecdef, p.proleakproof,
                   p.proconfig,
                   case when p.prokind <> 'a' then pg_get_functiondef(p.oid) end as definition,
                   pg_get_userbyid(p.proowner) as owner,
                   d.description,
                   %s as acl
            from pg_proc p
            join user_schemas n on n.oid = p.pronamespace
            join pg_language l on l.oid = p.prolang
            left join pg_description d
                   on d.objoid = p.oid and d.classoid = 'pg_proc'::regclass and d.objsubid = 0
            where %s
            """.formatted(Sql.acl("coalesce(p.proacl, acldefault('f', p.proowner))"),
            Sql.notExtensionMember("pg_proc", "p.oid"));

    static List<Routine> routines(QueryRunner q) throws QueryRunner.Failure {
        return q.list("functions and procedures", ROUTINES, rs -> {
            Routine.Kind kind = switch (Sql.charOf(rs, "prokind")) {
                case 'p' -> Routine.Kind.PROCEDURE;
                case 'a' -> Routine.Kind.AGGREGATE;
                case 'w' -> Routine.Kind.WINDOW;
                default -> Routine.Kind.FUNCTION;
            };
            Routine.Volatility volatility = switch (Sql.charOf(rs, "provolatile")) {
                case 'i' -> Routine.Volatility.IMMUTABLE;
                case 's' -> Routine.Volatility.STABLE;
                default -> Routine.Volatility.VOLATILE;
            };
            Routine.Parallel parallel = switch (Sql.charOf(rs, "proparallel")) {
                case 's' -> Routine.Parallel.SAFE;
                case 'r' -> Routine.Parallel.RESTRICTED;
                default -> Routine.Parallel.UNSAFE;
            };
            return new Routine(rs.getString("nspname"), rs.getString("proname"), kind, rs.getString("arguments"),
                    rs.getString("result"), rs.getString("lanname"), volatility, parallel,
                    rs.getBoolean("proisstrict"), rs.getBoolean("prosecdef"), rs.getBoolean("proleakproof"),
                    Sql.strings(rs, "proconfig"), rs.getString("definition"), rs.getString("owner"),
                    rs.getString("description"), Sql.grants(rs, "acl"));
        });
    }

    // Checked on PostgreSQL 15: works on 12–17. Only CHECK constraints are read as checks (17 adds none
    // here; 18 stores domain NOT NULL as contype n, which typnotnull already covers).
    private static final String DOMAINS = Sql.USER_SCHEMAS + """
            select n.nspname, t.typname, pg_get_userbyid(t.typowner) as owner,
                   format_type(t.typbasetype, t.typtypmod) as base_type, t.typnotnull,
                   coalesce(pg_get_expr(t.typdefaultbin, 0), t.typdefault) as default_expr,
                   case when co.oid is null then null
                        when cn.nspname = 'pg_catalog' then co.collname::text
                        else cn.nspname || '.' || co.collname end as collation,
                   (select json_agg(json_build_array(k.conname, pg_get_constraintdef(k.oid), k.convalidated))
                      from pg_constraint k where k.contypid = t.oid and k.contype = 'c') as checks,
                   d.description,
                   %s as acl
            from pg_type t
            join user_schemas n on n.oid = t.typnamespace
            join pg_type bt on bt.oid = t.typbasetype
            left join pg_collation co on co.oid = t.typcollation and t.typcollation <> bt.typcollation
            left join pg_namespace cn on cn.oid = co.collnamespace
            left join pg_description d
                   on d.objoid = t.oid and d.classoid = 'pg_type'::regclass and d.objsubid = 0
            where t.typtype = 'd'
              and %s
            """.formatted(Sql.acl("coalesce(t.typacl, acldefault('T', t.typowner))"),
            Sql.notExtensionMember("pg_type", "t.oid"));

    static List<Domain> domains(QueryRunner q) throws QueryRunner.Failure {
        return q.list("domains", DOMAINS, rs -> {
            List<Domain.Check> checks = new ArrayList<>();
            String json = rs.getString("checks");
            if (json != null) {
                for (var node : Sql.jsonArray(json)) {
                    checks.add(new Domain.Check(node.get(0).asText(), node.get(1).asText(), node.get(2).asBoolean()));
                }
            }
            return new Domain(rs.getString("nspname"), rs.getString("typname"), rs.getString("owner"),
                    rs.getString("base_type"), rs.getBoolean("typnotnull"), rs.getString("default_expr"),
                    rs.getString("collation"), checks, rs.getString("description"), Sql.grants(rs, "acl"));
        });
    }

    // Checked on PostgreSQL 15: works on 12–17.
    private static final String ENUMS = Sql.USER_SCHEMAS + """
            select n.nspname, t.typname, pg_get_userbyid(t.typowner) as owner,
                   array(select e.enumlabel::text from pg_enum e
                          where e.enumtypid = t.oid order by e.enumsortorder) as labels,
                   d.description,
                   %s as acl
            from pg_type t
            join user_schemas n on n.oid = t.typnamespace
            left join pg_description d
                   on d.objoid = t.oid and d.classoid = 'pg_type'::regclass and d.objsubid = 0
            where t.typtype = 'e'
              and %s
            """.formatted(Sql.acl("coalesce(t.typacl, acldefault('T', t.typowner))"),
            Sql.notExtensionMember("pg_type", "t.oid"));

    static List<EnumType> enums(QueryRunner q) throws QueryRunner.Failure {
        return q.list("enum types", ENUMS, rs -> new EnumType(rs.getString("nspname"), rs.getString("typname"),
                rs.getString("owner"), Sql.strings(rs, "labels"), rs.getString("description"), Sql.grants(rs, "acl")));
    }

    // Checked on PostgreSQL 15: works on 12–17. The attributes come from the column query (relkind c).
    private static final String COMPOSITES = Sql.USER_SCHEMAS + """
            select t.typrelid, n.nspname, t.typname, pg_get_userbyid(t.typowner) as owner,
                   d.description,
                   %s as acl
            from pg_type t
            join user_schemas n on n.oid = t.typnamespace
            join pg_class c on c.oid = t.typrelid and c.relkind = 'c'
            left join pg_description d
                   on d.objoid = t.oid and d.classoid = 'pg_type'::regclass and d.objsubid = 0
            where t.typtype = 'c'
              and %s
            """.formatted(Sql.acl("coalesce(t.typacl, acldefault('T', t.typowner))"),
            Sql.notExtensionMember("pg_type", "t.oid"));

    static List<CompositeType> compositeTypes(QueryRunner q, Map<Long, List<Column>> columns)
            throws QueryRunner.Failure {
        return q.list("composite types", COMPOSITES, rs -> new CompositeType(rs.getString("nspname"),
                rs.getString("typname"), rs.getString("owner"), columns.get(rs.getLong("typrelid")),
                rs.getString("description"), Sql.grants(rs, "acl")));
    }

    // Checked on PostgreSQL 15: works on 12–17.
    private static final String EXTENSIONS = """
            select e.extname, e.extversion, n.nspname, pg_get_userbyid(e.extowner) as owner, d.description
            from pg_extension e
            join pg_namespace n on n.oid = e.extnamespace
            left join pg_description d on d.objoid = e.oid and d.classoid = 'pg_extension'::regclass
            """;

    static List<Extension> extensions(QueryRunner q) throws QueryRunner.Failure {
        return q.list("extensions", EXTENSIONS, rs -> new Extension(rs.getString("extname"),
                rs.getString("extversion"), rs.getString("nspname"), rs.getString("owner"),
                rs.getString("description")));
    }

    private ObjectQueries() {
    }
}
