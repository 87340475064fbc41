package dev.keel.test;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * One test class's database on the shared test server: how to reach it, tracked connections to it, and
 * ways to load SQL into it. Every connection handed out is tracked so that one left open fails the test
 * that opened it.
 */
public final class TestDatabase {

    private final String name;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final Path psqlDir;
    private final List<Tracked> open = new CopyOnWriteArrayList<>();
    private volatile String scope = "class setup";

    TestDatabase(String name, String host, int port, String user, String password, Path psqlDir) {
        this.name = name;
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.psqlDir = psqlDir;
    }

    /** The database's name, unique per test class and run. */
    public String name() {
        return name;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** A superuser name for this server. */
    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** The JDBC URL of this database, without credentials. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + name;
    }

    /** A libpq URI of this database with credentials, for tools such as psql or pg_dump. */
    public String uri() {
        return "postgresql://" + user + ":" + password + "@" + host + ":" + port + "/" + name;
    }

    /** Opens a tracked superuser connection; close it before the test ends. */
    public Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("ApplicationName", "keel-test");
        Connection real = DriverManager.getConnection(jdbcUrl(), props);
        Tracked tracked = new Tracked(real, scope, new Throwable("connection opened here"));
        open.add(tracked);
        return (Connection) Proxy.newProxyInstance(TestDatabase.class.getClassLoader(),
                new Class<?>[]{Connection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("close") && method.getParameterCount() == 0) {
                        open.remove(tracked);
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** A DataSource whose connections are tracked like {@link #connect()}'s. */
    public DataSource dataSource() {
        return new TrackedDataSource();
    }

    /** Runs SQL (one or more statements) on a connection of its own. */
    public void execute(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /**
     * Runs a SQL file with psql, for dumps that use COPY ... FROM stdin or psql commands. Errors in single
     * statements do not stop the load (as with a plain {@code psql -f}); psql failing to run does.
     */
    public void psql(Path file) {
        Objects.requireNonNull(file, "null file");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no such SQL file: " + file);
        }
        Path psql = psqlDir == null ? null : psqlDir.resolve("psql");
        if (psql == null || !Files.isExecutable(psql)) {
            throw new IllegalStateException("psql is not installed (Debian: apt-get install postgresql-client-15)");
        }
        List<String> cmd = new ArrayList<>(List.of(psql.toString(), "-X", "-q", "-v", "ON_ERROR_STOP=0",
                "-h", host, "-p", String.valueOf(port), "-U", user, "-d", name, "-f", file.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("PGPASSWORD", password);
        try {
            Process p = pb.start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("psql -f " + file + " did not finish within 10 minutes");
            }
            if (p.exitValue() > 1) {
                throw new IllegalStateException("psql -f " + file + " failed with exit code " + p.exitValue());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run psql: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running psql", e);
        }
    }

    // ---- leak tracking, driven by the extension ---------------------------------------------------------

    void scope(String scope) {
        this.scope = scope;
    }

    /** Connections opened in {@code scope} and still open; they are closed as they are reported. */
    List<Throwable> closeLeaks(String inScope) {
        List<Throwable> leaks = new ArrayList<>();
        for (Tracked t : open) {
            if (inScope == null || t.scope.equals(inScope)) {
                leaks.add(t.openedAt);
                open.remove(t);
                try {
                    t.connection.close();
                } catch (SQLException ignored) {
                    // it is a leak either way
                }
            }
        }
        return leaks;
    }

    private record Tracked(Connection connection, String scope, Throwable openedAt) {
    }

    private final class TrackedDataSource implements DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            return connect();
        }

        @Override
        public Connection getConnection(String username, String pass) throws SQLException {
            throw new SQLFeatureNotSupportedException("the test database's DataSource uses its own credentials");
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
            // no driver log
        }

        @Override
        public void setLoginTimeout(int seconds) {
            DriverManager.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() {
            return DriverManager.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            if (iface.isInstance(this)) {
                return iface.cast(this);
            }
            throw new SQLException("not a wrapper of " + iface.getName());
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return iface.isInstance(this);
        }
    }

    @Override
    public String toString() {
        return "TestDatabase[" + jdbcUrl() + "]";
    }
}
