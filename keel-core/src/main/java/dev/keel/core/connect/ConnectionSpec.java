package dev.keel.core.connect;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Everything needed to open a connection to one PostgreSQL database. Its {@link #toString()} and
 * {@link #display()} never show the password; {@link #jdbcUrl()} never contains it either (the password goes
 * to the driver as a property).
 *
 * @param params extra libpq-style parameters (sslmode, application_name, connect_timeout, options, ...)
 */
public record ConnectionSpec(String host, int port, String database, String user, String password,
                             Map<String, String> params) {

    public ConnectionSpec {
        Objects.requireNonNull(host, "null host");
        Objects.requireNonNull(database, "null database");
        Objects.requireNonNull(user, "null user");
        params = params == null ? Map.of() : Map.copyOf(new TreeMap<>(params));
        Secrets.register(password);
    }

    /** "host:port", as error messages name a server. */
    public String address() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** "user@host:port/database", safe to print. */
    public String display() {
        return user + "@" + address() + "/" + database;
    }

    /** A JDBC URL without credentials. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + address() + "/" + ConnectionUrl.encode(database);
    }

    /** A libpq URI without the password, as psql accepts it. */
    public String uri() {
        StringBuilder sb = new StringBuilder("postgresql://").append(ConnectionUrl.encode(user)).append('@')
                .append(address()).append('/').append(ConnectionUrl.encode(database));
        if (!params.isEmpty()) {
            sb.append('?');
            params.forEach((k, v) -> sb.append(k).append('=').append(ConnectionUrl.encode(v)).append('&'));
            sb.setLength(sb.length() - 1);
        }
        return sb.toString();
    }

    /**
     * The environment a libpq program (pg_dump, pgbench, ...) connects with: the password and the TLS and
     * session settings, which never go on its command line; JDBC-only parameters are left out.
     */
    public Map<String, String> libpqEnvironment(String applicationName) {
        Objects.requireNonNull(applicationName, "null applicationName");
        Map<String, String> env = new LinkedHashMap<>();
        if (password != null) {
            env.put("PGPASSWORD", password);
        }
        env.put("PGAPPNAME", applicationName);
        params.forEach((k, v) -> {
            String var = switch (k) {
                case "sslmode" -> "PGSSLMODE";
                case "sslrootcert" -> "PGSSLROOTCERT";
                case "sslcert" -> "PGSSLCERT";
                case "sslkey" -> "PGSSLKEY";
                case "sslcrl" -> "PGSSLCRL";
                case "connect_timeout", "connectTimeout" -> "PGCONNECT_TIMEOUT";
                case "options" -> "PGOPTIONS";
                case "target_session_attrs" -> "PGTARGETSESSIONATTRS";
                default -> null;
            };
            if (var != null) {
                env.put(var, v);
            }
        });
        return env;
    }

    public ConnectionSpec withDatabase(String other) {
        return new ConnectionSpec(host, port, other, user, password, params);
    }

    @Override
    public String toString() {
        return "ConnectionSpec[" + display() + (password == null ? "" : ", password=" + Secrets.MASK) + ", params="
                + params + "]";
    }
}
