package dev.keel.core.catalog;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The queries for tables, views and what hangs off them (columns, constraints, indexes, policies, sizes),
 * plus sequences and triggers. Each reads one kind of object for the whole database in one statement;
 * the parts are keyed by the owning relation's oid and put together by {@link CatalogReader}.
 */
final class RelationQueries {

    /** One row of pg_class for a table, partition, view or materialized view, before its parts are attached. */
    record Relation(long oid, String schema, String name, char kind, String owner, boolean unlogged,
                    boolean partition, String partitionBound, String partitionKey, boolean rowSecurity,
                    boolean forceRowSecurity, boolean populated, String tablespace, List<String> options,
                    String viewDefinition, String comment, List<Grant> privileges, List<QualifiedName> parents) {
    }

    // Checked on PostgreSQL 15. relispartition, relpartbound and pg_get_partkeydef exist since 10,
    // relrowsecurity/relforcerowsecurity since 9.5: works on 12–17.
    private static final String RELATIONS = Sql.USER_SCHEMAS + """
            select c.oid, n.nspname, c.relname, c.relkind, pg_get_userbyid(c.relowner) as owner,
                   c.relpersistence = 'u' as unlogged, c.relispartition,
                   case when c.relispartition then pg_get_expr(c.relpartbound, c.oid) end as partition_bound,
                   case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as partition_key,
                   c.relrowsecurity, c.relforcerowsecurity, c.relispopulated,
                   ts.spcname as tablespace, c.reloptions,
                   case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid, true) end as view_definition,
                   d.description,
                   %s as acl,
                   (select json_agg(json_build_array(pn.nspname, pc.relname) order by i.inhseqno)
                      from pg_inherits i
                      join pg_class pc on pc.oid = i.inhparent
                      join pg_namespace pn on pn.oid = pc.relnamespace
                     where i.inhrelid = c.oid) as parents
            from pg_class c
            join user_schemas n on n.oid = c.relnamespace
            left join pg_tablespace ts on ts.oid = c.reltablespace
            left join pg_description d
                   on d.objoid = c.oid and d.classoid = 'pg_class'::regclass and d.objsubid = 0
            where c.relkind in ('r', 'p', 'v', 'm')
              and %s
            """.formatted(Sql.acl("coalesce(c.relacl, acldefault('r', c.relowner))"),
            Sql.notExtensionMember("pg_class", "c.oid"));

    static List<Relation> relations(QueryRunner q) throws QueryRunner.Failure {
        return q.list("tables and views", RELATIONS, rs -> new Relation(
                rs.getLong("oid"), rs.getString("nspname"), rs.getString("relname"), Sql.charOf(rs, "relkind"),
                rs.getString("owner"), rs.getBoolean("unlogged"), rs.getBoolean("relispartition"),
                rs.getString("partition_bound"), rs.getString("partition_key"), rs.getBoolean("relrowsecurity"),
                rs.getBoolean("relforcerowsecurity"), rs.getBoolean("relispopulated"), rs.getString("tablespace"),
                Sql.strings(rs, "reloptions"), rs.getString("view_definition"), rs.getString("description"),
                Sql.grants(rs, "acl"), Sql.names(rs, "parents")));
    }

    // Checked on PostgreSQL 15. attgenerated exists since 12, attidentity since 10: works on 12–17.
    // Also reads the attributes of composite types (relkind c), which the type query picks up by typrelid.
    private static final String COLUMNS = Sql.USER_SCHEMAS + """
            select a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull,
                   case when a.attgenerated = '' then pg_get_expr(ad.adbin, ad.adrelid) end as default_expr,
                   case when a.attgenerated <> '' then pg_get_expr(ad.adbin, ad.adrelid) end as generated_expr,
                   a.attidentity,
                   case when co.oid is null then null
                        when cn.nspname = 'pg_catalog' then co.collname::text
                        else cn.nspname || '.' || co.collname end as collation,
                   d.description,
                   case when a.attacl is not null then %s end as acl
            from pg_attribute a
            join pg_class c on c.oid = a.attrelid
            join user_schemas n on n.oid = c.relnamespace
            join pg_type t on t.oid = a.atttypid
            left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
            left join pg_collation co on co.oid = a.attcollation and a.attcollation <> t.typcollation
            left join pg_namespace cn on cn.oid = co.collnamespace
            left join pg_description d
                   on d.objoid = a.attrelid and d.classoid = 'pg_class'::regclass and d.objsubid = a.attnum
            where a.attnum > 0 and not a.attisdropped
              and c.relkind in ('r', 'p', 'v', 'm', 'c')
            """.formatted(Sql.acl("a.attacl"));

