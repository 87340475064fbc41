package dev.keel.schema.lint;

import dev.keel.core.findings.Severity;
import java.util.List;

/**
 * The rules for {@code ALTER TABLE [IF EXISTS] [ONLY] name action [, action ...]}: each comma-separated
 * action is judged on its own, and the statement's lock is the strongest any action takes. Lock modes are
 * those of PostgreSQL's AlterTableGetLockLevel.
 */
final class AlterTableRules {

    private AlterTableRules() {
    }

    /** What every action of one ALTER TABLE needs to know. */
    private record Target(StatementCheck s, String table, String tableSql, String bareName, boolean existing) {

        FileState file() {
            return s.file;
        }

        boolean mayHaveRows() {
            return existing && s.mayHaveRows(table);
        }

        void add(Hit hit) {
            s.add(hit, table);
        }
    }

    static void check(StatementCheck s) {
        Cursor c = s.cursor();
        if (!c.accept("ALTER", "TABLE") || c.peekIs("ALL", "IN")) {
            return;
        }
        c.accept("IF", "EXISTS");
        c.accept("ONLY");
        Cursor.Name name = c.name();
        if (name == null) {
            return;
        }
        c.accept("*");
        String table = s.file.qualify(name);
        Target target = new Target(s, table, s.text(name), name.name(), !s.file.isNewTable(table));
        LockMode strongest = null;
        for (Cursor action : c.splitTopLevel(",")) {
            strongest = LockMode.stronger(strongest, action(target, action));
        }
        s.locks(table, strongest, target.existing());
    }

    private static LockMode action(Target t, Cursor a) {
        int start = a.position();
        if (a.accept("ADD")) {
            if (a.peekIs("CONSTRAINT") || a.peekIs("PRIMARY") || a.peekIs("UNIQUE") || a.peekIs("CHECK")
                    || a.peekIs("FOREIGN") || a.peekIs("EXCLUDE")) {
                return addConstraint(t, a, start);
            }
            a.accept("COLUMN");
            a.accept("IF", "NOT", "EXISTS");
            addColumn(t, a);
            return LockMode.ACCESS_EXCLUSIVE;
        }
        if (a.accept("DROP")) {
            boolean cascade = a.containsTopLevel("CASCADE");
            if (a.accept("CONSTRAINT")) {
                a.accept("IF", "EXISTS");
                Token constraint = a.next();
                if (cascade && constraint != null) {
                    dropCascade(t, t.table() + "." + constraint.name());
                }
                return LockMode.ACCESS_EXCLUSIVE;
            }
            a.accept("COLUMN");
            a.accept("IF", "EXISTS");
            Token column = a.next();
            if (column != null && column.isIdentifier()) {
                dropColumn(t, column);
                if (cascade) {
                    dropCascade(t, t.table() + "." + column.name());
                }
            }
            return LockMode.ACCESS_EXCLUSIVE;
        }
        if (a.accept("ALTER")) {
            if (a.accept("CONSTRAINT")) {
                return LockMode.ACCESS_EXCLUSIVE;
            }
            a.accept("COLUMN");
            Token column = a.next();
            return column == null || !column.isIdentifier() ? LockMode.ACCESS_EXCLUSIVE : alterColumn(t, a, column);
        }
        if (a.accept("VALIDATE", "CONSTRAINT")) {
            Token constraint = a.next();
            if (constraint != null) {
                String column = t.file().notNullChecks.get(t.table() + "|" + constraint.name());
                if (column != null) {
                    t.file().provenNotNull.add(t.table() + "." + column);
                }
            }
            return LockMode.SHARE_UPDATE_EXCLUSIVE;
        }
        if (a.accept("RENAME")) {
            rename(t, a);
            return LockMode.ACCESS_EXCLUSIVE;
        }
        if (a.accept("SET")) {
            return set(t, a);
        }
        if (a.accept("RESET") || a.peekIs("CLUSTER", "ON")) {
            return LockMode.SHARE_UPDATE_EXCLUSIVE;
        }
        if (a.accept("ATTACH", "PARTITION")) {
            return t.s().pgMajor() >= 12 ? LockMode.SHARE_UPDATE_EXCLUSIVE : LockMode.ACCESS_EXCLUSIVE;
        }
        if (a.accept("DETACH", "PARTITION")) {
            return detach(t, a);
        }
        if ((a.accept("ENABLE") || a.accept("DISABLE")) && (a.peekIs("TRIGGER") || a.peekIs("ALWAYS", "TRIGGER")
                || a.peekIs("REPLICA", "TRIGGER"))) {
            return LockMode.SHARE_ROW_EXCLUSIVE;
        }
        return LockMode.ACCESS_EXCLUSIVE;
    }

