package dev.keel.schema.lint;

import static java.util.Objects.requireNonNull;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Severity;
import dev.keel.core.sql.SqlSplitter;
import dev.keel.core.sql.SqlStatement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lints the statements of one migration file by static rules ({@link LintRule}): which lock each statement
 * takes, whether it rewrites or scans a table under that lock, and whether it breaks the application
 * version still running during a deploy. Each finding says what to run instead.
 *
 * <p>Findings carry evidence in a fixed order, {@code statement, lockMode, rewrite, scan, rows, basis},
 * with {@code basis} "rule"; a measured analysis that runs the migration on a scratch copy reports the same
 * rule ids and keys with its own basis, so the two can be merged finding by finding.
 *
 * <p>Implementation notes. There is no SQL grammar here. Each statement is cut into tokens by a small
 * lexer that sets comments and string bodies aside (so a keyword inside a string or a function body is
 * never seen) and upper-cases bare words. The first one or two keywords pick a family of rules
 * (ALTER TABLE, CREATE, DROP, ...); each family walks the tokens with a cursor that matches keyword
 * sequences, reads qualified names, skips parenthesised groups and splits at top-level commas, which is
 * how {@code ALTER TABLE t action, action} is judged action by action. The lock modes are PostgreSQL's
 * own (AlterTableGetLockLevel and the lock each utility command takes), and "rewrite" follows
 * ATColumnChangeRequiresRewrite and the type support functions that make length increases free; both were
 * checked on PostgreSQL 15 against pg_locks and relfilenode (MigrationLinterIT keeps checking them). State
 * carried from statement to statement ({@link FileState}) knows the tables the file created (exempt from
 * lock rules: no rows, no other users), BEGIN/COMMIT, lock_timeout and search_path. When a statement is
 * not understood the rules stay silent: a missed warning is cheaper than a false one.
 */
public final class MigrationLinter {

    private static final int STATEMENT_PREVIEW = 200;
    private static final Pattern IGNORE = Pattern.compile("keel:ignore\\b(.*)");
    private static final Pattern RULE_ID = Pattern.compile("lint\\.[a-z0-9-]+");

    private MigrationLinter() {
    }

    /**
     * Lints the statements of one file, in order.
     *
     * <p>A rule is skipped for a statement when a {@code -- keel:ignore <rule-id> ...} comment is on the
     * statement's first line or in a comment before its first token. Comments between statements are not
     * part of the statements, so to honour one on the line above a statement use {@link #lint(String,
     * String, LintContext)}.
     *
     * @param file the path as the user would type it; every finding points at it
     * @return findings in statement order
     */
    public static List<Finding> lint(String file, List<SqlStatement> statements, LintContext context) {
        checkFile(file);
        requireNonNull(statements, "null statements");
        requireNonNull(context, "null context");
        return run(file, statements, null, context);
    }

    /**
     * Splits a whole migration script with {@link SqlSplitter} and lints its statements. Suppression comments
     * also count on the lines directly above a statement (a block of {@code --} lines).
     *
     * @throws dev.keel.core.sql.SqlSyntaxException when the script cannot be split (a psql meta-command)
     */
    public static List<Finding> lint(String file, String script, LintContext context) {
        checkFile(file);
        requireNonNull(script, "null script");
        requireNonNull(context, "null context");
        return run(file, SqlSplitter.split(script, file), script.split("\\R", -1), context);
    }

    private static void checkFile(String file) {
        requireNonNull(file, "null file");
        if (file.isBlank()) {
            throw new IllegalArgumentException("blank file");
        }
    }

