package dev.keel.core.project;

import dev.keel.core.ConfigException;
import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.connect.ConnectionUrl;
import dev.keel.core.connect.PgPass;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.embedded.Provider;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A Keel project: its directory, its keel.yaml (when it has one) and the environment that fills
 * {@code ${ENV}} references. It resolves target names to connection settings.
 */
public final class Project {

    /** The name of the built-in target for the project's embedded server. */
    public static final String EMBEDDED = "embedded";

    private final Path file;
    private final Path dir;
    private final ProjectConfig config;
    private final Map<String, Integer> lines;
    private final Map<String, String> env;

    Project(Path file, Path dir, ProjectConfig config, Map<String, Integer> lines, Map<String, String> env) {
        this.file = file;
        this.dir = Objects.requireNonNull(dir, "null dir");
        this.config = Objects.requireNonNull(config, "null config");
        this.lines = Map.copyOf(lines);
        this.env = Map.copyOf(env);
    }

    /** keel.yaml, when the project has one. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    public Path dir() {
        return dir;
    }

    public ProjectConfig config() {
        return config;
    }

    /** The project's name: keel.yaml's {@code name}, else its directory's name. */
    public String name() {
        return config.name() != null ? config.name() : dir.getFileName() == null ? "keel" : dir.getFileName().toString();
    }

    /** Where Keel keeps the project's local state: embedded server, backups, history. */
    public Path keelDir() {
        return dir.resolve(".keel");
    }

    /** The backup repository's directory: {@code backup.repository}, relative to the project. */
    public Path backupRepository() {
        return dir.resolve(config.backup().repository());
    }

    /** The migration folders, resolved against the project directory. */
    public List<Path> migrationLocations() {
        return config.schema().locations().stream().map(dir::resolve).toList();
    }

    /** The project's embedded server (not started). */
    public EmbeddedPostgres embeddedServer() {
        ProjectConfig.EmbeddedConfig e = config.embedded();
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder(keelDir().resolve("pg"));
        if (e.provider() != null) {
            try {
                b.provider(Provider.parse(e.provider()));
            } catch (IllegalArgumentException ex) {
                throw new ConfigException(where("embedded.provider") + ": " + ex.getMessage(), null);
            }
        }
        if (e.port() != null) {
            try {
                b.port(e.port());
            } catch (IllegalArgumentException ex) {
                throw new ConfigException(where("embedded.port") + ": " + ex.getMessage(), null);
            }
        }
        return b.build();
    }

    /** The database Keel uses in the embedded server: {@code embedded.database}, default "keel". */
    public String embeddedDatabase() {
        String db = config.embedded().database();
        return db == null || db.isBlank() ? "keel" : db;
    }

    /** The target names known to this project, the built-in "embedded" included. */
    public List<String> targetNames() {
        List<String> names = new java.util.ArrayList<>(config.targets().keySet());
        if (!names.contains(EMBEDDED)) {
            names.add(EMBEDDED);
        }
        return names;
    }