    static Map<Long, List<Column>> columns(QueryRunner q) throws QueryRunner.Failure {
        record Row(long relation, int attnum, Column column) {
        }
        // Positions are numbered here rather than with row_number() in SQL: sorting pg_attribute rows
        // with their default expressions spills to disk on a big database.
        List<Row> rows = q.list("columns", COLUMNS, rs -> {
            char identity = Sql.charOf(rs, "attidentity");
            return new Row(rs.getLong("attrelid"), rs.getInt("attnum"), new Column(
                    0, rs.getString("attname"), rs.getString("type"), rs.getBoolean("attnotnull"),
                    rs.getString("default_expr"),
                    identity == 'a' ? Column.Identity.ALWAYS : identity == 'd' ? Column.Identity.BY_DEFAULT : null,
                    rs.getString("generated_expr"), rs.getString("collation"), rs.getString("description"),
                    Sql.grants(rs, "acl")));
        });
        rows.sort(Comparator.comparingLong(Row::relation).thenComparingInt(Row::attnum));
        Map<Long, List<Column>> out = new HashMap<>();
        for (Row r : rows) {
            List<Column> columns = out.computeIfAbsent(r.relation(), k -> new ArrayList<>());
            Column c = r.column();
            columns.add(new Column(columns.size() + 1, c.name(), c.type(), c.notNull(), c.defaultExpression(),
                    c.identity(), c.generatedExpression(), c.collation(), c.comment(), c.privileges()));
        }
        return out;
    }

    // Checked on PostgreSQL 15. conparentid exists since 11; contype n (not-null, PostgreSQL 18) and
    // t (constraint triggers, listed as triggers) are left out: works on 12–17.
    private static final String CONSTRAINTS = Sql.USER_SCHEMAS + """
            select co.conrelid, co.conname, co.contype, pg_get_constraintdef(co.oid) as definition,
                   co.condeferrable, co.condeferred, co.convalidated,
                   (select array_agg(a.attname::text order by array_position(co.conkey, a.attnum))
                      from pg_attribute a
                     where a.attrelid = co.conrelid and a.attnum = any (co.conkey)) as columns,
                   fn.nspname as ref_schema, fc.relname as ref_table,
                   (select array_agg(a.attname::text order by array_position(co.confkey, a.attnum))
                      from pg_attribute a
                     where a.attrelid = co.confrelid and a.attnum = any (co.confkey)) as ref_columns,
                   co.confupdtype, co.confdeltype, co.confmatchtype,
                   case when co.contype in ('p', 'u', 'x') then ic.relname end as index_name,
                   pn.nspname as parent_schema, pt.relname as parent_table, pco.conname as parent_name,
                   d.description
            from pg_constraint co
            join pg_class c on c.oid = co.conrelid
            join user_schemas n on n.oid = c.relnamespace
            left join pg_class fc on fc.oid = co.confrelid
            left join pg_namespace fn on fn.oid = fc.relnamespace
            left join pg_class ic on ic.oid = co.conindid
            left join pg_constraint pco on pco.oid = co.conparentid
            left join pg_class pt on pt.oid = pco.conrelid
            left join pg_namespace pn on pn.oid = pt.relnamespace
            left join pg_description d on d.objoid = co.oid and d.classoid = 'pg_constraint'::regclass
            where co.contype in ('p', 'u', 'f', 'c', 'x')
              and c.relkind in ('r', 'p')
              and %s
            """.formatted(Sql.notExtensionMember("pg_class", "c.oid"));

    static Map<Long, List<Constraint>> constraints(QueryRunner q) throws QueryRunner.Failure {
        record Row(long relation, Constraint constraint) {
        }
        List<Row> rows = q.list("constraints", CONSTRAINTS, rs -> {
            Constraint.Type type = switch (Sql.charOf(rs, "contype")) {
                case 'p' -> Constraint.Type.PRIMARY_KEY;
                case 'u' -> Constraint.Type.UNIQUE;
                case 'f' -> Constraint.Type.FOREIGN_KEY;
                case 'c' -> Constraint.Type.CHECK;
                default -> Constraint.Type.EXCLUSION;
            };
            boolean fk = type == Constraint.Type.FOREIGN_KEY;
            String parentName = rs.getString("parent_name");
            ConstraintRef parent = parentName == null ? null
                    : new ConstraintRef(rs.getString("parent_schema"), rs.getString("parent_table"), parentName);
            return new Row(rs.getLong("conrelid"), new Constraint(
                    rs.getString("conname"), type, Sql.strings(rs, "columns"), rs.getString("definition"),
                    rs.getBoolean("condeferrable"), rs.getBoolean("condeferred"), rs.getBoolean("convalidated"),
                    fk ? Sql.name(rs, "ref_schema", "ref_table") : null,
                    fk ? Sql.strings(rs, "ref_columns") : List.of(),
                    fk ? action(Sql.charOf(rs, "confupdtype")) : null,
                    fk ? action(Sql.charOf(rs, "confdeltype")) : null,
                    fk ? match(Sql.charOf(rs, "confmatchtype")) : null,
                    rs.getString("index_name"), parent, rs.getString("description")));
        });
        Map<Long, List<Constraint>> out = new HashMap<>();
        rows.forEach(r -> out.computeIfAbsent(r.relation(), k -> new ArrayList<>()).add(r.constraint()));
        return out;
    }

