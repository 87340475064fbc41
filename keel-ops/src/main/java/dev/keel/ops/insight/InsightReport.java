package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import dev.keel.core.findings.Findings;
import java.util.Optional;

/**
 * What {@code keel insight} found, plus the tables its text view shows.
 *
 * @param findings    every check's findings (a check that could not run is an "insight.check-failed" finding)
 * @param statements  the top statements; empty when pg_stat_statements is not available or its check failed
 * @param connections the connection summary; empty when its check failed
 * @param database    the database the report is about (statements and settings are per database)
 */
public record InsightReport(Findings findings, Optional<TopStatements> statements,
                            Optional<ConnectionSummary> connections, String database) {

    public InsightReport {
        requireNonNull(findings, "null findings");
        requireNonNull(statements, "null statements");
        requireNonNull(connections, "null connections");
        requireNonNull(database, "null database");
    }
}
