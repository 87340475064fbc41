package dev.keel.test;

import dev.keel.embedded.BinaryLocator;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.embedded.Provider;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one PostgreSQL server of a test run: started in a temporary directory at first use and destroyed
 * when JUnit closes the root store at the end of the run. Tuned for tests (no fsync); everything else is as
 * in Keel's embedded server. {@code KEEL_TEST_PROVIDER=system|zonky} picks the binaries.
 */
final class SharedServer implements ExtensionContext.Store.CloseableResource, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(SharedServer.class.getName());
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final EmbeddedPostgres server;
    private final Path psqlDir;

    private SharedServer(EmbeddedPostgres server, Path psqlDir) {
        this.server = server;
        this.psqlDir = psqlDir;
    }

    static SharedServer start() {
        String providerName = System.getenv("KEEL_TEST_PROVIDER");
        Provider provider = providerName == null || providerName.isBlank() ? Provider.AUTO : Provider.parse(providerName);
        Path home;
        try {
            home = Files.createTempDirectory("keel-test-");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a directory for the test server: " + e.getMessage(), e);
        }
        EmbeddedPostgres server = EmbeddedPostgres.builder(home.resolve("pg"))
                .provider(provider)
                .setting("fsync", "off")
                .setting("full_page_writes", "off")
                .setting("max_connections", "200")
                .build();
        long t0 = System.nanoTime();
        server.start();
        LOG.log(Level.INFO, () -> "keel-test: PostgreSQL " + server.status().version() + " on port " + server.port()
                + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        try (Connection c = server.connect("postgres"); Statement st = c.createStatement()) {
            // SQL dumps often name the postgres role as owner; let them load as they would elsewhere.
            st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postgres') "
                    + "THEN CREATE ROLE postgres SUPERUSER; END IF; END $$");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare the test server: " + e.getMessage(), e);
        }
        Path psql = BinaryLocator.clientProgram("psql", server.binaries()).orElse(null);
        return new SharedServer(server, psql == null ? null : psql.getParent());
    }

    TestDatabase createDatabase(String hint) {
        String name = ("t_" + hint.toLowerCase().replaceAll("[^a-z0-9]+", "_"));
        if (name.length() > 50) {
            name = name.substring(0, 50);
        }
        name = name + "_" + COUNTER.incrementAndGet();
        server.ensureDatabase(name);
        return new TestDatabase(name, "127.0.0.1", server.port(), EmbeddedPostgres.SUPERUSER, server.password(), psqlDir);
    }

    void dropDatabase(TestDatabase db) {
        server.dropDatabase(db.name());
    }

    /** Backends connected to a database other than the caller's own. */
    int otherBackends(String database) throws SQLException {
        try (Connection c = server.connect("postgres");
             var ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
            ps.setString(1, database);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Override
    public void close() {
        server.destroy();
        try {
            Files.deleteIfExists(server.home().getParent());
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
