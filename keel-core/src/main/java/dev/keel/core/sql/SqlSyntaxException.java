package dev.keel.core.sql;

import dev.keel.core.KeelException;
import java.util.Optional;

/**
 * A SQL script that Keel cannot split into statements: an unterminated quote, dollar quote or comment, a
 * psql meta-command, or COPY data without its terminator. Carries the file (when known) and the line where
 * the problem starts, so the message reads {@code V3__x.sql:12: ...}.
 */
public final class SqlSyntaxException extends KeelException {

    private final String file;
    private final int line;

    SqlSyntaxException(String file, int line, String problem, String remedy) {
        super((file == null ? "line " : file + ":") + line + ": " + problem, remedy, USAGE, null);
        this.file = file;
        this.line = line;
    }

    /** The script's file name, when the caller gave one. */
    public Optional<String> file() {
        return Optional.ofNullable(file);
    }

    /** The 1-based line where the problem starts. */
    public int line() {
        return line;
    }
}
