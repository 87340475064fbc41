package dev.keel.core.project;

import dev.keel.core.KeelException;
import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.connect.Connections;
import dev.keel.embedded.EmbeddedException;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.embedded.ServerStatus;
import java.sql.Connection;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The database a command works on: a remote server from keel.yaml or {@code --url}, or the project's
 * embedded server, which is started (and its database created) the first time a connection is asked for.
 */
public final class Target {

    private final String name;
    private final ConnectionSpec remote;
    private final Project project;
    private final String embeddedDatabase;

    private Target(String name, ConnectionSpec remote, Project project, String embeddedDatabase) {
        this.name = name;
        this.remote = remote;
        this.project = project;
        this.embeddedDatabase = embeddedDatabase;
    }

    static Target remote(String name, ConnectionSpec spec) {
        return new Target(name, Objects.requireNonNull(spec), null, null);
    }

    static Target embedded(String name, Project project, String database) {
        return new Target(name, null, project, database);
    }

    public String name() {
        return name;
    }

    public boolean isEmbedded() {
        return remote == null;
    }

    /** The embedded server behind this target; empty for a remote target. */
    public java.util.Optional<EmbeddedPostgres> embeddedServer() {
        return isEmbedded() ? java.util.Optional.of(project.embeddedServer()) : java.util.Optional.empty();
    }

    /**
     * The connection settings. For the embedded target this starts the server when it is not running
     * (telling {@code onStart}) and creates the database when it is missing.
     */
    public ConnectionSpec spec(Consumer<String> onStart) {
        if (remote != null) {
            return remote;
        }
        EmbeddedPostgres server = project.embeddedServer();
        try {
            ServerStatus status = server.status();
            if (!status.running()) {
                onStart.accept("starting the embedded PostgreSQL in " + server.home());
                status = server.start();
            }
            server.ensureDatabase(embeddedDatabase);
            return new ConnectionSpec("127.0.0.1", status.port(), embeddedDatabase, EmbeddedPostgres.SUPERUSER,
                    server.password(), Map.of());
        } catch (EmbeddedException e) {
            throw new KeelException(e.getMessage(), e.remedy(), KeelException.RUNTIME, e);
        }
    }

    /** Opens a connection, starting the embedded server first when it is the target. */
    public Connection connect(Consumer<String> onStart) {
        return Connections.open(spec(onStart));
    }

    /** "embedded (keel@127.0.0.1:5433/commerce)" or "prod (app@db:5432/shop)": safe to print. */
    public String describe() {
        return remote != null ? name + " (" + remote.display() + ")" : name + " (embedded, database " + embeddedDatabase + ")";
    }

    @Override
    public String toString() {
        return "Target[" + describe() + "]";
    }
}
