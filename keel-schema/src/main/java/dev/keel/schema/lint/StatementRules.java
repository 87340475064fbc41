package dev.keel.schema.lint;

import dev.keel.core.findings.Severity;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The rules for every statement that is not CREATE or ALTER TABLE: drops, TRUNCATE, VACUUM, CLUSTER, LOCK,
 * REFRESH, REINDEX, ALTER TYPE / DOMAIN / INDEX, UPDATE, SELECT INTO, and the session settings the other
 * rules depend on (lock_timeout, search_path).
 */
final class StatementRules {

    /** A lock_timeout of zero (in any unit) or DEFAULT turns the timeout off. */
    private static final Pattern ZERO = Pattern.compile("0+(\\.0*)?\\s*(us|ms|s|min|h|d)?");

    private StatementRules() {
    }

    // ---- DROP

    static void drop(StatementCheck s) {
        Cursor c = s.cursor();
        c.accept("DROP");
        boolean cascade = c.containsTopLevel("CASCADE");
        if (c.accept("DATABASE")) {
            c.accept("IF", "EXISTS");
            Token name = c.next();
            s.add(Hit.of(LintRule.DROP_DATABASE, name == null ? "database" : name.name(),
                    "A migration drops a whole database.",
                    "-- drop databases by hand, never from a migration"));
            return;
        }
        if (c.accept("TABLE")) {
            c.accept("IF", "EXISTS");
            for (Cursor.Name name : names(c)) {
                String table = s.file.qualify(name);
                boolean existing = !s.file.isNewTable(table);
                s.locks(table, LockMode.ACCESS_EXCLUSIVE, existing);
                if (existing) {
                    s.add(Hit.of(LintRule.DROP_TABLE, table,
                            "Dropping " + table + " breaks any application version still running during the deploy "
                                    + "that reads or writes it.",
                            "-- 1. deploy a version that no longer uses " + table + "\n"
                                    + "-- 2. then drop it in a later migration, acknowledging this rule:\n"
                                    + "-- keel:ignore " + LintRule.DROP_TABLE.id() + "\n"
                                    + "DROP TABLE " + s.text(name) + ";")
                            .locking(LockMode.ACCESS_EXCLUSIVE, false, false), table);
                }
                if (cascade) {
                    cascade(s, table);
                }
            }
            return;
        }
        if (c.accept("INDEX")) {
            boolean concurrently = c.accept("CONCURRENTLY");
            c.accept("IF", "EXISTS");
            for (Cursor.Name name : names(c)) {
                String index = s.file.qualify(name);
                if (concurrently) {
                    if (s.file.inTransaction) {
                        MigrationLinter.concurrentlyInTransaction(s, index, "DROP INDEX CONCURRENTLY");
                    }
                    continue;
                }
                boolean existing = !s.file.isNewIndex(name);
                s.locks(index, LockMode.ACCESS_EXCLUSIVE, existing);
                if (existing) {
                    s.add(Hit.of(LintRule.DROP_INDEX_NOT_CONCURRENTLY, index,
                            "Dropping the index " + index + " takes an AccessExclusiveLock on its table: it waits for "
                                    + "every running query on the table, and every new query waits for it.",
                            "DROP INDEX CONCURRENTLY " + s.text(name) + ";  -- outside BEGIN ... COMMIT")
                            .locking(LockMode.ACCESS_EXCLUSIVE, false, false));
                }
                if (cascade) {
                    cascade(s, index);
                }
            }
            return;
        }
        if (cascade) {
            // DROP VIEW / TYPE / SCHEMA / FUNCTION / ... CASCADE: name the first object
            boolean global = c.peekIs("SCHEMA") || c.peekIs("EXTENSION") || c.peekIs("OWNED") || c.peekIs("SERVER")
                    || c.peekIs("PUBLICATION");
            while (!c.atEnd() && !(c.peek().isIdentifier() && !isDropKeyword(c.peek()))) {
                c.next();
            }
            Cursor.Name name = c.name();
            cascade(s, name == null ? "?" : global ? name.name() : s.file.qualify(name));
        }
    }