    private static Constraint.Action action(char code) {
        return switch (code) {
            case 'r' -> Constraint.Action.RESTRICT;
            case 'c' -> Constraint.Action.CASCADE;
            case 'n' -> Constraint.Action.SET_NULL;
            case 'd' -> Constraint.Action.SET_DEFAULT;
            default -> Constraint.Action.NO_ACTION;
        };
    }

    private static Constraint.Match match(char code) {
        return switch (code) {
            case 'f' -> Constraint.Match.FULL;
            case 'p' -> Constraint.Match.PARTIAL;
            default -> Constraint.Match.SIMPLE;
        };
    }

    // Checked on PostgreSQL 15. indnkeyatts (INCLUDE columns) exists since 11: works on 12–17.
    // pg_get_indexdef(oid, k, true) costs about as much as the whole definition, so it is called only for
    // expression keys (indkey 0); for a plain column it writes quote_ident(attname), as done here.
    private static final String INDEXES = Sql.USER_SCHEMAS + """
            select i.indrelid, ic.relname, am.amname, i.indisunique, i.indisprimary, i.indisvalid,
                   array(select case when i.indkey[k - 1] = 0 then pg_get_indexdef(i.indexrelid, k, true)
                                     else quote_ident(a.attname) end
                           from generate_series(1, i.indnkeyatts) k
                           left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[k - 1]
                          order by k) as keys,
                   array(select quote_ident(a.attname)
                           from generate_series(i.indnkeyatts + 1, i.indnatts) k
                           join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[k - 1]
                          order by k) as include,
                   pg_get_expr(i.indpred, i.indrelid, true) as predicate,
                   pg_get_indexdef(i.indexrelid) as definition,
                   con.conname as constraint_name,
                   pin.nspname as parent_schema, pic.relname as parent_name,
                   ts.spcname as tablespace,
                   d.description
            from pg_index i
            join pg_class ic on ic.oid = i.indexrelid
            join pg_class c on c.oid = i.indrelid
            join user_schemas n on n.oid = c.relnamespace
            join pg_am am on am.oid = ic.relam
            left join pg_constraint con
                   on con.conindid = i.indexrelid and con.conrelid = i.indrelid and con.contype in ('p', 'u', 'x')
            left join pg_inherits ih on ih.inhrelid = i.indexrelid
            left join pg_class pic on pic.oid = ih.inhparent
            left join pg_namespace pin on pin.oid = pic.relnamespace
            left join pg_tablespace ts on ts.oid = ic.reltablespace
            left join pg_description d
                   on d.objoid = i.indexrelid and d.classoid = 'pg_class'::regclass and d.objsubid = 0
            where c.relkind in ('r', 'p', 'm')
              and %s
            """.formatted(Sql.notExtensionMember("pg_class", "c.oid"));

    static Map<Long, List<Index>> indexes(QueryRunner q) throws QueryRunner.Failure {
        record Row(long relation, Index index) {
        }
        List<Row> rows = q.list("indexes", INDEXES, rs -> new Row(rs.getLong("indrelid"), new Index(
                rs.getString("relname"), rs.getString("amname"), Sql.strings(rs, "keys"), Sql.strings(rs, "include"),
                rs.getString("predicate"), rs.getBoolean("indisunique"), rs.getBoolean("indisprimary"),
                rs.getBoolean("indisvalid"), rs.getString("definition"), rs.getString("constraint_name"),
                Sql.name(rs, "parent_schema", "parent_name"), rs.getString("tablespace"),
                rs.getString("description"))));
        Map<Long, List<Index>> out = new HashMap<>();
        rows.forEach(r -> out.computeIfAbsent(r.relation(), k -> new ArrayList<>()).add(r.index()));
        return out;
    }

