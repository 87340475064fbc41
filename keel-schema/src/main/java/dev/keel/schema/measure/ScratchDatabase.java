package dev.keel.schema.measure;

import dev.keel.embedded.Directories;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.schema.migrate.MigrationException;
import dev.keel.schema.migrate.MigrationResolver;
import dev.keel.schema.migrate.MigrationSettings;
import dev.keel.schema.migrate.MigrationVersion;
import dev.keel.schema.migrate.Migrator;
import dev.keel.schema.migrate.ResolvedMigration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A throw-away database in the embedded server, named {@code keel_scratch_<random>}, that migrations are
 * applied to and measured on. Closing it drops it, ending any session still connected.
 *
 * <p>The database is created from the server's template, so it starts empty. Roles are shared by the whole
 * server: a migration that creates a role creates it in the embedded server, where it stays.
 */
public final class ScratchDatabase implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    private final EmbeddedPostgres server;
    private final String name;
    private boolean closed;

    private ScratchDatabase(EmbeddedPostgres server, String name) {
        this.server = server;
        this.name = name;
    }

    /** Creates a new, empty scratch database in the running {@code server}. */
    public static ScratchDatabase create(EmbeddedPostgres server) {
        Objects.requireNonNull(server, "null server");
        String name = "keel_scratch_" + randomSuffix();
        try {
            server.ensureDatabase(name);
        } catch (RuntimeException e) {
            throw new MeasureException("cannot create the scratch database " + name + ": " + e.getMessage(),
                    "start the embedded server with 'keel db start'", e);
        }
        return new ScratchDatabase(server, name);
    }

    /** The database's name. */
    public String name() {
        return name;
    }

    /** Opens a superuser connection to the scratch database; the caller closes it. */
    public Connection connect() throws SQLException {
        if (closed) {
            throw new IllegalStateException("the scratch database " + name + " was dropped");
        }
        return server.connect(name);
    }

    /**
     * What {@link #applyMigrations} applied.
     *
     * @param applied            the versioned migrations, then the repeatables, in the order applied
     * @param currentVersion     the newest version applied; null when none was
     * @param repeatablesFailure why the repeatable migrations (or one of them) could not be applied, "" when
     *                           they all were: a repeatable written for a later version can fail on the
     *                           schema of an earlier one
     */
    public record Applied(List<ResolvedMigration> applied, MigrationVersion currentVersion, String repeatablesFailure) {
        public Applied {
            applied = List.copyOf(applied);
            repeatablesFailure = repeatablesFailure == null ? "" : repeatablesFailure;
        }
    }

    /**
     * Applies the versioned migrations of {@code locations} up to {@code upTo} (null: all of them), then the
     * repeatable ones, with Keel's own migrator, so the scratch copy has the schema {@code keel migrate
     * --target} builds. Repeatables come second and on their own: when one fails (it may need a table of a
     * later version), the versioned migrations stay applied and the failure is returned, not thrown.
     *
     * @throws dev.keel.schema.migrate.MigrationException when a versioned migration fails on the scratch copy
     */
    public Applied applyMigrations(List<Path> locations, MigrationVersion upTo) {
        Objects.requireNonNull(locations, "null locations");
        List<ResolvedMigration> versioned = MigrationResolver.resolve(locations).stream()
                .filter(m -> m.kind() == ResolvedMigration.Kind.VERSIONED)
                .filter(m -> upTo == null || m.version().compareTo(upTo) <= 0)
                .toList();
        Path only = copyOf(versioned);
        Migrator.MigrateResult first;
        try {
            first = migrator(List.of(only)).migrate(upTo, new Migrator.Listener() { });
        } finally {
            Directories.deleteTreeQuietly(only);
        }
        List<ResolvedMigration> applied = new ArrayList<>(first.applied());
        String failure = "";
        try {
            applied.addAll(migrator(locations).migrate(upTo, new Migrator.Listener() { }).applied());
        } catch (MigrationException e) {
            failure = e.getMessage();
        }
        return new Applied(applied, first.currentVersion(), failure);
    }

    private Migrator migrator(List<Path> locations) {
        return Migrator.of(() -> {
            try {
                return connect();
            } catch (SQLException e) {
                throw new MeasureException("cannot connect to the scratch database " + name + ": "
                        + StatementProbe.firstLine(e), null, e);
            }
        }, MigrationSettings.of(locations));
    }

    /** A temporary folder with copies of {@code files} under their own names (so checksums and scripts match). */
    private static Path copyOf(List<ResolvedMigration> files) {
        try {
            Path dir = Files.createTempDirectory("keel-scratch-");
            for (ResolvedMigration m : files) {
                Files.copy(m.path(), dir.resolve(m.script()));
            }
            return dir;
        } catch (IOException e) {
            throw new MeasureException("cannot copy the migrations to a temporary folder: " + e.getMessage(), null, e);
        }
    }

    /** Drops the database (WITH (FORCE): sessions still connected are ended). Closing twice does nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.dropDatabase(name);
        } catch (RuntimeException e) {
            throw new MeasureException("cannot drop the scratch database " + name + ": " + e.getMessage(),
                    "drop it by hand: DROP DATABASE " + name + " WITH (FORCE)", e);
        }
    }

    private static String randomSuffix() {
        StringBuilder sb = new StringBuilder(12);
        for (int i = 0; i < 12; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "ScratchDatabase[" + name + "]";
    }
}