    // ---- ADD COLUMN

    private static void addColumn(Target t, Cursor a) {
        StatementCheck s = t.s();
        ColumnDef col = ColumnDef.parse(a);
        if (col == null) {
            return;
        }
        ColumnStyleRules.check(s, t.table(), col, col.primaryKey());
        if (!t.existing()) {
            return;
        }
        String object = t.table() + "." + col.name();
        t.file().addedColumns.add(object);
        if (!t.mayHaveRows()) {
            return;
        }
        String colSql = s.text(col.nameAt(), col.typeTo());
        String typeSql = s.text(col.typeFrom(), col.typeTo());
        String alter = "ALTER TABLE " + t.tableSql();
        if (col.generatesValues()) {
            addGeneratedColumn(t, col, object, colSql, typeSql);
        } else if (col.hasDefault() && !col.defaultIsNull(s.tokens)) {
            String expression = s.text(col.defaultFrom(), col.defaultTo());
            String volatileCall = col.volatileCall(s.tokens);
            if (s.pgMajor() < 11 || volatileCall != null) {
                String why = volatileCall != null
                        ? "Its default calls " + volatileCall + ", which is volatile: PostgreSQL must compute a value for "
                                + "every existing row"
                        : "Before PostgreSQL 11 a column added with a non-null default is written into every existing row";
                t.add(Hit.of(LintRule.ADD_COLUMN_VOLATILE_DEFAULT, object,
                        "Adding " + object + " rewrites " + t.table() + " under an AccessExclusiveLock, blocking reads "
                                + "and writes until it finishes. " + why + ".",
                        alter + " ADD COLUMN " + colSql + ";\n"
                                + alter + " ALTER COLUMN " + Sql.ident(col.name()) + " SET DEFAULT " + expression + ";\n"
                                + "-- then backfill existing rows in batches, one transaction each:\n"
                                + "UPDATE " + t.tableSql() + " SET " + Sql.ident(col.name()) + " = " + expression
                                + " WHERE <key> BETWEEN <from> AND <to> AND " + Sql.ident(col.name()) + " IS NULL;")
                        .locking(LockMode.ACCESS_EXCLUSIVE, true, true));
            }
        } else if (col.notNull() && !col.hasDefault()) {
            String constant = s.pgMajor() >= 11
                    ? alter + " ADD COLUMN " + colSql + " NOT NULL DEFAULT <constant>;  -- a constant default: no rewrite on 11+\n"
                            + "-- or add it nullable, backfill in batches, then SET NOT NULL as lint.set-not-null shows:\n"
                    : "-- add it nullable, backfill in batches, then add CHECK (... IS NOT NULL) NOT VALID and validate it:\n";
            t.add(Hit.of(LintRule.ADD_COLUMN_REQUIRED, object,
                    "Adding " + object + " as NOT NULL without a default fails with \"column contains null values\" as "
                            + "soon as " + t.table() + " has a row.",
                    constant + alter + " ADD COLUMN " + colSql + ";")
                    .locking(LockMode.ACCESS_EXCLUSIVE, false, true));
        }
        if (col.references() != null) {
            String referenced = t.file().qualify(col.references());
            String constraint = Sql.generatedName(t.bareName(), col.name(), "fkey");
            t.add(Hit.of(LintRule.FOREIGN_KEY_WITHOUT_NOT_VALID, object,
                    "Adding " + object + " with REFERENCES " + referenced + " validates the new foreign key at once: "
                            + "it scans " + t.table() + " while holding an AccessExclusiveLock on it and a "
                            + "ShareRowExclusiveLock on " + referenced + ", which blocks writes to both.",
                    alter + " ADD COLUMN " + colSql + ";\n"
                            + alter + " ADD CONSTRAINT " + constraint + " FOREIGN KEY (" + Sql.ident(col.name()) + ") "
                            + s.text(col.referencesFrom(), col.referencesTo()) + " NOT VALID;\n"
                            + alter + " VALIDATE CONSTRAINT " + constraint + ";  -- ShareUpdateExclusiveLock: reads and writes go on")
                    .locking(LockMode.ACCESS_EXCLUSIVE, false, true));
            s.locks(referenced, LockMode.SHARE_ROW_EXCLUSIVE, !t.file().isNewTable(referenced));
        }
        if (col.unique() || col.primaryKey()) {
            String kind = col.primaryKey() ? "PRIMARY KEY" : "UNIQUE";
            String index = Sql.generatedName(t.bareName(), col.primaryKey() ? null : col.name(),
                    col.primaryKey() ? "pkey" : "key");
            t.add(Hit.of(LintRule.CONSTRAINT_BUILDS_INDEX, object,
                    "Adding " + object + " as " + kind + " builds its index while holding an AccessExclusiveLock on "
                            + t.table() + ": reads and writes wait for the whole build.",
                    alter + " ADD COLUMN " + colSql + ";\n"
                            + "CREATE UNIQUE INDEX CONCURRENTLY " + index + " ON " + t.tableSql() + " ("
                            + Sql.ident(col.name()) + ");  -- outside BEGIN ... COMMIT\n"
                            + alter + " ADD CONSTRAINT " + index + " " + kind + " USING INDEX " + index + ";")
                    .locking(LockMode.ACCESS_EXCLUSIVE, false, true));
        }
    }

