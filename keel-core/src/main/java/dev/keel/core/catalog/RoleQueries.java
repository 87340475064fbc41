package dev.keel.core.catalog;

import java.util.List;

/** The queries for roles, role memberships and default privileges. Role passwords are never selected. */
final class RoleQueries {

    // Checked on PostgreSQL 15: works on 12–17. pg_roles, not pg_authid: it needs no superuser and shows
    // no password. Built-in roles are named pg_*, a prefix CREATE ROLE refuses.
    private static final String ROLES = """
            select r.rolname, r.rolcanlogin, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolreplication,
                   r.rolbypassrls, r.rolinherit, r.rolconnlimit,
                   case when r.rolvaliduntil is null then null
                        when isfinite(r.rolvaliduntil)
                          then to_char(r.rolvaliduntil at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                        else r.rolvaliduntil::text end as valid_until,
                   r.rolconfig,
                   d.description
            from pg_roles r
            left join pg_shdescription d on d.objoid = r.oid and d.classoid = 'pg_authid'::regclass
            where r.rolname !~ '^pg_'
            """;

    static List<Role> roles(QueryRunner q) throws QueryRunner.Failure {
        return q.list("roles", ROLES, rs -> new Role(rs.getString("rolname"), rs.getBoolean("rolcanlogin"),
                rs.getBoolean("rolsuper"), rs.getBoolean("rolcreatedb"), rs.getBoolean("rolcreaterole"),
                rs.getBoolean("rolreplication"), rs.getBoolean("rolbypassrls"), rs.getBoolean("rolinherit"),
                rs.getInt("rolconnlimit"), rs.getString("valid_until"), Sql.strings(rs, "rolconfig"),
                rs.getString("description")));
    }

    // Checked on PostgreSQL 15: works on 12–17 (16 adds inherit_option and set_option, not read here, and
    // allows one membership per grantor).
    private static final String MEMBERSHIPS = """
            select r.rolname as role, m.rolname as member, g.rolname as grantor, am.admin_option
            from pg_auth_members am
            join pg_roles r on r.oid = am.roleid
            join pg_roles m on m.oid = am.member
            left join pg_roles g on g.oid = am.grantor
            where m.rolname !~ '^pg_'
            """;

    static List<RoleMembership> memberships(QueryRunner q) throws QueryRunner.Failure {
        return q.list("role memberships", MEMBERSHIPS, rs -> new RoleMembership(rs.getString("role"),
                rs.getString("member"), rs.getString("grantor"), rs.getBoolean("admin_option")));
    }

    // Checked on PostgreSQL 15: works on 12–17 (defaclobjtype n exists since 10).
    private static final String DEFAULT_PRIVILEGES = Sql.USER_SCHEMAS + """
            select pg_get_userbyid(a.defaclrole) as role, n.nspname, a.defaclobjtype,
                   %s as acl
            from pg_default_acl a
            left join user_schemas n on n.oid = a.defaclnamespace
            where a.defaclnamespace = 0 or n.oid is not null
            """.formatted(Sql.acl("a.defaclacl"));

    static List<DefaultPrivilege> defaultPrivileges(QueryRunner q) throws QueryRunner.Failure {
        return q.list("default privileges", DEFAULT_PRIVILEGES, rs -> {
            DefaultPrivilege.ObjectType type = switch (Sql.charOf(rs, "defaclobjtype")) {
                case 'S' -> DefaultPrivilege.ObjectType.SEQUENCES;
                case 'f' -> DefaultPrivilege.ObjectType.FUNCTIONS;
                case 'T' -> DefaultPrivilege.ObjectType.TYPES;
                case 'n' -> DefaultPrivilege.ObjectType.SCHEMAS;
                default -> DefaultPrivilege.ObjectType.TABLES;
            };
            return new DefaultPrivilege(rs.getString("role"), rs.getString("nspname"), type, Sql.grants(rs, "acl"));
        });
    }

    private RoleQueries() {
    }
}