    private static boolean isDropKeyword(Token token) {
        return token.isWord() && List.of("VIEW", "MATERIALIZED", "TYPE", "SCHEMA", "FUNCTION", "PROCEDURE", "SEQUENCE",
                "DOMAIN", "EXTENSION", "IF", "EXISTS", "TRIGGER", "POLICY", "RULE", "AGGREGATE", "ROUTINE", "FOREIGN",
                "TABLE", "SERVER", "COLLATION", "OPERATOR", "CLASS", "FAMILY", "CONVERSION", "PUBLICATION", "OWNED",
                "BY").contains(token.text());
    }

    private static void cascade(StatementCheck s, String object) {
        s.add(Hit.of(LintRule.DROP_CASCADE, object,
                "DROP ... CASCADE on " + object + " also drops every view, constraint, default or other object that "
                        + "depends on it, and the file does not say which.",
                "-- drop the dependent objects by name first, then drop without CASCADE (RESTRICT is the default)"));
    }

    /** Comma-separated names up to the first keyword that is not part of a name (CASCADE, RESTRICT, ...). */
    private static List<Cursor.Name> names(Cursor c) {
        List<Cursor.Name> names = new ArrayList<>();
        while (true) {
            c.accept("ONLY");
            Cursor.Name name = c.name();
            if (name == null || name.name().equals("cascade") || name.name().equals("restrict")) {
                return names;
            }
            names.add(name);
            c.accept("*");
            if (!c.accept(",")) {
                return names;
            }
        }
    }

    // ---- TRUNCATE, VACUUM, CLUSTER, LOCK, REFRESH, REINDEX

    static void truncate(StatementCheck s) {
        Cursor c = s.cursor();
        c.accept("TRUNCATE");
        c.accept("TABLE");
        boolean cascade = c.containsTopLevel("CASCADE");
        List<Cursor.Name> names = names(c);
        for (Cursor.Name name : names) {
            String table = s.file.qualify(name);
            s.locks(table, LockMode.ACCESS_EXCLUSIVE, !s.file.isNewTable(table));
        }
        if (cascade && !names.isEmpty()) {
            String table = s.file.qualify(names.get(0));
            s.add(Hit.of(LintRule.TRUNCATE_CASCADE, table,
                    "TRUNCATE ... CASCADE empties " + table + " and also every table with a foreign key to it, and every "
                            + "table referencing those, none of which the file names.",
                    "-- name every table to empty, without CASCADE:\nTRUNCATE " + s.text(names.get(0)) + ", <referencing tables>;")
                    .locking(LockMode.ACCESS_EXCLUSIVE, false, false), table);
        }
    }

    static void vacuum(StatementCheck s) {
        Cursor c = s.cursor();
        c.accept("VACUUM");
        boolean full = false;
        if (c.peekIs("(")) {
            for (Cursor option : c.group().splitTopLevel(",")) {
                if (option.accept("FULL")) {
                    Token value = option.peek();
                    full = value == null || !(value.is("FALSE") || value.is("OFF") || value.text().equals("0"));
                }
            }
        } else {
            while (c.peek() != null && (c.peekIs("FULL") || c.peekIs("FREEZE") || c.peekIs("VERBOSE")
                    || c.peekIs("ANALYZE") || c.peekIs("ANALYSE"))) {
                full |= c.next().is("FULL");
            }
        }
        if (!full) {
            return;
        }
        rewritingMaintenance(s, c, LintRule.VACUUM_FULL, "VACUUM FULL");
    }