    private static void addGeneratedColumn(Target t, ColumnDef col, String object, String colSql, String typeSql) {
        String alter = "ALTER TABLE " + t.tableSql();
        String what = col.isSerial() ? typeSql + " (a sequence default)" : col.identity() ? "an identity column"
                : "a stored generated column";
        String remedy;
        if (col.generatedStored()) {
            remedy = t.s().pgMajor() >= 18
                    ? alter + " ADD COLUMN " + colSql + " GENERATED ALWAYS AS (<expression>) VIRTUAL;  -- computed on read: no rewrite"
                    : alter + " ADD COLUMN " + colSql + ";\n"
                            + "-- keep it filled with a BEFORE INSERT OR UPDATE trigger, backfill in batches:\n"
                            + "UPDATE " + t.tableSql() + " SET " + Sql.ident(col.name()) + " = <expression> WHERE <key> BETWEEN <from> AND <to>;";
        } else {
            remedy = alter + " ADD COLUMN " + Sql.ident(col.name()) + " bigint;\n"
                    + "-- backfill in batches (UPDATE ... WHERE <key> BETWEEN <from> AND <to>), make it NOT NULL the safe way, then:\n"
                    + alter + " ALTER COLUMN " + Sql.ident(col.name()) + " ADD GENERATED BY DEFAULT AS IDENTITY (START WITH <max + 1>);";
        }
        t.add(Hit.of(LintRule.ADD_COLUMN_GENERATED, object,
                "Adding " + object + " as " + what + " computes a value for every existing row: a rewrite of "
                        + t.table() + " under an AccessExclusiveLock that blocks reads and writes until it finishes.",
                remedy).locking(LockMode.ACCESS_EXCLUSIVE, true, true));
    }

    // ---- ADD CONSTRAINT