    // Checked on PostgreSQL 15. polpermissive exists since 10: works on 12–17.
    private static final String POLICIES = Sql.USER_SCHEMAS + """
            select p.polrelid, p.polname, p.polcmd, p.polpermissive,
                   array(select case when r = 0 then 'PUBLIC' else pg_get_userbyid(r)::text end
                           from unnest(p.polroles) r) as roles,
                   pg_get_expr(p.polqual, p.polrelid) as using_expr,
                   pg_get_expr(p.polwithcheck, p.polrelid) as check_expr,
                   d.description
            from pg_policy p
            join pg_class c on c.oid = p.polrelid
            join user_schemas n on n.oid = c.relnamespace
            left join pg_description d on d.objoid = p.oid and d.classoid = 'pg_policy'::regclass
            where %s
            """.formatted(Sql.notExtensionMember("pg_class", "c.oid"));

    static Map<Long, List<Policy>> policies(QueryRunner q) throws QueryRunner.Failure {
        record Row(long relation, Policy policy) {
        }
        List<Row> rows = q.list("row-level security policies", POLICIES, rs -> {
            Policy.Command command = switch (Sql.charOf(rs, "polcmd")) {
                case 'r' -> Policy.Command.SELECT;
                case 'a' -> Policy.Command.INSERT;
                case 'w' -> Policy.Command.UPDATE;
                case 'd' -> Policy.Command.DELETE;
                default -> Policy.Command.ALL;
            };
            return new Row(rs.getLong("polrelid"), new Policy(rs.getString("polname"), command,
                    rs.getBoolean("polpermissive"), Sql.strings(rs, "roles"), rs.getString("using_expr"),
                    rs.getString("check_expr"), rs.getString("description")));
        });
        Map<Long, List<Policy>> out = new HashMap<>();
        rows.forEach(r -> out.computeIfAbsent(r.relation(), k -> new ArrayList<>()).add(r.policy()));
        return out;
    }

    // Checked on PostgreSQL 15: works on 12–17. reltuples is -1 until the first VACUUM or ANALYZE on 14+
    // (0 on 12 and 13). The size functions take and at once release an ACCESS SHARE lock on each table,
    // so the caller runs this with a lock_timeout. pg_total_relation_size is exactly pg_table_size plus
    // pg_indexes_size; adding them here saves it opening every table a third time.
    private static final String STATISTICS = Sql.USER_SCHEMAS + """
            select c.oid, c.reltuples::float8 as reltuples,
                   pg_table_size(c.oid) as table_bytes,
                   pg_indexes_size(c.oid) as index_bytes
            from pg_class c
            join user_schemas n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p', 'm')
              and %s
            """.formatted(Sql.notExtensionMember("pg_class", "c.oid"));

    static Map<Long, TableStatistics> statistics(QueryRunner q) throws QueryRunner.Failure {
        record Row(long relation, TableStatistics statistics) {
        }
        List<Row> rows = q.list("table statistics", STATISTICS, rs -> {
            double tuples = rs.getDouble("reltuples");
            long tableBytes = rs.getLong("table_bytes");
            long indexBytes = rs.getLong("index_bytes");
            return new Row(rs.getLong("oid"), new TableStatistics(tuples < 0 ? null : Math.round(tuples),
                    tableBytes + indexBytes, tableBytes, indexBytes));
        });
        Map<Long, TableStatistics> out = new HashMap<>();
        rows.forEach(r -> out.put(r.relation(), r.statistics()));
        return out;
    }

    // Checked on PostgreSQL 15. pg_sequence exists since 10: works on 12–17. The owning column is the
    // pg_depend row a serial or OWNED BY (deptype a) or an identity column (deptype i) leaves.
    private static final String SEQUENCES = Sql.USER_SCHEMAS + """
            select n.nspname, c.relname, pg_get_userbyid(c.relowner) as owner,
                   format_type(s.seqtypid, null) as data_type,
                   s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle, s.seqcache,
                   dep.deptype, own_n.nspname as owner_schema, own_c.relname as owner_table,
                   own_a.attname as owner_column,
                   d.description,
                   %s as acl
            from pg_sequence s
            join pg_class c on c.oid = s.seqrelid
            join user_schemas n on n.oid = c.relnamespace
            left join pg_depend dep
                   on dep.classid = 'pg_class'::regclass and dep.objid = c.oid
                  and dep.refclassid = 'pg_class'::regclass and dep.refobjsubid > 0 and dep.deptype in ('a', 'i')
            left join pg_class own_c on own_c.oid = dep.refobjid
            left join pg_namespace own_n on own_n.oid = own_c.relnamespace
            left join pg_attribute own_a on own_a.attrelid = dep.refobjid and own_a.attnum = dep.refobjsubid
            left join pg_description d
                   on d.objoid = c.oid and d.classoid = 'pg_class'::regclass and d.objsubid = 0
            where %s
            """.formatted(Sql.acl("coalesce(c.relacl, acldefault('s', c.relowner))"),
            Sql.notExtensionMember("pg_class", "c.oid"));

