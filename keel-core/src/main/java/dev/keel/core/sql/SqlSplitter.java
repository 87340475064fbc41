package dev.keel.core.sql;

import dev.keel.core.sql.SqlLexer.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Splits a SQL script into the statements PostgreSQL would see, the way psql does, so that migrations can
 * run through JDBC one statement at a time and be linted statement by statement.
 *
 * <p>How it works: {@link SqlLexer} cuts the script into tokens; a quoted string, quoted identifier,
 * dollar-quoted string or comment is always one whole token, so a {@code ;} inside one is never seen. The
 * splitter then keeps a little state per statement: where its first and last tokens are (the statement's
 * text runs from one to the other, so comments before and after it are dropped), the parenthesis depth,
 * and the depth of {@code BEGIN ATOMIC ... END} blocks. A {@code ;} ends the statement only at
 * depth zero in both; like psql, a {@code ;} inside parentheses does not split (CREATE RULE's
 * {@code DO (a; b)}). Blocks are tracked only in CREATE [OR REPLACE] FUNCTION/PROCEDURE: {@code BEGIN}
 * directly followed by {@code ATOMIC} opens one, {@code CASE} inside it opens a nested one, and {@code END}
 * closes the innermost. When a {@code COPY ... FROM STDIN} statement ends, the lines after it up to a line
 * that is exactly {@code \.} are taken as its data without lexing them. A backslash outside every quoted
 * region and comment cannot be SQL: psql would read a meta-command there, so it is rejected.
 *
 * <p>Strings follow standard_conforming_strings = on (the default since PostgreSQL 9.1): a backslash
 * escapes only inside {@code E'...'}.
 */
public final class SqlSplitter {

    private SqlSplitter() {
    }

    /** Splits {@code script}; errors name the line only. */
    public static List<SqlStatement> split(String script) {
        Objects.requireNonNull(script, "null script");
        return new Run(new SqlLexer(script, null)).split();
    }

    /** Splits {@code script}, read from {@code fileName}, which errors name. */
    public static List<SqlStatement> split(String script, String fileName) {
        Objects.requireNonNull(script, "null script");
        Objects.requireNonNull(fileName, "null fileName");
        return new Run(new SqlLexer(script, fileName)).split();
    }

    /**
     * The first {@code n} keywords of {@code sql}, upper-cased and joined by one space, with whitespace and
     * comments skipped: {@code "CREATE INDEX CONCURRENTLY"}. Only ASCII letters change case, as PostgreSQL
     * folds keywords. Stops early at the first token that is not a bare word (a quoted name, a number,
     * punctuation), so {@code ALTER TABLE "t" ...} gives {@code "ALTER TABLE"} for any n of 2 or more;
     * returns "" when the statement does not start with a word.
     */
    public static String firstKeywords(String sql, int n) {
        Objects.requireNonNull(sql, "null sql");
        if (n < 1) {
            throw new IllegalArgumentException("n must be 1 or more, was " + n);
        }
        SqlLexer lexer = new SqlLexer(sql, null);
        StringBuilder words = new StringBuilder();
        int found = 0;
        try {
            while (found < n) {
                Kind kind = lexer.next();
                if (kind == Kind.SPACE || kind == Kind.COMMENT) {
                    continue;
                }
                if (kind != Kind.WORD) {
                    break;
                }
                if (found++ > 0) {
                    words.append(' ');
                }
                for (int i = lexer.start(); i < lexer.end(); i++) {
                    words.append(SqlLexer.toUpperAscii(sql.charAt(i)));
                }
            }
        } catch (SqlSyntaxException unterminatedComment) {
            // the words before it are still the statement's first keywords
        }
        return words.toString();
    }

    /** One pass over one script. */
    private static final class Run {

        private final SqlLexer lexer;
        private final String text;
        private final List<SqlStatement> statements = new ArrayList<>();

        // the statement being read; start < 0 between statements
        private int start = -1;
        private int end;
        private int parenDepth;
        private int blockDepth;
        private int words;
        private boolean leadingWordsOnly;
        private boolean createRoutine;
        private boolean copy;
        private boolean create;
        private boolean copyFromStdin;
        private boolean afterCreateOr;
        private boolean afterCreateOrReplace;
        private String previousWord = "";

        Run(SqlLexer lexer) {
            this.lexer = lexer;
            this.text = lexer.text();
        }

        List<SqlStatement> split() {
            for (Kind kind = lexer.next(); kind != Kind.EOF; kind = lexer.next()) {
                switch (kind) {
                    case SPACE, COMMENT -> { }
                    case SEMICOLON -> semicolon();
                    case WORD -> word();
                    default -> token(kind);
                }
            }
            if (start >= 0) {
                if (copyFromStdin) {
                    throw missingCopyEnd();
                }
                emit(null);
            }
            return statements;
        }

