package dev.keel.core.project;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
        BackupConfig backup) {

    public ProjectConfig {
        targets = targets == null ? Map.of() : Map.copyOf(new TreeMap<>(targets));
        embedded = embedded == null ? EmbeddedConfig.DEFAULT : embedded;
        schema = schema == null ? SchemaConfig.DEFAULT : schema;
        backup = backup == null ? BackupConfig.DEFAULT : backup;
    }

    /** An empty project: no targets, so the embedded default. */
    public static final ProjectConfig EMPTY = new ProjectConfig(null, null, null, null, null, null);

    /**
     * Where backups go and how they are stored.
     *
     * @param repository  a directory, relative to the project (default .keel/backups)
     * @param compression zstd (default), lz4 or none
     */
    public record BackupConfig(String repository, String compression) {

        static final BackupConfig DEFAULT = new BackupConfig(null, null);

        public BackupConfig {
            repository = repository == null || repository.isBlank() ? ".keel/backups" : repository;
            compression = compression == null || compression.isBlank() ? "zstd" : compression;
        }
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
}