    static void cluster(StatementCheck s) {
        Cursor c = s.cursor();
        c.accept("CLUSTER");
        c.accept("VERBOSE");
        if (c.peekIs("(")) {
            c.skipGroup();
        }
        if (c.peek() != null && c.peek(1) != null && c.containsTopLevel("ON")) {
            c.skipTo("ON"); // CLUSTER index ON table, the pre-8.3 form
            c.next();
        }
        rewritingMaintenance(s, c, LintRule.CLUSTER, "CLUSTER");
    }

    private static void rewritingMaintenance(StatementCheck s, Cursor c, LintRule rule, String what) {
        List<Cursor.Name> names = names(c);
        if (names.isEmpty()) {
            s.locks("database", LockMode.ACCESS_EXCLUSIVE, true);
            s.add(Hit.of(rule, "database",
                    what + " without a table rewrites every table it covers, one after another, each under an "
                            + "AccessExclusiveLock that blocks reads and writes.",
                    "-- rebuild bloated tables online with pg_repack (or pg_squeeze), one table at a time")
                    .locking(LockMode.ACCESS_EXCLUSIVE, true, true));
            return;
        }
        for (Cursor.Name name : names) {
            String table = s.file.qualify(name);
            s.locks(table, LockMode.ACCESS_EXCLUSIVE, !s.file.isNewTable(table));
            if (s.mayHaveRows(table)) {
                s.add(Hit.of(rule, table,
                        what + " rewrites " + table + " and all its indexes under an AccessExclusiveLock: reads and "
                                + "writes wait until it finishes.",
                        "-- rebuild it online instead: pg_repack --table=" + table
                                + (rule == LintRule.CLUSTER ? " --order-by=<columns>" : ""))
                        .locking(LockMode.ACCESS_EXCLUSIVE, true, true), table);
            }
        }
    }

    static void lock(StatementCheck s) {
        Cursor c = s.cursor();
        c.accept("LOCK");
        c.accept("TABLE");
        List<Cursor.Name> names = names(c);
        LockMode mode = LockMode.ACCESS_EXCLUSIVE;
        if (c.accept("IN")) {
            StringBuilder words = new StringBuilder();
            while (c.peek() != null && !c.peekIs("MODE")) {
                words.append(words.length() > 0 ? " " : "").append(c.next().text());
            }
            LockMode named = LockMode.fromSql(words.toString());
            mode = named == null ? mode : named;
        }
        for (Cursor.Name name : names) {
            String table = s.file.qualify(name);
            boolean existing = !s.file.isNewTable(table);
            s.locks(table, mode, existing);
            if (existing) {
                s.add(Hit.of(LintRule.LOCK_TABLE, table,
                        "LOCK TABLE takes " + mode.withArticle() + " on " + table + " and holds it until the transaction "
                                + "ends, so everything after it in the transaction runs with the table "
                                + (mode == LockMode.ACCESS_EXCLUSIVE ? "closed to reads and writes." : "locked."),
                        "-- lock as late and as briefly as possible, with NOWAIT or a short lock_timeout:\n"
                                + "SET LOCAL lock_timeout = '2s';\n" + s.statement.sql() + ";")
                        .locking(mode, false, false), table);
            }
        }
    }

    static void refresh(StatementCheck s) {
        Cursor c = s.cursor();
        if (!c.accept("REFRESH", "MATERIALIZED", "VIEW")) {
            return;
        }
        boolean concurrently = c.accept("CONCURRENTLY");
        Cursor.Name name = c.name();
        if (name == null || concurrently || c.containsTopLevel("NO", "DATA")) {
            return;
        }
        String view = s.file.qualify(name);
        boolean existing = !s.file.isNewTable(view);
        s.locks(view, LockMode.ACCESS_EXCLUSIVE, existing);
        if (existing) {
            s.add(Hit.of(LintRule.REFRESH_MATERIALIZED_VIEW, view,
                    "Refreshing " + view + " without CONCURRENTLY holds an AccessExclusiveLock on it: every query that "
                            + "reads the view waits for the whole refresh.",
                    "REFRESH MATERIALIZED VIEW CONCURRENTLY " + s.text(name)
                            + ";  -- needs a unique index on the view that covers every row")
                    .locking(LockMode.ACCESS_EXCLUSIVE, true, true), view);
        }
    }