    private static LockMode addConstraint(Target t, Cursor a, int addAt) {
        StatementCheck s = t.s();
        int afterAdd = addAt + 1;
        String name = null;
        if (a.accept("CONSTRAINT")) {
            Token token = a.next();
            name = token == null ? null : token.name();
        }
        boolean notValid = a.containsTopLevel("NOT", "VALID");
        String alter = "ALTER TABLE " + t.tableSql();
        String definition = s.text(afterAdd, a.end());
        if (a.accept("CHECK")) {
            String column = notNullColumn(a.group());
            if (column != null && name != null) {
                t.file().notNullChecks.put(t.table() + "|" + name, column);
            }
            if (column != null && !notValid) {
                t.file().provenNotNull.add(t.table() + "." + column);
            }
            if (!notValid && t.mayHaveRows()) {
                String constraint = name != null ? Sql.ident(name) : Sql.generatedName(t.bareName(), null, "check");
                String add = name != null ? definition : "CONSTRAINT " + constraint + " " + definition;
                t.add(Hit.of(LintRule.CHECK_WITHOUT_NOT_VALID, t.table(),
                        "Adding a CHECK constraint to " + t.table() + " without NOT VALID checks every existing row "
                                + "while holding an AccessExclusiveLock: reads and writes wait for the whole scan.",
                        alter + " ADD " + add + " NOT VALID;  -- new rows are checked from now on\n"
                                + alter + " VALIDATE CONSTRAINT " + constraint + ";  -- ShareUpdateExclusiveLock: reads and writes go on")
                        .locking(LockMode.ACCESS_EXCLUSIVE, false, true));
            }
            return LockMode.ACCESS_EXCLUSIVE;
        }
        if (a.accept("FOREIGN", "KEY")) {
            List<String> columns = a.group().nameList();
            a.accept("REFERENCES");
            Cursor.Name referencedName = a.name();
            String referenced = referencedName == null ? "the referenced table" : t.file().qualify(referencedName);
            if (!notValid && t.mayHaveRows()) {
                String constraint = name != null ? Sql.ident(name)
                        : Sql.generatedName(t.bareName(), String.join("_", columns), "fkey");
                String add = name != null ? definition : "CONSTRAINT " + constraint + " " + definition;
                t.add(Hit.of(LintRule.FOREIGN_KEY_WITHOUT_NOT_VALID, t.table(),
                        "Adding a foreign key to " + t.table() + " without NOT VALID checks every existing row against "
                                + referenced + " while holding a ShareRowExclusiveLock on both tables: writes to both "
                                + "wait for the whole scan.",
                        alter + " ADD " + add + " NOT VALID;  -- new rows are checked from now on\n"
                                + alter + " VALIDATE CONSTRAINT " + constraint + ";  -- ShareUpdateExclusiveLock; RowShareLock on "
                                + referenced)
                        .locking(LockMode.SHARE_ROW_EXCLUSIVE, false, true));
            }
            if (referencedName != null) {
                // like CREATE TABLE ... REFERENCES, a new table's foreign key is not counted against the other table
                s.locks(referenced, LockMode.SHARE_ROW_EXCLUSIVE, t.existing() && !t.file().isNewTable(referenced));
            }
            return LockMode.SHARE_ROW_EXCLUSIVE;
        }
        boolean primaryKey = a.accept("PRIMARY", "KEY");
        if (primaryKey || a.accept("UNIQUE")) {
            if (a.accept("NULLS")) {
                a.accept("NOT");
                a.accept("DISTINCT");
            }
            boolean usingIndex = a.peekIs("USING", "INDEX") && !a.peekIs("USING", "INDEX", "TABLESPACE");
            if (!usingIndex && t.mayHaveRows()) {
                constraintBuildsIndex(t, a, name, primaryKey);
            }
            return LockMode.ACCESS_EXCLUSIVE;
        }
        if (a.accept("EXCLUDE") && t.mayHaveRows()) {
            t.add(Hit.of(LintRule.CONSTRAINT_BUILDS_INDEX, t.table(),
                    "Adding an exclusion constraint to " + t.table() + " builds its index and checks every row while "
                            + "holding an AccessExclusiveLock; unlike UNIQUE it cannot adopt an index built CONCURRENTLY.",
                    "-- no online form exists: run it in a maintenance window with a short lock_timeout, or enforce the "
                            + "rule with a trigger and a unique index built CONCURRENTLY")
                    .locking(LockMode.ACCESS_EXCLUSIVE, false, true));
        }
        return LockMode.ACCESS_EXCLUSIVE;
    }