    private static List<Finding> run(String file, List<SqlStatement> statements, String[] lines, LintContext context) {
        FileState state = new FileState();
        List<Finding> findings = new ArrayList<>();
        SqlStatement begin = null;
        Set<String> beginSuppressed = Set.of();
        for (SqlStatement statement : statements) {
            requireNonNull(statement, "null statement");
            SqlTokenizer.Tokens tokens = SqlTokenizer.tokenize(statement.sql());
            if (tokens.tokens().isEmpty()) {
                continue;
            }
            StatementCheck s = new StatementCheck(statement, tokens.tokens(), state, context);
            Set<String> suppressed = suppressions(statement, tokens, lines);
            boolean wasInTransaction = state.inTransaction;
            StatementRules.enumValueUse(s);
            dispatch(s);
            missingLockTimeout(s);
            if (state.inTransaction && !wasInTransaction) {
                begin = statement;
                beginSuppressed = suppressed;
            }
            for (Hit hit : s.hits) {
                if (!suppressed.contains(hit.rule().id())) {
                    findings.add(finding(file, statement, hit));
                }
            }
        }
        if (state.inTransaction && begin != null && context.enabled(LintRule.UNCOMMITTED_TRANSACTION)
                && !beginSuppressed.contains(LintRule.UNCOMMITTED_TRANSACTION.id())) {
            findings.add(finding(file, begin, Hit.of(LintRule.UNCOMMITTED_TRANSACTION, "transaction",
                    "The transaction opened on line " + begin.line() + " is neither committed nor rolled back in this "
                            + "file: psql rolls it back when the session ends, other runners commit or keep it open, so "
                            + "whether this migration's work is kept depends on the tool.",
                    "COMMIT;  -- at the end of the file")));
        }
        return findings;
    }

    private static void dispatch(StatementCheck s) {
        Token first = s.tokens.get(0);
        Token second = s.tokens.size() > 1 ? s.tokens.get(1) : null;
        if (!first.isWord()) {
            return;
        }
        FileState state = s.file;
        switch (first.text()) {
            case "ALTER" -> {
                IdentifierLength.check(s);
                if (second == null) {
                    return;
                }
                switch (second.text()) {
                    case "TABLE" -> AlterTableRules.check(s);
                    case "TYPE" -> StatementRules.alterType(s);
                    case "DOMAIN" -> StatementRules.alterDomain(s);
                    case "INDEX" -> StatementRules.alterIndex(s);
                    default -> {
                    }
                }
            }
            case "CREATE" -> {
                IdentifierLength.check(s);
                CreateRules.check(s);
            }
            case "DROP" -> StatementRules.drop(s);
            case "TRUNCATE" -> StatementRules.truncate(s);
            case "VACUUM" -> StatementRules.vacuum(s);
            case "CLUSTER" -> StatementRules.cluster(s);
            case "LOCK" -> StatementRules.lock(s);
            case "REFRESH" -> StatementRules.refresh(s);
            case "REINDEX" -> StatementRules.reindex(s);
            case "UPDATE" -> StatementRules.update(s);
            case "SELECT" -> StatementRules.select(s);
            case "SET" -> StatementRules.set(s);
            case "RESET" -> StatementRules.reset(s);
            case "BEGIN", "START" -> {
                if (first.is("START") && (second == null || !second.is("TRANSACTION"))) {
                    return;
                }
                if (state.inTransaction) {
                    s.add(Hit.of(LintRule.NESTED_TRANSACTION, "transaction",
                            "BEGIN inside the transaction opened on line " + state.transactionLine + " does nothing "
                                    + "(PostgreSQL only warns), so the first COMMIT after it ends the outer transaction "
                                    + "too, and what follows runs outside any transaction.",
                            "-- remove this BEGIN, or COMMIT the open transaction before it"));
                    return;
                }
                state.inTransaction = true;
                state.transactionLine = s.statement.line();
            }
            case "COMMIT", "END", "ABORT" -> {
                if (!(second != null && second.is("PREPARED"))) {
                    state.endTransaction();
                }
            }
            case "ROLLBACK" -> {
                if (!(second != null && (second.is("TO") || second.is("PREPARED")))) {
                    state.endTransaction();
                }
            }
            default -> {
            }
        }
    }

