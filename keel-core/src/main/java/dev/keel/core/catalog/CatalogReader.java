package dev.keel.core.catalog;

import dev.keel.core.KeelException;
import dev.keel.core.progress.Progress;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads one database into a {@link Catalog}. It runs one query per kind of object for the whole database
 * (never one per table), so the cost grows with the number of objects, not with round trips.
 *
 * <p>All queries run in one read-only REPEATABLE READ transaction, or inside a savepoint when the caller's
 * connection is already in a transaction; either way the session is left as it was found. Inside it
 * search_path is empty, so every name from a user schema comes out schema-qualified, and TimeZone, DateStyle,
 * IntervalStyle and extra_float_digits are fixed, so expressions with constants (partition bounds,
 * defaults, checks) read the same from every client.
 */
public final class CatalogReader {

    // Statistics call pg_total_relation_size, which waits for a lock another session holds exclusively.
    // Every query waits at most this long for a lock: a table under an ACCESS EXCLUSIVE lock (a long ALTER, a
    // LOCK TABLE) blocks pg_get_expr and the size functions, and a reader must say so rather than hang.
    private static final String LOCK_TIMEOUT = "5s";

    private final QueryRunner queries;
    private final CatalogOptions options;

    private CatalogReader(Connection connection, CatalogOptions options, Progress progress) {
        this.queries = new QueryRunner(connection, options.schemas(), progress);
        this.options = options;
    }

    /**
     * Reads the catalog of the database {@code connection} is connected to. The connection stays open and
     * is returned in the state it was in (auto-commit, transaction, settings).
     *
     * @throws CatalogException when the server fails a query (exit 3) or the schema filter names a schema
     *                          the database does not have (exit 2)
     */
    public static Catalog read(Connection connection, CatalogOptions options) {
        return read(connection, options, Progress.silent());
    }

    /** As {@link #read(Connection, CatalogOptions)}, advancing {@code progress} by one per query run. */
    public static Catalog read(Connection connection, CatalogOptions options, Progress progress) {
        Objects.requireNonNull(connection, "null connection");
        Objects.requireNonNull(options, "null options");
        Objects.requireNonNull(progress, "null progress");
        CatalogReader reader = new CatalogReader(connection, options, progress);
        try {
            if (connection.getAutoCommit()) {
                connection.setAutoCommit(false);
                try {
                    reader.queries.execute("a read-only transaction",
                            "set transaction isolation level repeatable read, read only");
                    return reader.readAll();
                } finally {
                    connection.rollback();
                    connection.setAutoCommit(true);
                }
            }
            Savepoint savepoint = connection.setSavepoint();
            try {
                return reader.readAll();
            } finally {
                // Rolling back to the savepoint also undoes the SET LOCALs.
                connection.rollback(savepoint);
                connection.releaseSavepoint(savepoint);
            }
        } catch (QueryRunner.Failure f) {
            throw failure(connection, f.what, f.sqlException());
        } catch (SQLException e) {
            throw failure(connection, "the catalog", e);
        }
    }

