package dev.keel.schema.lint;

import dev.keel.core.findings.Severity;

/**
 * What one rule found in one statement, before it becomes a {@link dev.keel.core.findings.Finding}: the
 * linter adds the file, line, statement text and basis, and drops hits that are disabled or suppressed.
 * Null lock facts are left out of the evidence (style rules have none; "rewrite" is null when unknown).
 */
record Hit(LintRule rule, Severity severity, String object, String message, String remedy,
           LockMode lock, Boolean rewrite, Boolean scan, Long rows) {

    static Hit of(LintRule rule, String object, String message, String remedy) {
        return new Hit(rule, rule.severity(), object, message, remedy, null, null, null, null);
    }

    Hit severity(Severity newSeverity) {
        return new Hit(rule, newSeverity, object, message, remedy, lock, rewrite, scan, rows);
    }

    Hit locking(LockMode newLock, Boolean newRewrite, Boolean newScan) {
        return new Hit(rule, severity, object, message, remedy, newLock, newRewrite, newScan, rows);
    }

    Hit rows(Long newRows) {
        return new Hit(rule, severity, object, message, remedy, lock, rewrite, scan, newRows);
    }
}