        private void begin() {
            if (start < 0) {
                start = lexer.start();
                parenDepth = 0;
                blockDepth = 0;
                words = 0;
                leadingWordsOnly = true;
                createRoutine = false;
                copy = false;
                create = false;
                copyFromStdin = false;
                afterCreateOr = false;
                afterCreateOrReplace = false;
            }
            end = lexer.end();
        }

        private void token(Kind kind) {
            if (kind == Kind.OTHER && text.charAt(lexer.start()) == '\\') {
                throw metaCommand(lexer.start());
            }
            begin();
            leadingWordsOnly = false;
            previousWord = "";
            if (kind == Kind.OPEN_PAREN) {
                parenDepth++;
            } else if (kind == Kind.CLOSE_PAREN && parenDepth > 0) {
                parenDepth--;
            }
        }

        private void word() {
            begin();
            if (leadingWordsOnly) {
                leadingWord();
            }
            if (parenDepth == 0) {
                if (createRoutine) {
                    if (previousWord.equals("BEGIN") && lexer.isWord("ATOMIC")) {
                        blockDepth++;
                    } else if (blockDepth > 0 && lexer.isWord("CASE")) {
                        blockDepth++;
                    } else if (blockDepth > 0 && lexer.isWord("END")) {
                        blockDepth--;
                    }
                }
                if (copy && previousWord.equals("FROM") && lexer.isWord("STDIN")) {
                    copyFromStdin = true;
                }
            }
            previousWord = lexer.isWord("BEGIN") ? "BEGIN" : lexer.isWord("FROM") ? "FROM" : "";
            words++;
        }

        /** Recognizes COPY and CREATE [OR REPLACE] FUNCTION|PROCEDURE from the statement's first words. */
        private void leadingWord() {
            switch (words) {
                case 0 -> {
                    copy = lexer.isWord("COPY");
                    create = lexer.isWord("CREATE");
                }
                case 1 -> {
                    createRoutine = create && isRoutine();
                    afterCreateOr = create && lexer.isWord("OR");
                }
                case 2 -> afterCreateOrReplace = afterCreateOr && lexer.isWord("REPLACE");
                case 3 -> createRoutine |= afterCreateOrReplace && isRoutine();
                default -> leadingWordsOnly = false;
            }
        }

        private boolean isRoutine() {
            return lexer.isWord("FUNCTION") || lexer.isWord("PROCEDURE");
        }

        private void semicolon() {
            if (start < 0) {
                return;
            }
            if (parenDepth > 0 || blockDepth > 0) {
                token(Kind.SEMICOLON);
                return;
            }
            String copyData = copyFromStdin ? copyData(lexer.start()) : null;
            emit(copyData);
        }

        private void emit(String copyData) {
            statements.add(new SqlStatement(text.substring(start, end), lexer.lineOf(start), copyData));
            start = -1;
            previousWord = "";
        }

        /** Reads the data lines after a COPY FROM STDIN whose semicolon is at {@code semicolon}. */
        private String copyData(int semicolon) {
            int lineEnd = lexer.lineContentEnd(semicolon);
            String rest = text.substring(semicolon + 1, lineEnd).strip();
            if (!rest.isEmpty() && !rest.startsWith("--")) {
                throw new SqlSyntaxException(lexer.fileName(), lexer.lineOf(semicolon),
                        "text after COPY ... FROM stdin on the same line; its data must start on the next line",
                        "Put nothing after the COPY statement's semicolon; its data follows on the next lines.");
            }
            StringBuilder data = new StringBuilder();
            int line = lexer.nextLineStart(semicolon);
            while (line < text.length()) {
                int contentEnd = lexer.lineContentEnd(line);
                if (contentEnd - line == 2 && text.charAt(line) == '\\' && text.charAt(line + 1) == '.') {
                    lexer.seek(lexer.nextLineStart(line));
                    return data.toString();
                }
                data.append(text, line, contentEnd).append('\n');
                line = lexer.nextLineStart(line);
            }
            throw missingCopyEnd();
        }

        private SqlSyntaxException missingCopyEnd() {
            int line = lexer.lineOf(start);
            return new SqlSyntaxException(lexer.fileName(), line,
                    "COPY ... FROM stdin starting at line " + line + " has no \\. line ending its data",
                    "End the COPY data with a line that holds only \\.");
        }

        private SqlSyntaxException metaCommand(int at) {
            int commandEnd = at + 1;
            while (commandEnd < text.length() && commandEnd - at < 40
                    && !SqlLexer.isSpace(text.charAt(commandEnd))) {
                commandEnd++;
            }
            String command = text.substring(at, commandEnd);
            return new SqlSyntaxException(lexer.fileName(), lexer.lineOf(at),
                    "psql meta-command " + command + " is not SQL; Keel runs migrations through JDBC",
                    "Delete the line (Keel connects to the target itself, and the \\restrict, \\unrestrict and "
                            + "\\connect lines pg_dump writes can go), or run the script with psql.");
        }
    }
}