    private static void constraintBuildsIndex(Target t, Cursor a, String name, boolean primaryKey) {
        StatementCheck s = t.s();
        int groupFrom = a.position();
        List<String> columns = a.group().nameList();
        String columnsSql = s.text(groupFrom, a.position());
        String kind = primaryKey ? "PRIMARY KEY" : "UNIQUE";
        String constraint = name != null ? Sql.ident(name)
                : Sql.generatedName(t.bareName(), primaryKey ? null : String.join("_", columns), primaryKey ? "pkey" : "key");
        String alter = "ALTER TABLE " + t.tableSql();
        t.add(Hit.of(LintRule.CONSTRAINT_BUILDS_INDEX, t.table(),
                "Adding " + kind + " " + columnsSql + " to " + t.table() + " builds its index while holding an "
                        + "AccessExclusiveLock: reads and writes wait for the whole build"
                        + (primaryKey ? ", and the key columns are also made NOT NULL with a scan." : "."),
                "CREATE UNIQUE INDEX CONCURRENTLY " + constraint + " ON " + t.tableSql() + " " + columnsSql
                        + ";  -- outside BEGIN ... COMMIT\n"
                        + (primaryKey ? "-- make the key columns NOT NULL first, the safe way (see lint.set-not-null)\n" : "")
                        + alter + " ADD CONSTRAINT " + constraint + " " + kind + " USING INDEX " + constraint + ";")
                .locking(LockMode.ACCESS_EXCLUSIVE, false, true));
    }

    /** The column of a CHECK body that is exactly {@code column IS NOT NULL}, or null. */
    private static String notNullColumn(Cursor body) {
        Token column = body.next();
        if (column != null && column.isIdentifier() && body.accept("IS", "NOT", "NULL") && body.atEnd()) {
            return column.name();
        }
        return null;
    }

    // ---- ALTER COLUMN

    private static LockMode alterColumn(Target t, Cursor a, Token columnToken) {
        String column = columnToken.name();
        String object = t.table() + "." + column;
        if (a.accept("SET", "DATA", "TYPE") || a.accept("TYPE")) {
            typeChange(t, a, column, object);
            return LockMode.ACCESS_EXCLUSIVE;
        }
        if (a.accept("SET", "NOT", "NULL")) {
            setNotNull(t, column, object);
            return LockMode.ACCESS_EXCLUSIVE;
        }
        if (a.accept("DROP", "NOT", "NULL")) {
            if (t.existing() && !t.file().addedColumns.contains(object)) {
                String alter = "ALTER TABLE " + t.tableSql();
                t.add(Hit.of(LintRule.DROP_NOT_NULL, object,
                        "Dropping NOT NULL from " + object + " lets the new version write NULLs while the running version "
                                + "still reads the column as never null.",
                        "-- first deploy code that handles NULL in " + column + ", then:\n"
                                + alter + " ALTER COLUMN " + Sql.ident(column) + " DROP NOT NULL;")
                        .locking(LockMode.ACCESS_EXCLUSIVE, false, false));
            }
            return LockMode.ACCESS_EXCLUSIVE;
        }
        if (a.peekIs("SET", "EXPRESSION")) {
            if (t.mayHaveRows()) {
                t.add(Hit.of(LintRule.REWRITING_ALTER_TABLE, object,
                        "Changing the generation expression of " + object + " recomputes it for every row: a rewrite of "
                                + t.table() + " under an AccessExclusiveLock.",
                        "-- add a new generated column with the new expression in a maintenance window, or use a plain "
                                + "column kept by a trigger and backfilled in batches")
                        .locking(LockMode.ACCESS_EXCLUSIVE, true, true));
            }
            return LockMode.ACCESS_EXCLUSIVE;
        }
        if (a.peekIs("SET", "STATISTICS") || a.peekIs("SET", "(") || a.peekIs("RESET")) {
            return LockMode.SHARE_UPDATE_EXCLUSIVE;
        }
        return LockMode.ACCESS_EXCLUSIVE;
    }

