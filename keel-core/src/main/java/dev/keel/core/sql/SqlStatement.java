package dev.keel.core.sql;

import java.util.Objects;

/**
 * One statement of a SQL script, as the splitter found it.
 *
 * @param sql      the statement's text without its terminating semicolon, with leading and trailing
 *                 whitespace removed; comments inside it are kept (comments between statements are not)
 * @param line     the 1-based line of the script where the statement's first character is
 * @param copyData for {@code COPY ... FROM stdin}: the data lines that followed the statement up to (not
 *                 including) the {@code \.} terminator, each ending with "\n"; null for other statements
 */
public record SqlStatement(String sql, int line, String copyData) {

    public SqlStatement {
        Objects.requireNonNull(sql, "null sql");
        if (line < 1) {
            throw new IllegalArgumentException("line must be 1 or more, was " + line);
        }
    }

    public static SqlStatement of(String sql, int line) {
        return new SqlStatement(sql, line, null);
    }

    public boolean isCopyFromStdin() {
        return copyData != null;
    }
}