    static void reindex(StatementCheck s) {
        Cursor c = s.cursor();
        c.accept("REINDEX");
        boolean concurrently = false;
        if (c.peekIs("(")) {
            for (Cursor option : c.group().splitTopLevel(",")) {
                if (option.accept("CONCURRENTLY")) {
                    Token value = option.peek();
                    concurrently = value == null || !(value.is("FALSE") || value.is("OFF") || value.text().equals("0"));
                }
            }
        }
        Token kind = c.next();
        if (kind == null || kind.is("SYSTEM")) {
            return;
        }
        concurrently |= c.accept("CONCURRENTLY");
        Cursor.Name name = c.name();
        boolean relation = kind.is("INDEX") || kind.is("TABLE");
        String object = name == null ? "database" : relation ? s.file.qualify(name) : name.name();
        if (concurrently) {
            if (s.file.inTransaction) {
                MigrationLinter.concurrentlyInTransaction(s, object, "REINDEX CONCURRENTLY");
            }
            return;
        }
        boolean index = kind.is("INDEX");
        boolean existing = name == null || !relation || (index ? !s.file.isNewIndex(name) : !s.file.isNewTable(object));
        LockMode mode = index ? LockMode.ACCESS_EXCLUSIVE : LockMode.SHARE;
        s.locks(object, LockMode.SHARE, existing);
        if (existing && s.pgMajor() >= 12 && (!kind.is("TABLE") || s.mayHaveRows(object))) {
            s.add(Hit.of(LintRule.REINDEX_NOT_CONCURRENTLY, object,
                    "REINDEX " + kind.text() + " holds a ShareLock on the table (writes wait) and an AccessExclusiveLock "
                            + "on each index it rebuilds (queries that would use it wait) until it finishes.",
                    s.statement.sql().substring(0, kind.end()) + " CONCURRENTLY" + s.statement.sql().substring(kind.end())
                            + ";  -- PostgreSQL 12+, outside BEGIN ... COMMIT")
                    .locking(mode, false, true), object);
        }
    }

    // ---- ALTER TYPE / DOMAIN / INDEX

    static void alterType(StatementCheck s) {
        Cursor c = s.cursor();
        c.accept("ALTER", "TYPE");
        Cursor.Name name = c.name();
        if (name == null || !c.accept("ADD", "VALUE")) {
            return;
        }
        c.accept("IF", "NOT", "EXISTS");
        Token value = c.next();
        if (value == null || value.kind() != Token.Kind.STRING) {
            return;
        }
        String type = s.file.qualify(name);
        if (s.pgMajor() < 12) {
            if (s.file.inTransaction) {
                s.add(Hit.of(LintRule.ENUM_ADD_VALUE_IN_TRANSACTION, type,
                        "ALTER TYPE ... ADD VALUE cannot run inside a transaction block before PostgreSQL 12: this "
                                + "statement fails, and the transaction with it.",
                        "-- move it out of BEGIN ... COMMIT (in Flyway: a migration of its own):\n" + s.statement.sql() + ";"));
            }
            return;
        }
        s.file.newEnumValues.put(value.text(), type);
    }

    /** On 12+: a later statement of the same transaction that uses a value added by ALTER TYPE ... ADD VALUE. */
    static void enumValueUse(StatementCheck s) {
        if (s.file.newEnumValues.isEmpty() || s.tokens.get(0).is("ALTER") && s.tokens.size() > 1
                && s.tokens.get(1).is("TYPE")) {
            return;
        }
        for (Token token : s.tokens) {
            if (token.kind() == Token.Kind.STRING && s.file.newEnumValues.containsKey(token.text())) {
                String type = s.file.newEnumValues.remove(token.text());
                s.add(Hit.of(LintRule.ENUM_ADD_VALUE_IN_TRANSACTION, type,
                        "This statement uses '" + token.text() + "', which an ALTER TYPE ... ADD VALUE earlier in this "
                                + "file added to " + type + ". A new enum value cannot be used before the transaction "
                                + "that added it commits: inside BEGIN ... COMMIT, or when the runner applies the file "
                                + "as one transaction (Flyway does), this fails with \"unsafe use of new value\".",
                        "-- add the value in a migration of its own, or COMMIT between ADD VALUE and its first use")
                        .severity(Severity.WARNING));
                return;
            }
        }
    }

