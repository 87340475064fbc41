package dev.keel.server;

import dev.keel.core.project.Project;
import dev.keel.server.check.CheckContext;
import dev.keel.server.check.CheckRun;
import dev.keel.core.project.Target;
import dev.keel.ops.insight.InsightJson;
import dev.keel.ops.insight.StatementHistory;
import java.sql.Connection;
import java.util.Map;

/** The actions the server runs by itself: snapshot and check; the CLI adds backup and verify through ServerOptions. */
final class BuiltInActions {

    private BuiltInActions() {
    }

    /** {@code keel insight snapshot}: one statement and size snapshot into the target's keel_history schema (default retention). */
    static Map<String, Object> snapshot(Project project, Target target) throws Exception {
        try (Connection c = target.connect(status -> { })) {
            return InsightJson.snapshot(StatementHistory.snapshot(c), StatementHistory.DEFAULT_RETENTION.toString());
        }
    }

    /** {@code keel check}: the checklist evaluated and recorded in the project's history; its --json document. */
    static Map<String, Object> check(Project project, Target target) {
        return CheckRun.evaluate(CheckContext.of(project, target, line -> { }), true, problem -> { }).document();
    }
}