    static List<Sequence> sequences(QueryRunner q) throws QueryRunner.Failure {
        return q.list("sequences", SEQUENCES, rs -> {
            String ownerColumn = rs.getString("owner_column");
            ColumnRef ownedBy = ownerColumn == null ? null
                    : new ColumnRef(rs.getString("owner_schema"), rs.getString("owner_table"), ownerColumn);
            return new Sequence(rs.getString("nspname"), rs.getString("relname"), rs.getString("owner"),
                    rs.getString("data_type"), rs.getLong("seqstart"), rs.getLong("seqincrement"),
                    rs.getLong("seqmin"), rs.getLong("seqmax"), rs.getBoolean("seqcycle"), rs.getLong("seqcache"),
                    ownedBy, Sql.charOf(rs, "deptype") == 'i', rs.getString("description"), Sql.grants(rs, "acl"));
        });
    }

    // Checked on PostgreSQL 15: works on 12–17. On 12 the triggers cloned onto partitions are internal
    // (tgisinternal), so they are not listed there; from 13 on they are ordinary triggers.
    private static final String TRIGGERS = Sql.USER_SCHEMAS + """
            select n.nspname, c.relname, t.tgname, t.tgtype, t.tgenabled,
                   pn.nspname as function_schema, p.proname as function_name,
                   t.tgconstraint <> 0 as is_constraint,
                   pg_get_triggerdef(t.oid, true) as definition,
                   d.description
            from pg_trigger t
            join pg_class c on c.oid = t.tgrelid
            join user_schemas n on n.oid = c.relnamespace
            join pg_proc p on p.oid = t.tgfoid
            join pg_namespace pn on pn.oid = p.pronamespace
            left join pg_description d on d.objoid = t.oid and d.classoid = 'pg_trigger'::regclass
            where not t.tgisinternal
              and %s
            """.formatted(Sql.notExtensionMember("pg_class", "c.oid"));

    // Bits of pg_trigger.tgtype, from PostgreSQL's catalog/pg_trigger.h.
    private static final int ROW = 1;
    private static final int BEFORE = 1 << 1;
    private static final int INSERT = 1 << 2;
    private static final int DELETE = 1 << 3;
    private static final int UPDATE = 1 << 4;
    private static final int TRUNCATE = 1 << 5;
    private static final int INSTEAD = 1 << 6;

    static List<Trigger> triggers(QueryRunner q) throws QueryRunner.Failure {
        return q.list("triggers", TRIGGERS, rs -> {
            int type = rs.getInt("tgtype");
            Trigger.Timing timing = (type & INSTEAD) != 0 ? Trigger.Timing.INSTEAD_OF
                    : (type & BEFORE) != 0 ? Trigger.Timing.BEFORE : Trigger.Timing.AFTER;
            List<Trigger.Event> events = new ArrayList<>();
            if ((type & INSERT) != 0) {
                events.add(Trigger.Event.INSERT);
            }
            if ((type & UPDATE) != 0) {
                events.add(Trigger.Event.UPDATE);
            }
            if ((type & DELETE) != 0) {
                events.add(Trigger.Event.DELETE);
            }
            if ((type & TRUNCATE) != 0) {
                events.add(Trigger.Event.TRUNCATE);
            }
            Trigger.Enabled enabled = switch (Sql.charOf(rs, "tgenabled")) {
                case 'R' -> Trigger.Enabled.REPLICA;
                case 'A' -> Trigger.Enabled.ALWAYS;
                case 'D' -> Trigger.Enabled.DISABLED;
                default -> Trigger.Enabled.ORIGIN;
            };
            return new Trigger(rs.getString("nspname"), rs.getString("relname"), rs.getString("tgname"), timing,
                    events, (type & ROW) != 0 ? Trigger.Level.ROW : Trigger.Level.STATEMENT,
                    Sql.name(rs, "function_schema", "function_name"), enabled, rs.getBoolean("is_constraint"),
                    rs.getString("definition"), rs.getString("description"));
        });
    }

    private RelationQueries() {
    }
}
