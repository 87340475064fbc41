package dev.keel.server;

import dev.keel.core.project.Project;
import dev.keel.core.project.Target;
import dev.keel.ops.insight.InsightJson;
import dev.keel.ops.insight.StatementHistory;
import java.sql.Connection;
import java.util.Map;

/** The actions the server runs by itself; backup, verify and check come from their own modules via ServerOptions. */
final class BuiltInActions {

    private BuiltInActions() {
    }

    /** {@code keel insight snapshot}: one statement and size snapshot into the target's keel schema (default retention). */
    static Map<String, Object> snapshot(Project project, Target target) throws Exception {
        try (Connection c = target.connect(status -> { })) {
            return InsightJson.snapshot(StatementHistory.snapshot(c), StatementHistory.DEFAULT_RETENTION.toString());
        }
    }
}
