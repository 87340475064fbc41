package dev.keel.server;

import dev.keel.core.project.Project;
import dev.keel.core.project.Target;
import java.util.Map;

/**
 * Something the server runs on request ({@code POST /api/actions/NAME}, with {@code --allow-actions}) or on a
 * schedule ({@code server.jobs.NAME} in keel.yaml): a statement snapshot, a backup, a verification, {@code keel check}.
 * The result is the JSON document the matching CLI command prints with {@code --json}.
 */
@FunctionalInterface
public interface ServerAction {

    /** Runs the action to its end on the calling thread; an exception marks the run failed with its message. */
    Map<String, Object> run(Project project, Target target) throws Exception;
}