    private static void typeChange(Target t, Cursor a, String column, String object) {
        StatementCheck s = t.s();
        int typeFrom = a.position();
        a.skipTo("COLLATE", "USING");
        PgType to = PgType.parse(a.range(typeFrom, a.position()));
        if (to == null || !t.mayHaveRows()) {
            return;
        }
        String toSql = s.text(typeFrom, a.position());
        String current = s.context.columnTypes().get(object);
        PgType from = current == null ? null : PgType.parse(current);
        PgType.Change change = PgType.change(from, to, s.pgMajor());
        String alter = "ALTER TABLE " + t.tableSql();
        String col = Sql.ident(column);
        String expandContract = alter + " ADD COLUMN " + Sql.ident(column + "_new") + " " + toSql + ";\n"
                + "-- keep it in step with a BEFORE INSERT OR UPDATE trigger, backfill in batches:\n"
                + "UPDATE " + t.tableSql() + " SET " + Sql.ident(column + "_new") + " = " + col + "::" + toSql
                + " WHERE <key> BETWEEN <from> AND <to>;\n"
                + "-- then, in one short transaction with a lock_timeout, swap the columns:\n"
                + alter + " DROP COLUMN " + col + ";\n"
                + alter + " RENAME COLUMN " + Sql.ident(column + "_new") + " TO " + col + ";";
        switch (change) {
            case NONE -> {
            }
            case NONE_IF_UTC -> t.add(Hit.of(LintRule.COLUMN_TYPE_CHANGE, object,
                    "Changing " + object + " from " + from.sql() + " to " + to.sql() + " skips the table rewrite only when "
                            + "the session's TimeZone is UTC (PostgreSQL 12+); in any other zone it rewrites "
                            + t.table() + " under an AccessExclusiveLock.",
                    "SET timezone = 'UTC';  -- in the same session, before:\n" + s.statement.sql() + ";")
                    .severity(Severity.WARNING).locking(LockMode.ACCESS_EXCLUSIVE, false, false));
            case REWRITE -> t.add(Hit.of(LintRule.COLUMN_TYPE_CHANGE, object,
                    "Changing " + object + (from != null ? " from " + from.sql() : "") + " to " + to.sql() + " rewrites "
                            + t.table() + " and rebuilds its indexes under an AccessExclusiveLock: reads and writes wait "
                            + "until it finishes.",
                    expandContract).locking(LockMode.ACCESS_EXCLUSIVE, true, true));
            case UNKNOWN -> t.add(Hit.of(LintRule.COLUMN_TYPE_CHANGE, object,
                    "Changing " + object + " to " + to.sql() + " rewrites " + t.table() + " under an AccessExclusiveLock "
                            + "unless the current type converts without one (varchar(n) to text or to a longer varchar, "
                            + "numeric to more precision, cidr to inet); Keel does not know the current type"
                            + (from != null ? " well enough (" + from.sql() + ")" : " (lint with the target's catalog)") + ".",
                    "-- if the current type needs a rewrite, change it in steps instead:\n" + expandContract)
                    .severity(Severity.WARNING).locking(LockMode.ACCESS_EXCLUSIVE, null, null));
            default -> throw new IllegalStateException("unhandled change " + change);
        }
    }

    private static void setNotNull(Target t, String column, String object) {
        if (!t.mayHaveRows() || t.s().pgMajor() >= 12 && t.file().provenNotNull.contains(object)) {
            return;
        }
        String alter = "ALTER TABLE " + t.tableSql();
        String check = Sql.generatedName(t.bareName(), column, "not_null");
        String col = Sql.ident(column);
        String steps = alter + " ADD CONSTRAINT " + check + " CHECK (" + col + " IS NOT NULL) NOT VALID;\n"
                + alter + " VALIDATE CONSTRAINT " + check + ";  -- scans without blocking reads or writes\n";
        String remedy = t.s().pgMajor() >= 12
                ? steps + alter + " ALTER COLUMN " + col + " SET NOT NULL;  -- uses the validated check: no scan\n"
                        + alter + " DROP CONSTRAINT " + check + ";"
                : "-- before PostgreSQL 12 SET NOT NULL always scans; keep a validated CHECK instead:\n" + steps.strip();
        t.add(Hit.of(LintRule.SET_NOT_NULL, object,
                "SET NOT NULL on " + object + " scans all of " + t.table() + " for NULLs while holding an "
                        + "AccessExclusiveLock: reads and writes wait for the whole scan"
                        + (t.s().pgMajor() >= 12 ? " (no validated CHECK (" + column + " IS NOT NULL) precedes it in this file)."
                                : "."),
                remedy).locking(LockMode.ACCESS_EXCLUSIVE, false, true));
    }

    // ---- DROP, RENAME, SET, DETACH

