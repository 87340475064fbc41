package dev.keel.schema.lint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.findings.Finding;
import java.util.List;
import java.util.Map;

/** Test helpers: lint a script as a file (split by SqlSplitter) and pick findings by rule. */
final class Lint {

    static final String FILE = "db/migrations/V7__change.sql";

    private Lint() {
    }

    static List<Finding> script(String sql) {
        return script(sql, LintContext.defaults());
    }

    static List<Finding> script(String sql, LintContext context) {
        return MigrationLinter.lint(FILE, sql, context);
    }

    static List<Finding> script(String sql, int pgMajor) {
        return script(sql, LintContext.defaults().withPgMajor(pgMajor));
    }

    /** A context on PostgreSQL 15 that knows these row counts. */
    static LintContext rows(Map<String, Long> rows) {
        return new LintContext(15, rows);
    }

    static List<Finding> of(List<Finding> findings, LintRule rule) {
        return findings.stream().filter(f -> f.rule().equals(rule.id())).toList();
    }

    /** The one finding of {@code rule}; fails listing all findings when there is not exactly one. */
    static Finding single(List<Finding> findings, LintRule rule) {
        List<Finding> matching = of(findings, rule);
        assertThat(matching).as("findings of %s among %s", rule.id(), findings).hasSize(1);
        return matching.get(0);
    }

    static void none(List<Finding> findings, LintRule rule) {
        assertThat(of(findings, rule)).as("findings of %s", rule.id()).isEmpty();
    }

    static List<String> rules(List<Finding> findings) {
        return findings.stream().map(Finding::rule).toList();
    }
}