    static void alterDomain(StatementCheck s) {
        Cursor c = s.cursor();
        c.accept("ALTER", "DOMAIN");
        Cursor.Name name = c.name();
        if (name == null) {
            return;
        }
        String domain = s.file.qualify(name);
        if (s.file.newDomains.contains(domain)) {
            return;
        }
        String alter = "ALTER DOMAIN " + s.text(name);
        if (c.accept("SET", "NOT", "NULL")) {
            s.add(Hit.of(LintRule.DOMAIN_CONSTRAINT_WITHOUT_NOT_VALID, domain,
                    "SET NOT NULL on the domain " + domain + " checks every column of that type in every table, holding "
                            + "a ShareLock (writes wait) on each table for the whole scan.",
                    alter + " ADD CONSTRAINT " + Sql.ident(name.name() + "_not_null")
                            + " CHECK (VALUE IS NOT NULL) NOT VALID;  -- new values are checked from now on\n"
                            + "-- VALIDATE still scans every column of the domain under a ShareLock on each table: run it in a quiet period\n"
                            + alter + " VALIDATE CONSTRAINT " + Sql.ident(name.name() + "_not_null") + ";")
                    .locking(LockMode.SHARE, false, true));
            return;
        }
        if (!c.accept("ADD") || c.containsTopLevel("NOT", "VALID")) {
            return;
        }
        String constraint = null;
        if (c.accept("CONSTRAINT")) {
            Token token = c.next();
            constraint = token == null ? null : token.name();
        }
        String definition = s.textFrom(c.position());
        String named = constraint != null ? Sql.ident(constraint) : Sql.ident(name.name() + "_check");
        s.add(Hit.of(LintRule.DOMAIN_CONSTRAINT_WITHOUT_NOT_VALID, domain,
                "Adding a constraint to the domain " + domain + " checks every column of that type in every table, "
                        + "holding a ShareLock (writes wait) on each table for the whole scan.",
                alter + " ADD CONSTRAINT " + named + " " + definition + " NOT VALID;  -- new values are checked from now on\n"
                        + "-- VALIDATE still scans every column of the domain under a ShareLock on each table: run it in a quiet period\n"
                        + alter + " VALIDATE CONSTRAINT " + named + ";")
                .locking(LockMode.SHARE, false, true));
    }

    static void alterIndex(StatementCheck s) {
        Cursor c = s.cursor();
        c.accept("ALTER", "INDEX");
        if (c.peekIs("ALL", "IN")) {
            return;
        }
        c.accept("IF", "EXISTS");
        Cursor.Name name = c.name();
        if (name == null || !c.accept("SET", "TABLESPACE") || s.file.isNewIndex(name)) {
            return;
        }
        String index = s.file.qualify(name);
        s.locks(index, LockMode.ACCESS_EXCLUSIVE, true);
        s.add(Hit.of(LintRule.SET_TABLESPACE, index,
                "Moving the index " + index + " to another tablespace copies it while holding an AccessExclusiveLock: "
                        + "queries on its table wait for the whole copy.",
                "-- build a copy in the new tablespace, then swap:\n"
                        + "CREATE INDEX CONCURRENTLY <new_name> ON <table> (<columns>) TABLESPACE <tablespace>;\n"
                        + "DROP INDEX CONCURRENTLY " + s.text(name) + ";")
                .locking(LockMode.ACCESS_EXCLUSIVE, true, true));
    }

