package dev.keel.schema.migrate;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sorts a migration's statements into those that can run inside a transaction and those PostgreSQL refuses
 * to run in one (CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY, VACUUM,
 * CREATE/DROP DATABASE and TABLESPACE, ALTER SYSTEM, ...), and spots the file's own transaction control
 * (BEGIN, COMMIT), which also means Keel must not wrap the file in a transaction of its own.
 */
public final class StatementClass {

    private static final Pattern CREATE_INDEX_CONCURRENTLY = Pattern.compile(
            "CREATE\\s+(?:UNIQUE\\s+)?INDEX\\s+CONCURRENTLY\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?((?:\"(?:[^\"]|\"\")+\"|[A-Za-z_][A-Za-z0-9_$]*)(?:\\.(?:\"(?:[^\"]|\"\")+\"|[A-Za-z_][A-Za-z0-9_$]*))?)\\s+ON\\s",
            Pattern.CASE_INSENSITIVE);

    private StatementClass() {
    }

    /** Statement text with leading comments removed and whitespace collapsed, upper-cased. */
    static String normalized(String sql) {
        String s = sql.strip();
        while (true) {
            if (s.startsWith("--")) {
                int nl = s.indexOf('\n');
                s = nl < 0 ? "" : s.substring(nl + 1).strip();
            } else if (s.startsWith("/*")) {
                int depth = 0;
                int i = 0;
                for (; i < s.length() - 1; i++) {
                    if (s.startsWith("/*", i)) {
                        depth++;
                        i++;
                    } else if (s.startsWith("*/", i)) {
                        depth--;
                        i++;
                        if (depth == 0) {
                            break;
                        }
                    }
                }
                s = i + 1 >= s.length() ? "" : s.substring(i + 1).strip();
            } else {
                break;
            }
        }
        return s.replaceAll("\\s+", " ").toUpperCase(Locale.ROOT);
    }

    /** True when PostgreSQL refuses to run the statement inside a transaction block. */
    public static boolean nonTransactional(String sql, int serverMajor) {
        String s = normalized(sql);
        return s.matches("^CREATE (UNIQUE )?INDEX CONCURRENTLY\\b.*")
                || s.matches("^DROP INDEX CONCURRENTLY\\b.*")
                || (s.startsWith("REINDEX") && s.contains(" CONCURRENTLY"))
                || (s.startsWith("ALTER TABLE") && s.contains(" DETACH PARTITION ")
                        && (s.endsWith(" CONCURRENTLY") || s.endsWith(" FINALIZE")))
                || s.matches("^VACUUM\\b.*")
                || s.matches("^(CREATE|DROP) (DATABASE|TABLESPACE)\\b.*")
                || s.matches("^ALTER SYSTEM\\b.*")
                || s.equals("CLUSTER") || s.startsWith("CLUSTER VERBOSE") && !s.contains(" ON ")
                || (s.matches("^CREATE SUBSCRIPTION\\b.*") && !s.contains("CONNECT = FALSE"))
                || (s.matches("^DROP SUBSCRIPTION\\b.*"))
                || (serverMajor < 12 && s.matches("^ALTER TYPE .* ADD VALUE\\b.*"));
    }

    /** True for BEGIN, START TRANSACTION, COMMIT, ROLLBACK, END, SAVEPOINT and friends. */
    public static boolean transactionControl(String sql) {
        String s = normalized(sql);
        return s.matches("^(BEGIN|START TRANSACTION|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|PREPARE TRANSACTION|COMMIT PREPARED|ROLLBACK PREPARED)\\b.*")
                && !s.startsWith("BEGIN ATOMIC");
    }

    /** The index name of a CREATE INDEX CONCURRENTLY, as written (possibly schema-qualified or quoted). */
    static Optional<String> concurrentIndexName(String sql) {
        String s = sql.strip();
        Matcher m = CREATE_INDEX_CONCURRENTLY.matcher(StatementClass.stripLeadingComments(s));
        return m.find() && m.start() == 0 ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static String stripLeadingComments(String sql) {
        String n = sql;
        while (n.startsWith("--") || n.startsWith("/*")) {
            int end = n.startsWith("--") ? n.indexOf('\n') : n.indexOf("*/") + 1;
            n = end <= 0 ? "" : n.substring(end + 1).strip();
        }
        return n;
    }
}
