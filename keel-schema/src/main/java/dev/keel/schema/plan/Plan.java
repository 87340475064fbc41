package dev.keel.schema.plan;

import java.util.List;
import java.util.Objects;

/**
 * What the pending migrations will do to the live target, statement by statement, in the order
 * {@code keel migrate} runs them. {@code keel plan --json} prints it as {@code {"statements": [...]}}.
 */
public record Plan(List<PlannedStatement> statements) {

    public Plan {
        statements = List.copyOf(Objects.requireNonNull(statements, "null statements"));
    }

    /** The sum of the statements' estimates, in milliseconds. */
    public long estimateMillis() {
        return statements.stream().mapToLong(PlannedStatement::estimateMillis).sum();
    }
}
