package dev.keel.ops.backup;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

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
        TreeSet<String> ids = new TreeSet<>();
        for (String path : repository.list(Names.BACKUPS)) {
            String rest = path.substring(Names.BACKUPS.length());
            int slash = rest.indexOf('/');
            if (slash > 0) {
                ids.add(rest.substring(0, slash));
            }
        }
        List<Backup> result = new ArrayList<>();
        for (String id : ids) {
            result.add(new Backup(id, repository.exists(Names.complete(id)) ? Status.COMPLETE : Status.INCOMPLETE));
        }
        return result;
    }

    /** The newest complete physical (full or incremental) backup: the one restore and verify take by default. */
    public static java.util.Optional<String> latestPhysical(Repository repository) {
        Objects.requireNonNull(repository, "null repository");
        return BackupChain.latestPhysical(repository);
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
