package dev.keel.ops.backup;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The backups a physical backup needs to be restored: itself and, for an incremental, its parent, the parent's
 * parent and so on down to a full backup. Read from the manifests' metadata, so no key is needed.
 */
final class BackupChain {

    static final String FULL = "full";
    static final String INCR = "incr";

    private BackupChain() {
    }

    /** The chain of {@code id}, full backup first and {@code id} last; a broken chain is refused naming the gap. */
    static List<String> of(Repository repository, String id) {
        List<String> chain = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String current = id;
        String child = null;
        while (true) {
            if (!seen.add(current)) {
                throw BackupException.runtime("the parents of backup " + id + " form a loop at " + current,
                        "the manifests were edited; take a new full backup (keel backup full)", null);
            }
            if (!repository.exists(Names.complete(current))) {
                boolean absent = repository.list(Names.dir(current)).isEmpty();
                if (child == null) {
                    throw BackupException.usage("backup " + id + (absent ? " does not exist" : " is not complete"),
                            "run keel backup list to see which backups are complete");
                }
                throw BackupException.runtime("backup " + id + " is incremental and needs backup " + current
                                + " (the parent of " + child + "), which is " + (absent ? "missing" : "incomplete")
                                + "; the chain is broken, so " + id + " cannot be restored",
                        "restore an older complete backup, or take a new full backup (keel backup full)", null);
            }
            chain.add(0, current);
            Map<String, String> meta = BackupReader.metadataOf(repository, current);
            String type = meta.getOrDefault("type", FULL);
            if (FULL.equals(type)) {
                return List.copyOf(chain);
            }
            if (!INCR.equals(type)) {
                throw BackupException.usage("backup " + current + " is of type " + type + ", not a physical backup",
                        "name a full or incremental backup");
            }
            String parent = meta.get("parent");
            if (parent == null || parent.isBlank()) {
                throw BackupException.runtime("incremental backup " + current + " names no parent",
                        "its manifest is damaged; take a new full backup (keel backup full)", null);
            }
            child = current;
            current = parent;
        }
    }

    /** The latest complete full or incremental backup, by stop time. */
    static Optional<String> latestPhysical(Repository repository) {
        return latest(repository, java.util.Set.of(FULL, INCR));
    }

    /** The latest complete full backup, by stop time. */
    static Optional<String> latestFull(Repository repository) {
        return latest(repository, java.util.Set.of(FULL));
    }

    private static Optional<String> latest(Repository repository, java.util.Set<String> types) {
        record Candidate(String id, Instant stop) {
        }
        List<Candidate> candidates = new ArrayList<>();
        for (BackupCatalog.Backup b : BackupCatalog.list(repository)) {
            if (b.status() != BackupCatalog.Status.COMPLETE) {
                continue;
            }
            Map<String, String> meta = BackupReader.metadataOf(repository, b.id());
            String type = meta.getOrDefault("type", FULL);
            if (types.contains(type)) {
                String stop = meta.get("stopTime");
                candidates.add(new Candidate(b.id(), stop == null ? Instant.EPOCH : Instant.parse(stop)));
            }
        }
        return candidates.stream()
                .max(Comparator.comparing(Candidate::stop).thenComparing(Candidate::id))
                .map(Candidate::id);
    }
}
