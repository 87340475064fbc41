package dev.keel.schema.lint;

import java.util.ArrayList;
import java.util.List;

/**
 * The rules for CREATE statements: CREATE TABLE (its columns' types and keys; the table is recorded as new,
 * so later statements on it are exempt from lock rules), CREATE INDEX, CREATE DOMAIN, CREATE MATERIALIZED
 * VIEW, CREATE VIEW and CREATE SEQUENCE (recorded as new), and CREATE TRIGGER (which locks its table).
 */
final class CreateRules {

    private CreateRules() {
    }

    static void check(StatementCheck s) {
        Cursor c = s.cursor();
        c.accept("CREATE");
        c.accept("OR", "REPLACE");
        if (!c.accept("GLOBAL")) {
            c.accept("LOCAL");
        }
        boolean temporary = c.accept("TEMPORARY") || c.accept("TEMP");
        c.accept("UNLOGGED");
        if (c.accept("TABLE")) {
            table(s, c, temporary);
        } else if (c.peekIs("INDEX") || c.peekIs("UNIQUE", "INDEX")) {
            index(s, c);
        } else if (c.accept("MATERIALIZED", "VIEW") || c.accept("VIEW") || c.accept("RECURSIVE", "VIEW")
                || c.accept("SEQUENCE")) {
            // relations ALTER TABLE also accepts (pg_dump writes ALTER TABLE seq OWNER TO ...)
            c.accept("IF", "NOT", "EXISTS");
            Cursor.Name name = c.name();
            if (name != null) {
                s.file.newTables.add(s.file.qualify(name));
            }
        } else if (c.accept("DOMAIN")) {
            domain(s, c);
        } else if (c.accept("TRIGGER") || c.accept("CONSTRAINT", "TRIGGER")) {
            if (c.skipTo("ON")) {
                c.next();
                Cursor.Name table = c.name();
                if (table != null) {
                    String qualified = s.file.qualify(table);
                    s.locks(qualified, LockMode.SHARE_ROW_EXCLUSIVE, !s.file.isNewTable(qualified));
                }
            }
        }
    }

    private static void table(StatementCheck s, Cursor c, boolean temporary) {
        c.accept("IF", "NOT", "EXISTS");
        Cursor.Name name = c.name();
        if (name == null) {
            return;
        }
        String table = s.file.qualify(name);
        s.file.newTables.add(table);
        if (c.accept("OF")) {
            return;
        }
        if (c.accept("PARTITION", "OF")) {
            c.name();
        }
        if (c.peekIs("(")) {
            Cursor elements = c.group();
            if (!c.peekIs("AS") && !temporary) {
                columns(s, table, elements);
            }
            return;
        }
        if (c.skipTo("AS") && !temporary) {
            createTableAs(s, table, "CREATE TABLE " + s.text(name) + " AS ...");
        }
    }

    static void createTableAs(StatementCheck s, String table, String form) {
        s.add(Hit.of(LintRule.CREATE_TABLE_AS, table,
                form + " creates " + table + " with column names and types taken from the query, and no primary key, "
                        + "NOT NULL or other constraints.",
                "CREATE TABLE " + table + " (<column> <type> ..., PRIMARY KEY (<key>));\n"
                        + "INSERT INTO " + table + " (<columns>) SELECT ...;"));
    }

    private static void columns(StatementCheck s, String table, Cursor elements) {
        List<Cursor> parts = elements.splitTopLevel(",");
        List<String> primaryKey = List.of();
        List<ColumnDef> columns = new ArrayList<>();
        for (Cursor part : parts) {
            if (part.accept("CONSTRAINT")) {
                part.next();
            }
            if (part.accept("PRIMARY", "KEY")) {
                primaryKey = part.group().nameList();
                continue;
            }
            if (part.peekIs("UNIQUE") || part.peekIs("CHECK") || part.peekIs("FOREIGN") || part.peekIs("EXCLUDE")
                    || part.peekIs("LIKE")) {
                continue;
            }
            ColumnDef column = ColumnDef.parse(part);
            if (column != null) {
                columns.add(column);
            }
        }
        for (ColumnDef column : columns) {
            boolean key = column.primaryKey() || primaryKey.size() == 1 && primaryKey.get(0).equals(column.name());
            ColumnStyleRules.check(s, table, column, key);
        }
    }

    private static void index(StatementCheck s, Cursor c) {
        c.accept("UNIQUE");
        int indexAt = c.position();
        c.accept("INDEX");
        boolean concurrently = c.accept("CONCURRENTLY");
        c.accept("IF", "NOT", "EXISTS");
        Cursor.Name index = c.peekIs("ON") ? null : c.name();
        if (!c.accept("ON")) {
            return;
        }
        boolean only = c.accept("ONLY");
        Cursor.Name tableName = c.name();
        if (tableName == null) {
            return;
        }
        String table = s.file.qualify(tableName);
        if (index != null) {
            String schema = index.schema() != null ? index.schema() : table.substring(0, table.lastIndexOf('.'));
            s.file.newIndexes.add(schema + "." + index.name());
            s.file.newIndexNames.add(index.name());
        }
        boolean existing = !s.file.isNewTable(table);
        if (concurrently) {
            if (s.file.inTransaction) {
                MigrationLinter.concurrentlyInTransaction(s, table, "CREATE INDEX CONCURRENTLY");
            }
            return;
        }
        s.locks(table, LockMode.SHARE, existing);
        if (only || !s.mayHaveRows(table)) {
            return; // ON ONLY a partitioned table creates an invalid parent index without building anything
        }
        String sql = s.statement.sql();
        int insertAt = s.tokens.get(indexAt).end();
        String concurrent = sql.substring(0, insertAt) + " CONCURRENTLY" + sql.substring(insertAt) + ";";
        s.add(Hit.of(LintRule.CREATE_INDEX_NOT_CONCURRENTLY, table,
                "Building this index holds a ShareLock on " + table + ": every INSERT, UPDATE and DELETE waits for the "
                        + "whole build.",
                concurrent + "\n"
                        + "-- outside BEGIN ... COMMIT (in Flyway: a migration of its own)\n"
                        + "-- if it fails it leaves an INVALID index: DROP INDEX CONCURRENTLY it and run again\n"
                        + "-- a partitioned table: CREATE INDEX ... ON ONLY the parent, CREATE INDEX CONCURRENTLY on each\n"
                        + "-- partition, then ALTER INDEX <parent index> ATTACH PARTITION <partition index>")
                .locking(LockMode.SHARE, false, true), table);
    }

    private static void domain(StatementCheck s, Cursor c) {
        Cursor.Name name = c.name();
        if (name == null) {
            return;
        }
        String domain = s.file.qualify(name);
        s.file.newDomains.add(domain);
        if (c.containsTopLevel("CHECK") || c.containsTopLevel("NOT", "NULL")) {
            s.add(Hit.of(LintRule.CREATE_DOMAIN_WITH_CONSTRAINT, domain,
                    "The domain " + domain + " carries a constraint: adding or changing one later checks every column "
                            + "of the domain in every table while blocking writes to them, and has no online form.",
                    "-- put the CHECK on each table's column instead, where NOT VALID + VALIDATE CONSTRAINT work online"));
        }
    }
}
