package dev.keel.core.connect;

import dev.keel.core.ConfigException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses the connection URLs people write: libpq URIs ({@code postgresql://user:pass@host:port/db?sslmode=require},
 * also {@code postgres://}) and JDBC URLs ({@code jdbc:postgresql://host:port/db?user=..&password=..}). Parts the
 * URL leaves out are null, to be filled from keel.yaml, the PG* environment variables and ~/.pgpass.
 */
public record ConnectionUrl(String host, Integer port, String database, String user, String password,
                            Map<String, String> params) {

    public ConnectionUrl {
        params = params == null ? Map.of() : Map.copyOf(params);
        Secrets.register(password);
    }

    /** Parses a URL; {@code where} names its origin for error messages ("keel.yaml:4 targets.dev.url"). */
    public static ConnectionUrl parse(String url, String where) {
        if (url == null || url.isBlank()) {
            throw new ConfigException(where + ": empty connection URL", "write postgresql://user@host:5432/database");
        }
        String text = url.strip();
        String rest;
        if (text.startsWith("jdbc:postgresql:")) {
            rest = text.substring("jdbc:postgresql:".length());
            if (!rest.startsWith("//")) {
                // jdbc:postgresql:database
                return fromParts(null, null, rest, null, where);
            }
            rest = rest.substring(2);
        } else if (text.startsWith("postgresql://")) {
            rest = text.substring("postgresql://".length());
        } else if (text.startsWith("postgres://")) {
            rest = text.substring("postgres://".length());
        } else {
            throw new ConfigException(where + ": not a PostgreSQL URL: " + Secrets.mask(text),
                    "write postgresql://user@host:5432/database or jdbc:postgresql://host:5432/database");
        }
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String userInfo = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
        }
        String hostPort = rest;
        String database = null;
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            hostPort = rest.substring(0, slash);
            database = rest.substring(slash + 1);
        }
        String user = null;
        String password = null;
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = decode(colon >= 0 ? userInfo.substring(0, colon) : userInfo);
            password = colon >= 0 ? decode(userInfo.substring(colon + 1)) : null;
        }
        String host = null;
        Integer port = null;
        if (!hostPort.isEmpty()) {
            if (hostPort.contains(",")) {
                throw new ConfigException(where + ": several hosts in one URL are not supported yet: " + hostPort,
                        "name one host per target");
            }
            if (hostPort.startsWith("[")) {
                int close = hostPort.indexOf(']');
                host = hostPort.substring(1, close);
                hostPort = hostPort.substring(close + 1);
                if (hostPort.startsWith(":")) {
                    port = port(hostPort.substring(1), where);
                }
            } else {
                int colon = hostPort.lastIndexOf(':');
                host = colon >= 0 ? hostPort.substring(0, colon) : hostPort;
                if (colon >= 0) {
                    port = port(hostPort.substring(colon + 1), where);
                }
            }
            host = host.isEmpty() ? null : decode(host);
        }
        ConnectionUrl parsed = fromParts(host, port, database == null || database.isEmpty() ? null : decode(database),
                user == null || user.isEmpty() ? null : user, where);
        Map<String, String> params = new LinkedHashMap<>();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq >= 0 ? pair.substring(0, eq) : pair);
                String value = eq >= 0 ? decode(pair.substring(eq + 1)) : "";
                params.put(key, value);
            }
        }
        // libpq and JDBC both allow credentials and the host as query parameters
        String qUser = params.remove("user");
        String qPassword = params.remove("password");
        String qHost = params.remove("host");
        String qPort = params.remove("port");
        String qDb = params.remove("dbname");
        return new ConnectionUrl(
                parsed.host != null ? parsed.host : qHost,
                parsed.port != null ? parsed.port : (qPort == null ? null : port(qPort, where)),
                parsed.database != null ? parsed.database : qDb,
                parsed.user != null ? parsed.user : qUser,
                password != null ? password : qPassword,
                params);
    }

    private static ConnectionUrl fromParts(String host, Integer port, String db, String user, String where) {
        return new ConnectionUrl(host, port, db, user, null, Map.of());
    }

    private static int port(String text, String where) {
        try {
            int p = Integer.parseInt(text);
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new ConfigException(where + ": bad port '" + text + "' in connection URL", "use a number from 1 to 65535");
        }
    }

    static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public String toString() {
        return "ConnectionUrl[host=" + host + ", port=" + port + ", database=" + database + ", user=" + user
                + (password == null ? "" : ", password=" + Secrets.MASK) + ", params=" + params + "]";
    }
}