    private static void dropColumn(Target t, Token columnToken) {
        String object = t.table() + "." + columnToken.name();
        if (!t.existing() || t.file().addedColumns.contains(object)) {
            return;
        }
        t.add(Hit.of(LintRule.DROP_COLUMN, object,
                "Dropping " + object + " breaks the application version still running during the deploy if it reads or "
                        + "writes the column (ORMs that list every column do).",
                "-- 1. deploy a version that neither reads nor writes " + columnToken.name()
                        + " (tell the ORM to ignore it)\n"
                        + "-- 2. then drop it in a later migration, acknowledging this rule:\n"
                        + "-- keel:ignore " + LintRule.DROP_COLUMN.id() + "\n"
                        + "ALTER TABLE " + t.tableSql() + " DROP COLUMN " + Sql.ident(columnToken.name()) + ";")
                .locking(LockMode.ACCESS_EXCLUSIVE, false, false));
    }

    private static void dropCascade(Target t, String object) {
        t.add(Hit.of(LintRule.DROP_CASCADE, object,
                "DROP ... CASCADE on " + object + " also drops every view, constraint or other object that depends on "
                        + "it, and the file does not say which.",
                "-- drop the dependent objects by name first, then drop without CASCADE (RESTRICT is the default)"));
    }

    private static void rename(Target t, Cursor a) {
        StatementCheck s = t.s();
        if (a.accept("CONSTRAINT")) {
            return;
        }
        String alter = "ALTER TABLE " + t.tableSql();
        if (a.accept("TO")) {
            Token newName = a.next();
            if (newName == null || !newName.isIdentifier()) {
                return;
            }
            String schema = t.table().substring(0, t.table().lastIndexOf('.'));
            if (!t.existing()) {
                t.file().newTables.add(schema + "." + newName.name());
                return;
            }
            t.add(Hit.of(LintRule.RENAME_TABLE, t.table(),
                    "Renaming " + t.table() + " to " + newName.name() + " breaks the application version still running "
                            + "during the deploy: its queries name the old table.",
                    "BEGIN;\n"
                            + alter + " RENAME TO " + Sql.ident(newName.name()) + ";\n"
                            + "CREATE VIEW " + t.tableSql() + " AS SELECT * FROM " + Sql.ident(schema) + "."
                            + Sql.ident(newName.name()) + ";  -- the old name keeps working: simple views are updatable\n"
                            + "COMMIT;\n"
                            + "-- once no running version uses the old name, in a later migration:\n"
                            + "DROP VIEW " + t.tableSql() + ";")
                    .locking(LockMode.ACCESS_EXCLUSIVE, false, false));
            return;
        }
        a.accept("COLUMN");
        Token old = a.next();
        a.accept("TO");
        Token newName = a.next();
        if (old == null || newName == null || !old.isIdentifier() || !newName.isIdentifier()) {
            return;
        }
        String object = t.table() + "." + old.name();
        if (!t.existing()) {
            return;
        }
        if (t.file().addedColumns.contains(object)) {
            t.file().addedColumns.add(t.table() + "." + newName.name());
            return;
        }
        String type = s.context.columnTypes().getOrDefault(object, "<type of " + old.name() + ">");
        String oldCol = Sql.ident(old.name());
        String newCol = Sql.ident(newName.name());
        t.add(Hit.of(LintRule.RENAME_COLUMN, object,
                "Renaming " + object + " to " + newName.name() + " breaks the application version still running during "
                        + "the deploy: its queries name the old column.",
                "-- expand: add the new column and keep both in step while old and new versions run\n"
                        + alter + " ADD COLUMN " + newCol + " " + type + ";\n"
                        + "-- a BEFORE INSERT OR UPDATE trigger copies " + old.name() + " to " + newName.name()
                        + " and back; backfill in batches:\n"
                        + "UPDATE " + t.tableSql() + " SET " + newCol + " = " + oldCol + " WHERE <key> BETWEEN <from> AND <to>;\n"
                        + "-- deploy the version that uses " + newName.name() + "; then contract, in a later migration:\n"
                        + alter + " DROP COLUMN " + oldCol + ";")
                .locking(LockMode.ACCESS_EXCLUSIVE, false, false));
    }

