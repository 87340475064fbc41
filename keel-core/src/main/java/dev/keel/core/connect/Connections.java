package dev.keel.core.connect;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Opens JDBC connections from a {@link ConnectionSpec}, turning the driver's failures into one line that
 * names host:port, the user and what the server said, with a remedy. libpq parameter names in the spec are
 * translated to the driver's (connect_timeout, application_name, sslmode...).
 */
public final class Connections {

    /** Seconds to wait for a TCP connection when neither the URL nor PGCONNECT_TIMEOUT says. */
    public static final int DEFAULT_CONNECT_TIMEOUT = 10;

    private Connections() {
    }

    public static Connection open(ConnectionSpec spec) {
        try {
            return DriverManager.getConnection(spec.jdbcUrl(), properties(spec));
        } catch (SQLException e) {
            throw failure(spec, e);
        }
    }

    static Properties properties(ConnectionSpec spec) {
        Properties p = new Properties();
        p.setProperty("user", spec.user());
        if (spec.password() != null) {
            p.setProperty("password", spec.password());
        }
        p.setProperty("ApplicationName", "keel");
        p.setProperty("connectTimeout", String.valueOf(DEFAULT_CONNECT_TIMEOUT));
        p.setProperty("loginTimeout", String.valueOf(DEFAULT_CONNECT_TIMEOUT + 5));
        for (Map.Entry<String, String> e : spec.params().entrySet()) {
            switch (e.getKey()) {
                case "application_name" -> p.setProperty("ApplicationName", e.getValue());
                case "connect_timeout", "connectTimeout" -> p.setProperty("connectTimeout", e.getValue());
                case "options" -> p.setProperty("options", e.getValue());
                case "target_session_attrs" -> p.setProperty("targetServerType", e.getValue());
                default -> p.setProperty(e.getKey(), e.getValue()); // sslmode, sslrootcert, ... share names
            }
        }
        return p;
    }

    /** The one-line failure for a connection attempt. */
    public static ConnectionFailedException failure(ConnectionSpec spec, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String said = serverMessage(e);
        String remedy = switch (state) {
            case "28P01", "28000" -> "check the user and password (keel.yaml, PGPASSWORD or ~/.pgpass)";
            case "3D000" -> "create the database, or name an existing one in the URL";
            case "08001", "08004", "08006" -> "check that the server runs and accepts TCP connections on "
                    + spec.address() + " (host, port, firewall, listen_addresses, pg_hba.conf)";
            case "53300" -> "the server has no free connection slots: close idle sessions or raise max_connections";
            default -> null;
        };
        String message = "cannot connect to " + spec.address() + " as " + spec.user() + " (database "
                + spec.database() + "): " + Secrets.mask(said);
        return new ConnectionFailedException(message, remedy, e);
    }

    private static String serverMessage(SQLException e) {
        if (e instanceof PSQLException pe) {
            ServerErrorMessage sem = pe.getServerErrorMessage();
            if (sem != null && sem.getMessage() != null) {
                return sem.getMessage();
            }
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl >= 0 ? m.substring(0, nl) : m;
    }
}
