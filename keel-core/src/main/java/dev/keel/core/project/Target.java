package dev.keel.core.project;

import dev.keel.core.KeelException;
import dev.keel.core.connect.ConnectionFailedException;
import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.connect.Connections;
import dev.keel.embedded.EmbeddedException;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.embedded.ServerStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The database a command works on: a remote server from keel.yaml or {@code --url}, or the project's
 * embedded server, which is started (and its database created) the first time a connection is asked for.
 */
public final class Target {

    /** PostgreSQL's SQLSTATE for a database that does not exist. */
    private static final String MISSING_DATABASE = "3D000";

    private final String name;
    private final ConnectionSpec remote;
    private final Project project;
    private final String embeddedDatabase;
    // The embedded database was seen to exist (or was created) by this object: dropping it meanwhile is the
    // caller's own doing, as with a remote target.
    private volatile boolean databaseExists;

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
        ConnectionSpec spec = embeddedSpec(onStart);
        if (!databaseExists) {
            ensureDatabase();
        }
        return spec;
    }

    /**
     * Opens a connection, starting the embedded server first when it is the target. The embedded database is
     * connected to directly, and created only when the server says it does not exist: checking first would cost a
     * second connection, and its authentication, on every command.
     */
    public Connection connect(Consumer<String> onStart) {
        if (remote != null) {
            return Connections.open(remote);
        }
        ConnectionSpec spec = embeddedSpec(onStart);
        try {
            Connection c = Connections.open(spec);
            databaseExists = true;
            return c;
        } catch (ConnectionFailedException e) {
            if (!(e.getCause() instanceof SQLException cause) || !MISSING_DATABASE.equals(cause.getSQLState())) {
                throw e;
            }
        }
        ensureDatabase();
        return Connections.open(spec);
    }

    /** The embedded server's settings, the server started first when it is not running. */
    private ConnectionSpec embeddedSpec(Consumer<String> onStart) {
        EmbeddedPostgres server = project.embeddedServer();
        try {
            ServerStatus status = server.status();
            if (!status.running()) {
                onStart.accept("starting the embedded PostgreSQL in " + server.home());
                status = server.start();
            }
            return new ConnectionSpec("127.0.0.1", status.port(), embeddedDatabase, EmbeddedPostgres.SUPERUSER,
                    server.password(), Map.of());
        } catch (EmbeddedException e) {
            throw new KeelException(e.getMessage(), e.remedy(), KeelException.RUNTIME, e);
        }
    }

    private void ensureDatabase() {
        try {
            project.embeddedServer().ensureDatabase(embeddedDatabase);
            databaseExists = true;
        } catch (EmbeddedException e) {
            throw new KeelException(e.getMessage(), e.remedy(), KeelException.RUNTIME, e);
        }
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