    private static LockMode set(Target t, Cursor a) {
        String alter = "ALTER TABLE " + t.tableSql();
        if (a.accept("SCHEMA")) {
            Token schema = a.next();
            if (t.existing() && schema != null) {
                t.add(Hit.of(LintRule.RENAME_TABLE, t.table(),
                        "Moving " + t.table() + " to schema " + schema.name() + " breaks the application version still "
                                + "running during the deploy: its queries find the table under the old name.",
                        "BEGIN;\n" + alter + " SET SCHEMA " + Sql.ident(schema.name()) + ";\n"
                                + "CREATE VIEW " + t.tableSql() + " AS SELECT * FROM " + Sql.ident(schema.name()) + "."
                                + Sql.ident(t.bareName()) + ";  -- the old name keeps working\nCOMMIT;")
                        .locking(LockMode.ACCESS_EXCLUSIVE, false, false));
            } else if (schema != null) {
                t.file().newTables.add(schema.name() + "." + t.bareName());
            }
            return LockMode.ACCESS_EXCLUSIVE;
        }
        if (a.accept("TABLESPACE")) {
            Token space = a.next();
            if (t.mayHaveRows()) {
                t.add(Hit.of(LintRule.SET_TABLESPACE, t.table(),
                        "Moving " + t.table() + " to another tablespace copies all of it while holding an "
                                + "AccessExclusiveLock: reads and writes wait for the whole copy.",
                        "-- move it online with pg_repack instead:\n"
                                + "-- pg_repack --table=" + t.table() + " --tablespace="
                                + (space == null ? "<tablespace>" : space.name()) + " --moveidx")
                        .locking(LockMode.ACCESS_EXCLUSIVE, true, true));
            }
            return LockMode.ACCESS_EXCLUSIVE;
        }
        String what = a.peekIs("LOGGED") ? "SET LOGGED" : a.peekIs("UNLOGGED") ? "SET UNLOGGED"
                : a.peekIs("ACCESS", "METHOD") ? "SET ACCESS METHOD" : a.peekIs("WITHOUT", "OIDS") ? "SET WITHOUT OIDS"
                : null;
        if (what != null) {
            boolean rewrites = !what.equals("SET WITHOUT OIDS") || t.s().pgMajor() < 12;
            if (rewrites && t.mayHaveRows()) {
                t.add(Hit.of(LintRule.REWRITING_ALTER_TABLE, t.table(),
                        what + " rewrites " + t.table() + (what.endsWith("LOGGED") ? " (and writes all of it to WAL)" : "")
                                + " under an AccessExclusiveLock: reads and writes wait until it finishes.",
                        "-- run it in a maintenance window with a short lock_timeout, or rebuild online with pg_repack")
                        .locking(LockMode.ACCESS_EXCLUSIVE, true, true));
            }
            return LockMode.ACCESS_EXCLUSIVE;
        }
        if (a.peekIs("(") || a.peekIs("WITHOUT", "CLUSTER")) {
            return LockMode.SHARE_UPDATE_EXCLUSIVE;
        }
        return LockMode.ACCESS_EXCLUSIVE;
    }

    private static LockMode detach(Target t, Cursor a) {
        StatementCheck s = t.s();
        Cursor.Name partition = a.name();
        boolean concurrently = a.accept("CONCURRENTLY");
        if (a.accept("FINALIZE")) {
            return LockMode.SHARE_UPDATE_EXCLUSIVE;
        }
        if (concurrently) {
            if (t.file().inTransaction) {
                MigrationLinter.concurrentlyInTransaction(s, t.table(), "DETACH PARTITION ... CONCURRENTLY");
            }
            return LockMode.SHARE_UPDATE_EXCLUSIVE;
        }
        if (t.existing() && partition != null) {
            t.add(Hit.of(LintRule.DETACH_PARTITION_NOT_CONCURRENTLY, t.table(),
                    "Detaching " + t.file().qualify(partition) + " takes an AccessExclusiveLock on " + t.table()
                            + ": every query on the partitioned table waits for it, and it waits for every running one.",
                    "ALTER TABLE " + t.tableSql() + " DETACH PARTITION " + s.text(partition)
                            + " CONCURRENTLY;  -- outside BEGIN ... COMMIT; not with a default partition")
                    .locking(LockMode.ACCESS_EXCLUSIVE, false, false));
        }
        return LockMode.ACCESS_EXCLUSIVE;
    }
}