    // ---- UPDATE, SELECT INTO

    static void update(StatementCheck s) {
        Cursor c = s.cursor();
        c.accept("UPDATE");
        c.accept("ONLY");
        Cursor.Name name = c.name();
        if (name == null || c.containsTopLevel("WHERE")) {
            return;
        }
        String table = s.file.qualify(name);
        if (!s.mayHaveRows(table)) {
            return;
        }
        s.add(Hit.of(LintRule.UPDATE_ALL_ROWS, table,
                "This UPDATE has no WHERE: it writes a new version of every row of " + table + " in one transaction, "
                        + "holding a row lock on each until it commits (concurrent updates of those rows wait) and "
                        + "leaving the old versions for vacuum.",
                "-- backfill in batches, each in its own transaction:\n"
                        + s.statement.sql() + " WHERE <key> BETWEEN <from> AND <to>;")
                .locking(LockMode.ROW_EXCLUSIVE, false, true), table);
    }

    static void select(StatementCheck s) {
        Cursor c = s.cursor();
        for (int i = 0; i + 3 < s.tokens.size(); i++) {
            Token token = s.tokens.get(i);
            if (token.is("SET_CONFIG") && s.tokens.get(i + 1).is("(") && s.tokens.get(i + 2).kind() == Token.Kind.STRING
                    && s.tokens.get(i + 2).text().equals("lock_timeout")) {
                Token value = s.tokens.get(i + 4 < s.tokens.size() ? i + 4 : i + 3);
                boolean on = value.kind() == Token.Kind.STRING && !ZERO.matcher(value.text().strip()).matches();
                s.file.lockTimeout = on;
            }
        }
        if (!c.skipTo("INTO", "FROM") || !c.accept("INTO")) {
            return;
        }
        if (!c.accept("TEMPORARY") && !c.accept("TEMP")) {
            c.accept("UNLOGGED");
        }
        c.accept("TABLE");
        Cursor.Name name = c.name();
        if (name == null) {
            return;
        }
        String table = s.file.qualify(name);
        s.file.newTables.add(table);
        CreateRules.createTableAs(s, table, "SELECT ... INTO " + s.text(name));
    }

    // ---- SET, RESET

    static void set(StatementCheck s) {
        Cursor c = s.cursor();
        c.accept("SET");
        boolean local = c.accept("LOCAL");
        c.accept("SESSION");
        Token setting = c.next();
        if (setting == null || !(c.accept("TO") || c.accept("="))) {
            return;
        }
        String name = setting.name().toLowerCase(Locale.ROOT);
        if (name.equals("lock_timeout")) {
            Token value = c.next();
            boolean on = value != null && !value.is("DEFAULT") && !ZERO.matcher(value.text().strip()).matches();
            if (local) {
                s.file.localLockTimeout = on;
            } else {
                s.file.lockTimeout = on;
            }
        } else if (name.equals("search_path")) {
            for (Cursor part : c.splitTopLevel(",")) {
                Token schema = part.peek();
                if (schema == null || schema.is("DEFAULT")) {
                    s.file.schema = "public";
                    return;
                }
                String value = schema.kind() == Token.Kind.STRING ? schema.text() : schema.name();
                if (!value.equals("$user") && !value.equals("pg_catalog") && !value.isBlank()) {
                    s.file.schema = value;
                    return;
                }
            }
        }
    }

    static void reset(StatementCheck s) {
        Token what = s.tokens.size() > 1 ? s.tokens.get(1) : null;
        if (what == null) {
            return;
        }
        if (what.is("ALL") || what.is("LOCK_TIMEOUT")) {
            s.file.lockTimeout = false;
            s.file.localLockTimeout = false;
        }
        if (what.is("ALL") || what.is("SEARCH_PATH")) {
            s.file.schema = "public";
        }
    }
}
