package dev.keel.schema.lint;

import java.util.List;
import java.util.Set;

/**
 * A column definition of CREATE TABLE or ALTER TABLE ... ADD COLUMN, read from its tokens: name, type
 * and the column constraints the rules look at. Token positions are absolute indexes into the statement,
 * so remedies can quote the user's own text.
 *
 * @param nameAt      index of the name's token
 * @param defaultFrom first token of the DEFAULT expression, or -1 when there is no DEFAULT
 * @param references  the REFERENCES clause's table, or null
 */
record ColumnDef(Token nameToken, int nameAt, PgType type, int typeFrom, int typeTo, boolean notNull,
                 int defaultFrom, int defaultTo, boolean identity, boolean generatedStored,
                 Cursor.Name references, int referencesFrom, int referencesTo,
                 boolean unique, boolean primaryKey) {

    /** Words that end a column's type or a DEFAULT expression at parenthesis depth 0. */
    private static final String[] CONSTRAINT_WORDS = {"CONSTRAINT", "NOT", "NULL", "DEFAULT", "PRIMARY", "UNIQUE",
            "CHECK", "REFERENCES", "GENERATED", "COLLATE", "COMPRESSION", "STORAGE", "DEFERRABLE", "INITIALLY"};

    /**
     * Functions whose result changes from row to row (provolatile 'v'), so a default using one must be
     * computed for every existing row. now(), CURRENT_TIMESTAMP and friends are stable: one value for the
     * whole statement, stored once in the catalog (PostgreSQL 11+).
     */
    static final Set<String> VOLATILE_FUNCTIONS = Set.of("random", "random_normal", "clock_timestamp", "timeofday",
            "gen_random_uuid", "uuidv4", "uuidv7", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
            "nextval", "gen_random_bytes");

    String name() {
        return nameToken.name();
    }

    boolean hasDefault() {
        return defaultFrom >= 0;
    }

    boolean isSerial() {
        return type != null && Set.of("serial", "bigserial", "smallserial").contains(type.base()) && !type.isArray();
    }

    /** Serial, identity and stored generated columns compute a value for every existing row. */
    boolean generatesValues() {
        return isSerial() || identity || generatedStored;
    }

    /** Reads a column definition starting at the cursor (the column's name); null when it is not one. */
    static ColumnDef parse(Cursor c) {
        Token name = c.peek();
        if (name == null || !name.isIdentifier()) {
            return null;
        }
        int nameAt = c.position();
        c.next();
        int typeFrom = c.position();
        c.skipTo(CONSTRAINT_WORDS);
        int typeTo = c.position();
        PgType type = PgType.parse(c.range(typeFrom, typeTo));
        boolean notNull = false;
        int defaultFrom = -1;
        int defaultTo = -1;
        boolean identity = false;
        boolean stored = false;
        Cursor.Name references = null;
        int referencesFrom = -1;
        int referencesTo = -1;
        boolean unique = false;
        boolean primaryKey = false;
        while (!c.atEnd()) {
            if (c.accept("CONSTRAINT")) {
                c.next();
            } else if (c.accept("NOT", "NULL")) {
                notNull = true;
            } else if (c.accept("DEFAULT")) {
                defaultFrom = c.position();
                if (c.peekIs("(")) {
                    c.skipGroup();
                } else {
                    c.next();
                }
                c.skipTo(CONSTRAINT_WORDS);
                defaultTo = c.position();
            } else if (c.accept("PRIMARY", "KEY")) {
                primaryKey = true;
            } else if (c.accept("UNIQUE")) {
                unique = true;
            } else if (c.accept("CHECK")) {
                c.skipGroup();
            } else if (c.peekIs("REFERENCES")) {
                referencesFrom = c.position();
                c.next();
                references = c.name();
                c.skipTo("CONSTRAINT", "NOT", "NULL", "DEFAULT", "PRIMARY", "UNIQUE", "CHECK", "GENERATED", "COLLATE");
                referencesTo = c.position();
            } else if (c.accept("GENERATED")) {
                if (!c.accept("ALWAYS")) {
                    c.accept("BY", "DEFAULT");
                }
                c.accept("AS");
                if (c.accept("IDENTITY")) {
                    identity = true;
                    c.skipGroup();
                } else if (c.peekIs("(")) {
                    c.skipGroup();
                    stored = c.accept("STORED");
                }
            } else {
                c.next();
            }
        }
        return new ColumnDef(name, nameAt, type, typeFrom, typeTo, notNull, defaultFrom, defaultTo, identity, stored,
                references, referencesFrom, referencesTo, unique, primaryKey);
    }

    /** True when the DEFAULT is NULL (NULL or NULL::type). */
    boolean defaultIsNull(List<Token> tokens) {
        return hasDefault() && tokens.get(defaultFrom).is("NULL");
    }

    /** The first volatile function the DEFAULT calls, or null. */
    String volatileCall(List<Token> tokens) {
        for (int i = defaultFrom; i >= 0 && i < defaultTo - 1; i++) {
            Token token = tokens.get(i);
            if (token.isWord() && tokens.get(i + 1).is("(") && VOLATILE_FUNCTIONS.contains(token.name())) {
                return token.name() + "()";
            }
        }
        return null;
    }
}
