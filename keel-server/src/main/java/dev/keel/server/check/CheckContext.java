package dev.keel.server.check;

import static java.util.Objects.requireNonNull;

import dev.keel.core.project.Project;
import dev.keel.core.project.Target;
import dev.keel.embedded.EmbeddedPostgres;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What {@link Checklist#evaluate} looks at: the project (keel.yaml and its .keel directory), the target, and
 * the embedded server to replay migrations into for the drift check (asked for only when migrations are
 * applied, since starting it costs seconds).
 *
 * @param status        where "starting the embedded PostgreSQL" and similar lines go
 * @param scratchServer the server drift replays migrations into, started
 * @param now           the time windows are measured from
 */
public record CheckContext(Project project, Target target, Consumer<String> status,
                           Supplier<EmbeddedPostgres> scratchServer, Instant now) {

    public CheckContext {
        requireNonNull(project, "null project");
        requireNonNull(target, "null target");
        requireNonNull(status, "null status");
        requireNonNull(scratchServer, "null scratchServer");
        requireNonNull(now, "null now");
    }

    /** A context measured from now, with the project's embedded server (started on demand) for drift. */
    public static CheckContext of(Project project, Target target, Consumer<String> status) {
        requireNonNull(project, "null project");
        return new CheckContext(project, target, status, () -> {
            EmbeddedPostgres server = project.embeddedServer();
            if (!server.status().running()) {
                status.accept("starting the embedded PostgreSQL in " + server.home() + " for the drift check");
                server.start();
            }
            return server;
        }, Instant.now());
    }
}
