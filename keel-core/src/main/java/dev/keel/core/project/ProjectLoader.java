package dev.keel.core.project;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.keel.core.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Finds and reads keel.yaml. The file is validated once, here: malformed YAML, an unknown key (with the
 * nearest known one suggested) or a value of the wrong type is a {@link ConfigException} naming the file,
 * line and key.
 */
public final class ProjectLoader {

    public static final String FILE_NAME = "keel.yaml";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);

    private ProjectLoader() {
    }

    /**
     * The project for a command: the given file, else keel.yaml in {@code cwd} or its nearest parent that has
     * one, else an empty project rooted at {@code cwd} (the embedded default).
     */
    public static Project load(Path explicitFile, Path cwd, Map<String, String> env) {
        if (explicitFile != null) {
            Path file = explicitFile.toAbsolutePath().normalize();
            if (Files.isDirectory(file)) {
                file = file.resolve(FILE_NAME);
            }
            if (!Files.isRegularFile(file)) {
                throw new ConfigException("project file not found: " + explicitFile, "run 'keel init' to create one");
            }
            return read(file, env);
        }
        return find(cwd).map(f -> read(f, env))
                .orElseGet(() -> new Project(null, cwd.toAbsolutePath().normalize(), ProjectConfig.EMPTY, Map.of(), env));
    }

    /** keel.yaml in {@code dir} or its nearest parent that has one. */
    public static Optional<Path> find(Path dir) {
        for (Path d = dir.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
            Path f = d.resolve(FILE_NAME);
            if (Files.isRegularFile(f)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    static Project read(Path file, Map<String, String> env) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage(), null, e);
        }
        String shown = display(file);
        ProjectConfig config;
        Map<String, Integer> lines;
        try {
            YAML.readTree(text); // syntax first, so a YAML error is reported as one, not as a binding error
        } catch (JsonProcessingException e) {
            throw new ConfigException(at(shown, e.getLocation()) + ": malformed YAML: " + firstLine(e.getOriginalMessage()),
                    "check the indentation and quoting near that line", e);
        }
        lines = lineIndex(text);
        try {
            config = text.isBlank() ? ProjectConfig.EMPTY : YAML.readValue(text, ProjectConfig.class);
            if (config == null) {
                config = ProjectConfig.EMPTY;
            }
        } catch (UnrecognizedPropertyException e) {
            String key = e.getPropertyName();
            String suggestion = nearest(key, e.getKnownPropertyIds());
            String keyPath = path(e, key);
            Integer line = lines.get(keyPath);
            String where = line != null ? shown + ":" + line : at(shown, e.getLocation());
            throw new ConfigException(where + ": unknown key '" + keyPath + "'"
                    + (suggestion == null ? "" : " (did you mean '" + suggestion + "'?)"),
                    "known keys here: " + known(e.getKnownPropertyIds()), e);
        } catch (InvalidFormatException e) {
            throw new ConfigException(at(shown, e.getLocation()) + ": " + path(e, null) + " has a value of the wrong type"
                    + " (expected " + simpleType(e.getTargetType()) + ")", null, e);
        } catch (MismatchedInputException e) {
            throw new ConfigException(at(shown, e.getLocation()) + ": " + path(e, null) + " has a value of the wrong shape"
                    + " (expected " + simpleType(e.getTargetType()) + ")", null, e);
        } catch (JsonMappingException e) {
            throw new ConfigException(at(shown, e.getLocation()) + ": " + path(e, null) + ": " + firstLine(e.getOriginalMessage()),
                    null, e);
        } catch (JsonProcessingException e) {
            throw new ConfigException(at(shown, e.getLocation()) + ": malformed YAML: " + firstLine(e.getOriginalMessage()),
                    "check the indentation and quoting near that line", e);
        }
        checkValues(config, shown, lines);
        return new Project(file, file.getParent(), config, lines, env);
    }

    /** Values that bind but make no sense, each named by file, line and key. */
    private static void checkValues(ProjectConfig config, String shown, Map<String, Integer> lines) {
        String compression = config.backup().compression();
        if (!ProjectConfig.BackupConfig.COMPRESSIONS.contains(compression)) {
            throw new ConfigException(where(shown, lines, "backup.compression") + ": unknown compression '" + compression
                    + "'", "use one of " + String.join(", ", ProjectConfig.BackupConfig.COMPRESSIONS));
        }
        String engine = config.backup().engine();
        if (!ProjectConfig.BackupConfig.ENGINES.contains(engine)) {
            throw new ConfigException(where(shown, lines, "backup.engine") + ": unknown engine '" + engine + "'",
                    "use one of " + String.join(", ", ProjectConfig.BackupConfig.ENGINES));
        }
        if (config.backup().maxRate() != null) {
            try {
                config.backup().maxRateKb();
            } catch (IllegalArgumentException e) {
                throw new ConfigException(where(shown, lines, "backup.max-rate") + ": " + e.getMessage(), null);
            }
        }
        ProjectConfig.RetentionConfig retention = config.backup().retention();
        if (retention.full() != null && retention.full() < 1) {
            throw new ConfigException(where(shown, lines, "backup.retention.full") + ": must be 1 or more, was "
                    + retention.full(), "keep at least one full backup, or leave the key out to keep every one");
        }
        if (retention.window() != null) {
            try {
                retention.windowDuration();
            } catch (IllegalArgumentException e) {
                throw new ConfigException(where(shown, lines, "backup.retention.window") + ": " + e.getMessage(), null);
            }
        }
        duration(config.slo().rpo(), "slo.rpo", shown, lines);
        duration(config.slo().rto(), "slo.rto", shown, lines);
        duration(config.check().window(), "check.window", shown, lines);
        duration(config.check().backupMaxAge(), "check.backup-max-age", shown, lines);
        duration(config.check().verifyInterval(), "check.verify-interval", shown, lines);
        config.declaredExtensions().ifPresent(list -> {
            for (String e : list) {
                if (e == null || e.isBlank()) {
                    throw new ConfigException(where(shown, lines, "extensions") + ": an extension name is empty",
                            "list extension names, e.g. extensions: [pg_stat_statements]");
                }
            }
        });
        checkServer(config.server(), shown, lines);
    }

    private static void duration(String value, String key, String shown, Map<String, Integer> lines) {
        if (value == null) {
            return;
        }
        try {
            ProjectConfig.parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where(shown, lines, key) + ": " + e.getMessage(), null);
        }
    }

    /** The {@code server} section: port range, TLS completeness, job intervals. */
    private static void checkServer(ProjectConfig.ServerConfig server, String shown, Map<String, Integer> lines) {
        if (server.port() < 0 || server.port() > 65535) {
            throw new ConfigException(where(shown, lines, "server.port") + ": must be a port from 1 to 65535 (or 0 for any free "
                    + "port), was " + server.port(), null);
        }
        server.tlsConfig().ifPresent(tls -> {
            if (tls.keystore() == null || tls.keystore().isBlank()) {
                throw new ConfigException(where(shown, lines, "server.tls.keystore") + ": server.tls needs a keystore",
                        "set server.tls.keystore to a PKCS#12 file, e.g. .keel/server.p12");
            }
            if (tls.passwordEnv() == null || tls.passwordEnv().isBlank()) {
                throw new ConfigException(where(shown, lines, "server.tls.password-env") + ": server.tls needs password-env, the "
                        + "name of the environment variable that holds the keystore password",
                        "e.g. password-env: KEEL_TLS_PASSWORD (the password itself never goes into keel.yaml)");
            }
        });
        duration(server.jobs().snapshot(), "server.jobs.snapshot", shown, lines);
        duration(server.jobs().verify(), "server.jobs.verify", shown, lines);
        duration(server.jobs().check(), "server.jobs.check", shown, lines);
    }

    /** "keel.yaml:12 (backup.retention.full)", as {@link Project#where} writes it. */
    private static String where(String shown, Map<String, Integer> lines, String key) {
        Integer line = lines.get(key);
        return shown + (line == null ? "" : ":" + line) + " (" + key + ")";
    }

    /** Line of each key path ("targets.dev.password") in the file, for messages about values. */
    static Map<String, Integer> lineIndex(String text) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = YAML.getFactory().createParser(text)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME) {
                    String ptr = p.getParsingContext().pathAsPointer().toString();
                    lines.put(ptr.substring(1).replace('/', '.'), p.currentTokenLocation().getLineNr());
                }
            }
        } catch (IOException e) {
            // the file parsed already; an index that stops early only loses line numbers
        }
        return lines;
    }

    private static String display(Path file) {
        Path cwd = Path.of("").toAbsolutePath();
        return file.startsWith(cwd) ? cwd.relativize(file).toString() : file.toString();
    }

    private static String at(String file, JsonLocation loc) {
        if (loc == null || loc.getLineNr() < 1) {
            return file;
        }
        return file + ":" + loc.getLineNr() + ":" + loc.getColumnNr();
    }

    private static String path(JsonMappingException e, String leaf) {
        String p = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
        return p.isEmpty() ? (leaf == null ? "(top level)" : leaf) : p;
    }

    private static String known(Collection<Object> ids) {
        return ids.stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
    }

    private static String simpleType(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (type == Integer.class || type == int.class || type == Long.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "text";
        }
        if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "a mapping of keys";
        }
        if (java.util.List.class.isAssignableFrom(type)) {
            return "a list";
        }
        return type.getSimpleName();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return (nl >= 0 ? message.substring(0, nl) : message).strip();
    }

    /** The known key closest to {@code key} by edit distance, when close enough to be a typo. */
    static String nearest(String key, Collection<Object> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Object k : known) {
            String candidate = String.valueOf(k);
            int d = distance(key.toLowerCase(), candidate.toLowerCase());
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 3) ? best : null;
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
