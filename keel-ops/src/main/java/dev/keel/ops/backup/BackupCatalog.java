package dev.keel.ops.backup;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The backups in a repository, complete or not, and the cleanup of incomplete ones. */
public final class BackupCatalog {

    /** Whether a backup's {@code COMPLETE} marker, written after its manifest, is present. */
    public enum Status { COMPLETE, INCOMPLETE }

    /** One backup in a repository. */
    public record Backup(String id, Status status) {
    }

    private BackupCatalog() {
    }

    /** Every backup in the repository, sorted by id. */
    public static List<Backup> list(Repository repository) {
        Objects.requireNonNull(repository, "null repository");
        List<Backup> result = new ArrayList<>();
        for (String id : repository.children(Names.BACKUPS)) { // not every chunk of every backup
            result.add(new Backup(id, repository.exists(Names.complete(id)) ? Status.COMPLETE : Status.INCOMPLETE));
        }
        return result;
    }

    /**
     * Every backup as {@code keel backup list --json} prints it (one map per backup, keys in a stable order): id, type,
     * status, startTime, stopTime, startLsn, stopLsn, timeline, serverVersion, sizeBytes, storedBytes, durationMillis,
     * engine (how a physical backup read the server: {@code direct} or {@code pg_basebackup}, which took every backup
     * before the direct engine; null for dumps), parent (the backup an incremental builds on; null for the others).
     * The metadata of incomplete backups is null.
     */
    public static List<java.util.Map<String, Object>> describe(Repository repository) {
        List<java.util.Map<String, Object>> rows = new ArrayList<>();
        for (Backup b : list(repository)) {
            java.util.Map<String, String> m = b.status() == Status.COMPLETE ? BackupReader.metadataOf(repository, b.id())
                    : java.util.Map.of();
            java.util.Map<String, Object> row = new java.util.LinkedHashMap<>();
            row.put("id", b.id());
            row.put("type", m.getOrDefault("type", "full"));
            row.put("status", b.status().name().toLowerCase(java.util.Locale.ROOT));
            row.put("startTime", m.get("startTime"));
            row.put("stopTime", m.get("stopTime"));
            row.put("startLsn", m.get("startLsn"));
            row.put("stopLsn", m.get("stopLsn"));
            row.put("timeline", m.get("timeline"));
            row.put("serverVersion", m.get("serverVersion"));
            row.put("sizeBytes", number(m.get("rawBytes")));
            row.put("storedBytes", number(m.get("storedBytes")));
            row.put("durationMillis", number(m.get("durationMillis")));
            boolean physical = !m.isEmpty() && !"dump".equals(m.get("type"));
            row.put("engine", m.getOrDefault("engine", physical ? "pg_basebackup" : null));
            row.put("parent", m.get("parent"));
            rows.add(row);
        }
        return rows;
    }

    private static Long number(String text) {
        return text == null ? null : Long.parseLong(text);
    }

    /** The newest complete physical (full or incremental) backup: the one restore and verify take by default. */
    public static java.util.Optional<String> latestPhysical(Repository repository) {
        Objects.requireNonNull(repository, "null repository");
        return BackupChain.latestPhysical(repository);
    }

    /** The newest complete full backup: what {@code keel backup incr --diff} builds on. */
    public static java.util.Optional<String> latestFull(Repository repository) {
        Objects.requireNonNull(repository, "null repository");
        return BackupChain.latestFull(repository);
    }

    /** Deletes every incomplete backup; returns their ids. Assumes no backup is being written meanwhile. */
    public static List<String> cleanIncomplete(Repository repository) {
        List<String> removed = new ArrayList<>();
        for (Backup b : list(repository)) {
            if (b.status() == Status.INCOMPLETE) {
                for (String path : repository.list(Names.dir(b.id()))) {
                    repository.delete(path);
                }
                removed.add(b.id());
            }
        }
        return removed;
    }
}
