package dev.keel.core.project;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The content of keel.yaml as written, before {@code ${ENV}} interpolation. Every key is kebab-case and has
 * a default; the README's keel.yaml reference documents each one.
 */
public record ProjectConfig(
        String name,
        @JsonProperty("default-target") String defaultTarget,
        Map<String, TargetConfig> targets,
        EmbeddedConfig embedded,
        SchemaConfig schema,
        BackupConfig backup,
        List<String> extensions,
        SloConfig slo,
        CheckConfig check,
        ServerConfig server) {

    public ProjectConfig {
        targets = targets == null ? Map.of() : Map.copyOf(new TreeMap<>(targets));
        embedded = embedded == null ? EmbeddedConfig.DEFAULT : embedded;
        schema = schema == null ? SchemaConfig.DEFAULT : schema;
        backup = backup == null ? BackupConfig.DEFAULT : backup;
        extensions = extensions == null ? null : List.copyOf(extensions);
        slo = slo == null ? SloConfig.NONE : slo;
        check = check == null ? CheckConfig.DEFAULT : check;
        server = server == null ? ServerConfig.DEFAULT : server;
    }

    /** The extensions the project needs installed ({@code extensions: [pg_stat_statements]}); empty when not declared. */
    public java.util.Optional<List<String>> declaredExtensions() {
        return java.util.Optional.ofNullable(extensions);
    }

    /**
     * {@code slo}: the recovery objectives the project promises. Either may be left out; {@code keel check}
     * reports the high-availability item as not configured until both are set.
     *
     * @param rpo the most data, as time, a failure may lose ({@code 5m})
     * @param rto the longest a recovery may take ({@code 1h})
     */
    public record SloConfig(String rpo, String rto) {

        static final SloConfig NONE = new SloConfig(null, null);

        public Optional<Duration> rpoDuration() {
            return rpo == null ? Optional.empty() : Optional.of(parseDuration(rpo));
        }

        public Optional<Duration> rtoDuration() {
            return rto == null ? Optional.empty() : Optional.of(parseDuration(rto));
        }
    }

    /**
     * {@code check}: how {@code keel check} judges the project.
     *
     * @param window         how recent a bench run, a backup verification or an audit must be (default 7d)
     * @param backupMaxAge   the newest complete backup may be at most this old (default 1d)
     * @param verifyInterval how often backup verification is meant to run; unset: the item is not configured
     * @param optional       checklist items (by name) whose failure does not fail the run
     */
    public record CheckConfig(String window,
                              @JsonProperty("backup-max-age") String backupMaxAge,
                              @JsonProperty("verify-interval") String verifyInterval,
                              List<String> optional) {

        static final CheckConfig DEFAULT = new CheckConfig(null, null, null, null);

        public CheckConfig {
            optional = optional == null ? List.of() : List.copyOf(optional);
        }

        public Duration windowDuration() {
            return window == null ? Duration.ofDays(7) : parseDuration(window);
        }

        public Duration backupMaxAgeDuration() {
            return backupMaxAge == null ? Duration.ofDays(1) : parseDuration(backupMaxAge);
        }

        public Optional<Duration> verifyIntervalDuration() {
            return verifyInterval == null ? Optional.empty() : Optional.of(parseDuration(verifyInterval));
        }
    }


    /** An empty project: no targets, so the embedded default. */
    public static final ProjectConfig EMPTY = new ProjectConfig(null, null, null, null, null, null, null, null, null, null);

    /**
     * Where backups go and how they are stored.
     *
     * @param repository  a directory, relative to the project (default .keel/backups)
     * @param compression zstd (default), lz4 or none
     * @param retention   what {@code keel backup expire} keeps (default: everything)
     * @param maxRate     the most a physical backup may send per second, as pg_basebackup's {@code --max-rate} takes
     *                    it: kB/s, or with a k or M suffix ({@code 50M}); from 32k to 1024M (default: unlimited)
     * @param engine      how a full backup reads the server: {@code auto} (default: Keel reads the data directory
     *                    itself where it runs on the database's machine, else pg_basebackup), {@code pg_basebackup}
     *                    or {@code direct}
     */
    public record BackupConfig(String repository, String compression, RetentionConfig retention,
                               @JsonProperty("max-rate") String maxRate, String engine) {

        static final BackupConfig DEFAULT = new BackupConfig(null, null, null, null, null);

        /** The values {@code backup.engine} takes (keel-ops' BaseBackups.Engine has one constant for each). */
        public static final java.util.List<String> ENGINES = java.util.List.of("auto", "pg_basebackup", "direct");

        /** The values {@code backup.compression} takes (keel-ops' Compression has one constant for each). */
        public static final java.util.List<String> COMPRESSIONS = java.util.List.of("zstd", "lz4", "none");

        public BackupConfig {
            repository = repository == null || repository.isBlank() ? ".keel/backups" : repository;
            compression = compression == null || compression.isBlank() ? "zstd" : compression;
            retention = retention == null ? RetentionConfig.NONE : retention;
            maxRate = maxRate == null || maxRate.isBlank() ? null : maxRate.strip();
            engine = engine == null || engine.isBlank() ? "auto" : engine.strip();
        }

        /** {@code backup.max-rate} in kB/s; empty when unlimited. {@link ProjectLoader} checks it at load. */
        public Optional<Long> maxRateKb() {
            return maxRate == null ? Optional.empty() : Optional.of(parseRate(maxRate));
        }

        /**
         * A transfer rate as pg_basebackup's {@code --max-rate} takes it ({@code 32768}, {@code 500k}, {@code 50M}),
         * in kB/s; throws {@link IllegalArgumentException} naming the accepted forms and range.
         */
        public static long parseRate(String rate) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})\\s*([kM]?)").matcher(rate.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("'" + rate + "' is not a rate: write kB/s as a number, or with a k or"
                        + " M suffix (50M)");
            }
            long kb = Long.parseLong(m.group(1)) * (m.group(2).equals("M") ? 1024 : 1);
            if (kb < 32 || kb > 1024 * 1024) {
                throw new IllegalArgumentException("'" + rate + "' is outside 32k to 1024M (pg_basebackup's range)");
            }
            return kb;
        }
    }

    /**
     * {@code backup.retention}: which physical backups {@code keel backup expire} keeps. Either, both or
     * neither may be set; with neither, everything is kept. {@link ProjectLoader} checks both values at load.
     *
     * @param full   how many of the newest full backups to keep (1 or more), with the incrementals on them
     * @param window the point-in-time recovery window to keep, as written ({@code 7d}, {@code 36h}, {@code 90m})
     */
    public record RetentionConfig(Integer full, String window) {

        static final RetentionConfig NONE = new RetentionConfig(null, null);

        /** The window as a duration, when one is set. */
        public Optional<Duration> windowDuration() {
            return window == null ? Optional.empty() : Optional.of(parseDuration(window));
        }
    }

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|d|h|m|min|s)");

    /**
     * A span of time as keel.yaml and the command line write it: a whole number and a unit, {@code d} (days),
     * {@code h} (hours), {@code m} or {@code min} (minutes), {@code s} (seconds) or {@code ms} (milliseconds, for
     * lock timeouts): {@code 7d}, {@code 36h}, {@code 90m}, {@code 500ms}. Zero is refused: nothing Keel schedules or keeps for no time at all makes sense.
     *
     * @throws IllegalArgumentException naming the text and the accepted forms
     */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (write a number and d, h, m or s: 7d, 36h, 90m)");
        }
        long n = Long.parseLong(m.group(1));
        if (n == 0) {
            throw new IllegalArgumentException("'" + text + "' is no time at all (write e.g. 7d, 36h or 90m)");
        }
        return switch (m.group(2)) {
            case "d" -> Duration.ofDays(n);
            case "h" -> Duration.ofHours(n);
            case "m", "min" -> Duration.ofMinutes(n);
            case "ms" -> Duration.ofMillis(n);
            default -> Duration.ofSeconds(n);
        };
    }

    /**
     * One named database. Either a {@code url} or the separate fields; separate fields override what the URL
     * says. {@code embedded: true} names the project's embedded server.
     */
    public record TargetConfig(
            String url,
            String host,
            Integer port,
            String database,
            String user,
            String password,
            String sslmode,
            @JsonProperty("application-name") String applicationName,
            @JsonProperty("connect-timeout") Integer connectTimeout,
            Boolean embedded) {
    }

    /** The embedded PostgreSQL kept under .keel/pg. */
    public record EmbeddedConfig(
            String database,
            Integer port,
            String provider) {

        static final EmbeddedConfig DEFAULT = new EmbeddedConfig(null, null, null);
    }

    /**
     * Where migrations live and how they run.
     *
     * @param lockTimeout PostgreSQL interval text ("5s", "500ms"), the lock_timeout of every statement
     * @param undoRecord  "delete" (default) or "undo-sql", see the README
     */
    public record SchemaConfig(
            List<String> locations,
            @JsonProperty("history-table") String historyTable,
            @JsonProperty("history-schema") String historySchema,
            @JsonProperty("lock-timeout") String lockTimeout,
            @JsonProperty("lock-retries") Integer lockRetries,
            @JsonProperty("out-of-order") Boolean outOfOrder,
            @JsonProperty("undo-record") String undoRecord) {

        static final SchemaConfig DEFAULT = new SchemaConfig(null, null, null, null, null, null, null);

        public SchemaConfig {
            locations = locations == null || locations.isEmpty() ? List.of("db/migrations") : List.copyOf(locations);
        }
    }

    /**
     * {@code server}: what {@code keel serve} listens on and runs. {@link ProjectLoader} checks the values at load.
     *
     * @param port TCP port (default 7432; 0 picks a free one)
     * @param bind the address to listen on (default 127.0.0.1: only this machine)
     * @param tls  HTTPS from a keystore; absent: plain HTTP
     * @param jobs what runs on a schedule; each job is off unless its interval is set
     */
    public record ServerConfig(Integer port, String bind, TlsConfig tls, JobsConfig jobs) {

        public static final int DEFAULT_PORT = 7432;
        public static final String DEFAULT_BIND = "127.0.0.1";
        static final ServerConfig DEFAULT = new ServerConfig(null, null, null, null);

        public ServerConfig {
            port = port == null ? DEFAULT_PORT : port;
            bind = bind == null || bind.isBlank() ? DEFAULT_BIND : bind;
            jobs = jobs == null ? JobsConfig.NONE : jobs;
        }

        /** The TLS settings, when {@code server.tls} is set. */
        public Optional<TlsConfig> tlsConfig() {
            return Optional.ofNullable(tls);
        }
    }

    /**
     * {@code server.tls}: a PKCS#12 or JKS keystore and the name of the environment variable holding its password
     * (the password itself never sits in keel.yaml).
     */
    public record TlsConfig(String keystore, @JsonProperty("password-env") String passwordEnv) {
    }

    /**
     * {@code server.jobs}: intervals as {@link #parseDuration} reads them ({@code 1h}, {@code 24h}); a job whose
     * key is absent does not run.
     */
    public record JobsConfig(String snapshot, String verify, String check) {

        static final JobsConfig NONE = new JobsConfig(null, null, null);

        /** Job name (snapshot, verify, check) to interval, for the jobs that are set, in that order. */
        public Map<String, Duration> intervals() {
            Map<String, Duration> m = new java.util.LinkedHashMap<>();
            if (snapshot != null) {
                m.put("snapshot", parseDuration(snapshot));
            }
            if (verify != null) {
                m.put("verify", parseDuration(verify));
            }
            if (check != null) {
                m.put("check", parseDuration(check));
            }
            return m;
        }
    }
}