    /** Once per file: the first statement that blocks writes to an existing table with no lock_timeout set. */
    private static void missingLockTimeout(StatementCheck s) {
        FileState state = s.file;
        LockMode lock = s.lockOnExisting;
        if (lock == null || !lock.blocksWrites() || state.lockTimeoutActive() || state.lockTimeoutReported) {
            return;
        }
        state.lockTimeoutReported = true;
        String blocks = lock == LockMode.ACCESS_EXCLUSIVE ? "reads and writes" : "writes";
        s.add(Hit.of(LintRule.MISSING_LOCK_TIMEOUT, s.lockedObject,
                "This statement takes " + lock.withArticle() + " on " + s.lockedObject + " and no lock_timeout is set "
                        + "before it in this file: if any transaction holds a conflicting lock, it waits, and all "
                        + blocks + " of " + s.lockedObject + " queue behind it for as long as it waits. Keel's "
                        + "migration runner sets lock_timeout itself; Flyway and psql do not.",
                (state.inTransaction ? "SET LOCAL lock_timeout = '5s';  -- right after BEGIN"
                        : "SET lock_timeout = '5s';  -- at the top of the file")
                        + "\n-- and retry the migration when it times out")
                .locking(lock, null, null));
    }

    /** The hit for CONCURRENTLY inside BEGIN ... COMMIT, shared by the rule families that know the syntax. */
    static void concurrentlyInTransaction(StatementCheck s, String object, String what) {
        s.add(Hit.of(LintRule.CONCURRENTLY_IN_TRANSACTION, object,
                what + " cannot run inside a transaction block: after the BEGIN on line " + s.file.transactionLine
                        + " it fails with \"cannot run inside a transaction block\" and the whole transaction rolls back.",
                "-- move it after the COMMIT (in Flyway: into a migration of its own, run outside a transaction):\n"
                        + s.statement.sql() + ";"));
    }

    private static Finding finding(String file, SqlStatement statement, Hit hit) {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("statement", preview(statement.sql()));
        if (hit.lock() != null) {
            evidence.put("lockMode", hit.lock().pgName());
        }
        if (hit.rewrite() != null) {
            evidence.put("rewrite", hit.rewrite());
        }
        if (hit.scan() != null) {
            evidence.put("scan", hit.scan());
        }
        if (hit.rows() != null) {
            evidence.put("rows", hit.rows());
        }
        evidence.put("basis", "rule");
        Severity severity = hit.severity();
        return new Finding(hit.rule().id(), severity, hit.object(), hit.message(), hit.remedy(), evidence,
                new Finding.Location(file, statement.line()));
    }

    private static String preview(String sql) {
        if (sql.length() <= STATEMENT_PREVIEW) {
            return sql;
        }
        int end = Character.isHighSurrogate(sql.charAt(STATEMENT_PREVIEW - 1)) ? STATEMENT_PREVIEW - 1 : STATEMENT_PREVIEW;
        return sql.substring(0, end);
    }

    /**
     * Rule ids named by {@code keel:ignore} comments that apply to the statement: comments before or on the
     * line of its first token, and (with the script's lines) its first line and the block of {@code --}
     * lines right above it.
     */
    private static Set<String> suppressions(SqlStatement statement, SqlTokenizer.Tokens tokens, String[] lines) {
        Set<String> ids = new HashSet<>();
        int firstLine = tokens.tokens().get(0).line();
        for (SqlTokenizer.Comment comment : tokens.comments()) {
            if (comment.line() <= firstLine) {
                collect(comment.text(), ids);
            }
        }
        if (lines != null) {
            int at = statement.line() - 1;
            if (at < lines.length) {
                int dash = lines[at].indexOf("--");
                if (dash >= 0) {
                    collect(lines[at].substring(dash), ids);
                }
            }
            for (int i = at - 1; i >= 0 && i < lines.length && lines[i].strip().startsWith("--"); i--) {
                collect(lines[i], ids);
            }
        }
        return ids;
    }

    private static void collect(String comment, Set<String> ids) {
        Matcher ignore = IGNORE.matcher(comment);
        while (ignore.find()) {
            Matcher id = RULE_ID.matcher(ignore.group(1));
            while (id.find()) {
                ids.add(id.group());
            }
        }
    }
}
