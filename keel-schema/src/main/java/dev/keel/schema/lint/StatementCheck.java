package dev.keel.schema.lint;

import dev.keel.core.sql.SqlStatement;
import java.util.ArrayList;
import java.util.List;

/**
 * One statement under the rules: its tokens, the file's state and the context to read, and what the rules
 * found (hits, and the strongest lock the statement takes on an object that existed before the file).
 */
final class StatementCheck {

    final SqlStatement statement;
    final List<Token> tokens;
    final FileState file;
    final LintContext context;
    final List<Hit> hits = new ArrayList<>();

    LockMode lockOnExisting;
    String lockedObject;

    StatementCheck(SqlStatement statement, List<Token> tokens, FileState file, LintContext context) {
        this.statement = statement;
        this.tokens = tokens;
        this.file = file;
        this.context = context;
    }

    Cursor cursor() {
        return new Cursor(tokens);
    }

    int pgMajor() {
        return context.pgMajor();
    }

    /** The statement's own text from token {@code from} up to (not including) token {@code to}. */
    String text(int from, int to) {
        if (from >= to || from >= tokens.size()) {
            return "";
        }
        return statement.sql().substring(tokens.get(from).start(), tokens.get(Math.min(to, tokens.size()) - 1).end());
    }

    String text(Cursor.Name name) {
        return text(name.from(), name.to());
    }

    /** The text of the statement from token {@code from} to its end. */
    String textFrom(int from) {
        return text(from, tokens.size());
    }

    /** The table's row estimate, or null when unknown. */
    Long rows(String table) {
        return context.tableRows().get(table);
    }

    /** False for tables this file created and tables known to be empty: rewriting or scanning them costs nothing. */
    boolean mayHaveRows(String table) {
        if (file.isNewTable(table)) {
            return false;
        }
        Long rows = rows(table);
        return rows == null || rows > 0;
    }

    void add(Hit hit) {
        if (context.enabled(hit.rule())) {
            hits.add(hit);
        }
    }

    /** Adds the hit with the table's row estimate as evidence, when known. */
    void add(Hit hit, String table) {
        add(hit.rows(rows(table)));
    }

    /** Records that the statement takes {@code mode} on {@code object}; counts only for objects the file did not create. */
    void locks(String object, LockMode mode, boolean existing) {
        if (existing && mode != null && (lockOnExisting == null || mode.compareTo(lockOnExisting) > 0)) {
            lockOnExisting = mode;
            lockedObject = object;
        }
    }
}
