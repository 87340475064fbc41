package dev.keel.ops.backup;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * Re-seals backups to the repository's current public key, so an older private key can be retired. Every
 * backup to change is first opened with the old key; only if all of them open is any manifest rewritten, so a
 * wrong key changes nothing. Backups already sealed to the current key are skipped, which makes a rerun
 * harmless; one an interrupted rekey left sealed to both keys loses the old key's copy.
 */
public final class Rekeying {

    /** What a rekey did: backups re-sealed, and backups already sealed to {@code keyId}. */
    public record Result(String keyId, List<String> rekeyed, List<String> skipped) {
        public Result {
            rekeyed = List.copyOf(rekeyed);
            skipped = List.copyOf(skipped);
        }
    }

    private Rekeying() {
    }

    /**
     * Re-seals {@code backupIds} (empty: every complete backup) to the current public key, opening their data
     * keys with {@code oldKey}.
     */
    public static Result rekey(Repository repository, List<String> backupIds, PrivateKey oldKey) {
        Objects.requireNonNull(repository, "null repository");
        Objects.requireNonNull(backupIds, "null backupIds");
        Objects.requireNonNull(oldKey, "null oldKey");
        PublicKey current = BackupKeys.currentPublicKey(repository);
        String currentId = BackupKeys.keyId(current);
        List<String> ids = new ArrayList<>(new LinkedHashSet<>(backupIds));
        if (ids.isEmpty()) {
            for (BackupCatalog.Backup b : BackupCatalog.list(repository)) {
                if (b.status() == BackupCatalog.Status.COMPLETE) {
                    ids.add(b.id());
                }
            }
        }
        List<String> todo = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<Manifest> finish = new ArrayList<>(); // an earlier rekey stopped after sealing to the current key
        for (String id : ids) {
            Names.check("backup id", id);
            if (!repository.exists(Names.complete(id))) {
                throw BackupException.usage("backup " + id + " is not complete", "run keel backup list to see which are");
            }
            Manifest manifest = Manifest.read(repository, id);
            if (manifest.keyId().equals(currentId)) {
                if (manifest.retiringKeys().isEmpty()) {
                    skipped.add(id);
                } else {
                    finish.add(manifest);
                }
                continue;
            }
            // Opens the data key (or names both key ids and throws) before anything is rewritten.
            byte[] dataKey = Sealing.open(manifest, oldKey);
            Arrays.fill(dataKey, (byte) 0);
            todo.add(id);
        }
        for (String id : todo) {
            BackupKeys.rekey(repository, id, oldKey, current);
        }
        List<String> rekeyed = new ArrayList<>(todo);
        for (Manifest m : finish) {
            m.withSealedKey(m.sealedKey(), List.of()).write(repository); // drops the old key's copy
            rekeyed.add(m.backupId());
        }
        return new Result(currentId, rekeyed, skipped);
    }
}