    /**
     * The target a command works on: {@code url} when given (it overrides everything), else the named
     * target, else keel.yaml's default-target, else the only target, else the embedded server.
     */
    public Target target(String name, String url) {
        if (url != null && !url.isBlank()) {
            ConnectionUrl parsed = ConnectionUrl.parse(url, "--url");
            return Target.remote("url", complete(parsed, null, "--url"));
        }
        String chosen = name;
        if (chosen == null) {
            chosen = config.defaultTarget();
            if (chosen != null && !config.targets().containsKey(chosen) && !chosen.equals(EMBEDDED)) {
                throw new ConfigException(where("default-target") + ": default-target '" + chosen
                        + "' is not one of the targets (" + String.join(", ", targetNames()) + ")", null);
            }
        }
        if (chosen == null) {
            chosen = config.targets().size() == 1 ? config.targets().keySet().iterator().next() : EMBEDDED;
        }
        ProjectConfig.TargetConfig tc = config.targets().get(chosen);
        if (tc == null) {
            if (chosen.equals(EMBEDDED)) {
                return Target.embedded(EMBEDDED, this, embeddedDatabase());
            }
            String near = ProjectLoader.nearest(chosen, List.copyOf(targetNames()));
            throw new ConfigException("unknown target '" + chosen + "'" + (near == null ? "" : " (did you mean '" + near + "'?)"),
                    "targets of " + file().map(Path::toString).orElse("this project") + ": " + String.join(", ", targetNames()));
        }
        if (Boolean.TRUE.equals(tc.embedded())) {
            String db = tc.database() != null ? tc.database() : embeddedDatabase();
            return Target.embedded(chosen, this, db);
        }
        String key = "targets." + chosen;
        ConnectionUrl fromUrl = tc.url() == null ? new ConnectionUrl(null, null, null, null, null, Map.of())
                : ConnectionUrl.parse(Interpolation.apply(tc.url(), env, where(key + ".url")), where(key + ".url"));
        Map<String, String> params = new LinkedHashMap<>(fromUrl.params());
        if (tc.sslmode() != null) {
            params.put("sslmode", tc.sslmode());
        }
        if (tc.applicationName() != null) {
            params.put("application_name", tc.applicationName());
        }
        if (tc.connectTimeout() != null) {
            params.put("connect_timeout", String.valueOf(tc.connectTimeout()));
        }
        ConnectionUrl merged = new ConnectionUrl(
                first(interp(tc.host(), key + ".host"), fromUrl.host()),
                tc.port() != null ? tc.port() : fromUrl.port(),
                first(interp(tc.database(), key + ".database"), fromUrl.database()),
                first(interp(tc.user(), key + ".user"), fromUrl.user()),
                first(interp(tc.password(), key + ".password"), fromUrl.password()),
                params);
        return Target.remote(chosen, complete(merged, chosen, key));
    }

    /** Fills what the URL and keel.yaml leave out from PG* variables, ~/.pgpass and libpq's defaults. */
    ConnectionSpec complete(ConnectionUrl u, String targetName, String key) {
        String host = first(u.host(), env.get("PGHOST"), "localhost");
        if (host.startsWith("/")) {
            throw new ConfigException(where(key) + ": Unix-domain sockets (" + host + ") are not supported",
                    "connect over TCP, e.g. host: localhost");
        }
        int port;
        if (u.port() != null) {
            port = u.port();
        } else {
            String p = env.get("PGPORT");
            try {
                port = p == null || p.isBlank() ? 5432 : Integer.parseInt(p.strip());
            } catch (NumberFormatException e) {
                throw new ConfigException("PGPORT is not a port number: " + p, null);
            }
        }
        String user = first(u.user(), env.get("PGUSER"), System.getProperty("user.name"));
        String database = first(u.database(), env.get("PGDATABASE"), user);
        Map<String, String> params = new LinkedHashMap<>(u.params());
        if (!params.containsKey("sslmode") && env.get("PGSSLMODE") != null) {
            params.put("sslmode", env.get("PGSSLMODE"));
        }
        if (!params.containsKey("connect_timeout") && env.get("PGCONNECT_TIMEOUT") != null) {
            params.put("connect_timeout", env.get("PGCONNECT_TIMEOUT"));
        }
        if (!params.containsKey("application_name") && env.get("PGAPPNAME") != null) {
            params.put("application_name", env.get("PGAPPNAME"));
        }
        String password = u.password();
        if (password == null) {
            password = env.get("PGPASSWORD");
        }
        if (password == null) {
            String passFile = env.get("PGPASSFILE");
            Path pgpass = passFile != null ? Path.of(passFile)
                    : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".pgpass");
            password = PgPass.lookup(pgpass, host, port, database, user).orElse(null);
        }
        return new ConnectionSpec(host, port, database, user, password, params);
    }

    private String interp(String value, String key) {
        return Interpolation.apply(value, env, where(key));
    }

    /** "keel.yaml:12 (targets.dev.password)" — where a key sits, for messages. */
    public String where(String key) {
        String f = file == null ? "keel.yaml" : file.getFileName().toString();
        Integer line = lines.get(key);
        return f + (line == null ? "" : ":" + line) + " (" + key + ")";
    }

    @SafeVarargs
    private static <T> T first(T... values) {
        for (T v : values) {
            if (v != null && !(v instanceof String s && s.isBlank())) {
                return v;
            }
        }
        return null;
    }
}