    private Catalog readAll() throws QueryRunner.Failure {
        queries.execute("session settings", """
                select set_config('search_path', '', true),
                       set_config('TimeZone', 'UTC', true),
                       set_config('DateStyle', 'ISO, MDY', true),
                       set_config('IntervalStyle', 'postgres', true),
                       set_config('extra_float_digits', '3', true),
                       set_config('lock_timeout', '%s', true)
                """.formatted(LOCK_TIMEOUT));
        record Server(String database, String version, int versionNumber) {
        }
        // Checked on PostgreSQL 15: works on 12–17.
        Server server = queries.list("the server version", """
                select current_database() as db, current_setting('server_version') as version,
                       current_setting('server_version_num')::int as version_num
                """, rs -> new Server(rs.getString("db"), rs.getString("version"), rs.getInt("version_num")))
                .get(0);

        List<Schema> schemas = ObjectQueries.schemas(queries);
        checkSchemaFilter(server.database(), schemas);

        List<RelationQueries.Relation> relations = RelationQueries.relations(queries);
        Map<Long, List<Column>> columns = RelationQueries.columns(queries);
        Map<Long, List<Constraint>> constraints = RelationQueries.constraints(queries);
        Map<Long, List<Index>> indexes = RelationQueries.indexes(queries);
        Map<Long, List<Policy>> policies = RelationQueries.policies(queries);
        Map<Long, TableStatistics> statistics = Map.of();
        if (options.statistics()) {
            statistics = RelationQueries.statistics(queries);
        }

        List<Table> tables = new ArrayList<>();
        List<View> views = new ArrayList<>();
        for (RelationQueries.Relation r : relations) {
            if (r.kind() == 'v' || r.kind() == 'm') {
                views.add(new View(r.schema(), r.name(), r.owner(), r.kind() == 'm', r.populated(),
                        r.viewDefinition(), r.options(), r.tablespace(), r.comment(), columns.get(r.oid()),
                        indexes.get(r.oid()), r.privileges(), statistics.get(r.oid())));
            } else {
                QualifiedName partitionOf = r.partition() && !r.parents().isEmpty() ? r.parents().get(0) : null;
                tables.add(new Table(r.schema(), r.name(), r.owner(), r.kind() == 'p', r.partitionKey(),
                        partitionOf, r.partitionBound(), r.partition() ? List.of() : r.parents(), r.unlogged(),
                        r.options(), r.tablespace(), r.rowSecurity(), r.forceRowSecurity(), r.comment(),
                        columns.get(r.oid()), constraints.get(r.oid()), indexes.get(r.oid()),
                        policies.get(r.oid()), r.privileges(), statistics.get(r.oid())));
            }
        }

        return new Catalog(server.database(), server.version(), server.versionNumber(), schemas, tables, views,
                RelationQueries.sequences(queries), ObjectQueries.routines(queries),
                RelationQueries.triggers(queries), ObjectQueries.domains(queries), ObjectQueries.enums(queries),
                ObjectQueries.compositeTypes(queries, columns), ObjectQueries.extensions(queries),
                RoleQueries.roles(queries), RoleQueries.memberships(queries),
                RoleQueries.defaultPrivileges(queries));
    }

    private void checkSchemaFilter(String database, List<Schema> found) {
        Set<String> names = new HashSet<>();
        found.forEach(s -> names.add(s.name()));
        List<String> missing = options.schemas().stream().filter(s -> !names.contains(s)).toList();
        if (!missing.isEmpty()) {
            throw new CatalogException("database " + database + " has no user schema named "
                    + String.join(", ", missing),
                    "check the spelling; list the schemas with keel inspect", KeelException.USAGE, null);
        }
    }

    private static CatalogException failure(Connection connection, String what, SQLException e) {
        String state = e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")";
        String remedy = "55P03".equals(e.getSQLState()) ? lockHolders(connection) : null;
        return new CatalogException("cannot read " + what + ": " + firstLine(e.getMessage()) + state, remedy,
                KeelException.RUNTIME, e);
    }

    /**
     * Who holds the ACCESS EXCLUSIVE locks that made a read time out, as a remedy: the pid, its application, the
     * table and for how long, never the query text (it may hold a password). Read after the failed transaction was
     * rolled back; when that is impossible, a generic remedy.
     */
    private static String lockHolders(Connection connection) {
        String generic = "another session holds an ACCESS EXCLUSIVE lock on a table for longer than " + LOCK_TIMEOUT
                + "; retry once it commits";
        List<String> holders = new ArrayList<>();
        int first = 0;
        try (var st = connection.createStatement(); var rs = st.executeQuery("""
                select l.pid, coalesce(nullif(a.application_name, ''), a.usename, '?') as app,
                       quote_ident(n.nspname) || '.' || quote_ident(c.relname) as tbl,
                       coalesce(extract(epoch from now() - a.xact_start)::bigint, 0) as seconds
                from pg_locks l
                join pg_class c on c.oid = l.relation
                join pg_namespace n on n.oid = c.relnamespace
                left join pg_stat_activity a on a.pid = l.pid
                where l.granted and l.locktype = 'relation' and l.mode = 'AccessExclusiveLock'
                  and l.database = (select oid from pg_database where datname = current_database())
                  and l.pid <> pg_backend_pid()
                order by a.xact_start nulls last, l.pid
                limit 3
                """)) {
            while (rs.next()) {
                first = holders.isEmpty() ? rs.getInt("pid") : first;
                holders.add("pid " + rs.getInt("pid") + " (" + rs.getString("app") + ") on " + rs.getString("tbl")
                        + " for " + rs.getLong("seconds") + " s");
            }
        } catch (SQLException ignored) {
            return generic;
        }
        if (holders.isEmpty()) {
            return generic;
        }
        return "an ACCESS EXCLUSIVE lock is held: " + String.join("; ", holders) + "; retry once it commits, or end it"
                + " with select pg_cancel_backend(" + first + ")";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no message from the driver";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
