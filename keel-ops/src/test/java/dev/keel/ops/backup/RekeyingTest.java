package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RekeyingTest {

    @TempDir
    Path tmp;
    LocalRepository repo;
    PrivateKey a;
    PrivateKey b;
    String keyA;
    String keyB;

    @BeforeEach
    void setUp() throws Exception {
        repo = new LocalRepository(tmp.resolve("repo"));
        keyA = BackupKeys.keygen(repo, tmp.resolve("a.key"));
        a = BackupKeys.loadPrivateKey(tmp.resolve("a.key"));
        backup("b1");
        backup("b2");
        keyB = BackupKeys.keygen(repo, tmp.resolve("b.key"));
        b = BackupKeys.loadPrivateKey(tmp.resolve("b.key"));
    }

    @Test
    void rekey_withTheWrongOldKey_changesNothingAndNamesBothKeys() {
        byte[] before = repo.get(Names.manifest("b1")).orElseThrow();

        assertThatThrownBy(() -> Rekeying.rekey(repo, List.of(), b)).isInstanceOf(BackupException.class)
                .hasMessageContaining(keyA).hasMessageContaining(keyB);

        assertThat(repo.get(Names.manifest("b1")).orElseThrow()).isEqualTo(before);
        assertThat(BackupReader.open(repo, "b1", a).keyId()).isEqualTo(keyA);
    }

    @Test
    void rekey_resealsToTheCurrentKey_retiresTheOld_andIsIdempotent() throws Exception {
        Rekeying.Result r = Rekeying.rekey(repo, List.of(), a);

        assertThat(r.keyId()).isEqualTo(keyB);
        assertThat(r.rekeyed()).containsExactly("b1", "b2");
        assertThat(new String(BackupReader.open(repo, "b2", b).stream("s").readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("data of b2");
        assertThatThrownBy(() -> BackupReader.open(repo, "b1", a)).hasMessageContaining("is sealed to key " + keyB);
        Rekeying.Result again = Rekeying.rekey(repo, List.of(), a);
        assertThat(again.rekeyed()).isEmpty();
        assertThat(again.skipped()).containsExactly("b1", "b2");
    }

    @Test
    void rekey_ofOneBackup_leavesTheOthers() {
        assertThat(Rekeying.rekey(repo, List.of("b2"), a).rekeyed()).containsExactly("b2");
        assertThat(BackupReader.open(repo, "b1", a).keyId()).isEqualTo(keyA);
    }

    @Test
    void rekey_finishesARekeyThatStoppedHalfway() {
        Manifest m = Manifest.read(repo, "b1");
        byte[] dataKey = Sealing.open(m, a);
        Manifest.SealedKey toB = new Manifest.SealedKey(keyB, Sealing.seal(dataKey, BackupKeys.currentPublicKey(repo)));
        m.withSealedKey(toB, List.of(m.sealedKey())).write(repo); // the first of rekey's two writes
        assertThat(BackupReader.open(repo, "b1", a).keyId()).isEqualTo(keyB); // the old key still opens it

        Rekeying.Result r = Rekeying.rekey(repo, List.of("b1"), a);

        assertThat(r.rekeyed()).containsExactly("b1");
        assertThatThrownBy(() -> BackupReader.open(repo, "b1", a)).hasMessageContaining("is sealed to key " + keyB);
        assertThat(BackupReader.open(repo, "b1", b).keyId()).isEqualTo(keyB);
    }

    private void backup(String id) throws Exception {
        BackupWriter w = BackupWriter.open(repo, id, Compression.NONE);
        try (OutputStream out = w.stream("s")) {
            out.write(("data of " + id).getBytes(StandardCharsets.UTF_8));
        }
        w.complete(Map.of("type", "full"));
    }
}
