package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupKeysTest {

    @TempDir
    Path dir;

    @Test
    void keygen_writesOwnerOnlyPrivateKeyAndPublishesCurrentPublicKey() throws Exception {
        Repository repo = new LocalRepository(dir.resolve("repo"));
        Path keyFile = dir.resolve("secrets/backup.key");
        String keyId = BackupKeys.keygen(repo, keyFile);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        assertThat(Files.readString(keyFile)).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(keyId).matches("[0-9a-f]{16}");
        assertThat(Files.readString(dir.resolve("repo/keys/" + keyId + ".pub"))).startsWith("-----BEGIN PUBLIC KEY-----");
        assertThat(Files.readString(dir.resolve("repo/keys/current")).trim()).isEqualTo(keyId);
        assertThat(BackupKeys.keyId(BackupKeys.currentPublicKey(repo))).isEqualTo(keyId);
        PrivateKey loaded = BackupKeys.loadPrivateKey(keyFile);
        assertThat(BackupKeys.keyId(loaded)).isEqualTo(keyId);
        assertThat(BackupKeys.keyId(BackupKeys.privateKeyFromPem(Files.readString(keyFile)))).isEqualTo(keyId);
    }

    @Test
    void keygen_neverOverwritesAPrivateKey() throws Exception {
        Repository repo = new LocalRepository(dir.resolve("repo"));
        Path keyFile = dir.resolve("backup.key");
        Files.writeString(keyFile, "precious");
        assertThatThrownBy(() -> BackupKeys.keygen(repo, keyFile)).isInstanceOf(BackupException.class)
                .hasMessageContaining("already exists");
        assertThat(Files.readString(keyFile)).isEqualTo("precious");
    }

    @Test
    void loadPrivateKey_refusesAWorldReadableFile() throws Exception {
        Repository repo = new LocalRepository(dir.resolve("repo"));
        Path keyFile = dir.resolve("backup.key");
        BackupKeys.keygen(repo, keyFile);
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> BackupKeys.loadPrivateKey(keyFile)).isInstanceOf(BackupException.class)
                .hasMessageContaining("readable by others")
                .satisfies(e -> assertThat(((BackupException) e).remedy()).contains("chmod 600 " + keyFile));
    }

    @Test
    void privateKeyFromPem_garbage_isUsageError() {
        assertThatThrownBy(() -> BackupKeys.privateKeyFromPem("not a key")).isInstanceOf(BackupException.class)
                .hasMessageContaining("not a PEM")
                .satisfies(e -> assertThat(((BackupException) e).exitCode()).isEqualTo(2));
    }

    @Test
    void rotation_newBackupsUseNewKey_oldReadableWithOldKey_rekeyMovesThemToNewKey() throws Exception {
        Repository repo = new LocalRepository(dir.resolve("repo"));
        String oldId = BackupKeys.keygen(repo, dir.resolve("old.key"));
        write(repo, "before");
        String newId = BackupKeys.keygen(repo, dir.resolve("new.key"));
        write(repo, "after");
        PrivateKey oldKey = BackupKeys.loadPrivateKey(dir.resolve("old.key"));
        PrivateKey newKey = BackupKeys.loadPrivateKey(dir.resolve("new.key"));

        assertThat(BackupReader.open(repo, "after", newKey).keyId()).isEqualTo(newId);
        assertThatThrownBy(() -> BackupReader.open(repo, "after", oldKey)).hasMessageContaining(newId);
        assertThat(read(repo, "before", oldKey)).isEqualTo("data of before");
        assertThatThrownBy(() -> BackupReader.open(repo, "before", newKey))
                .hasMessage("backup before is sealed to key " + oldId + ", the given private key is " + newId);

        Map<String, byte[]> chunksBefore = chunks(repo, "before");
        BackupKeys.rekey(repo, "before", oldKey, BackupKeys.currentPublicKey(repo));

        assertThat(read(repo, "before", newKey)).isEqualTo("data of before");
        assertThatThrownBy(() -> BackupReader.open(repo, "before", oldKey)).hasMessageContaining(
                "sealed to key " + newId);
        assertThat(Files.readString(dir.resolve("repo/backups/before/manifest.json")))
                .doesNotContain(oldId).doesNotContain("retiringKeys");
        assertThat(chunks(repo, "before")).containsOnlyKeys(chunksBefore.keySet())
                .allSatisfy((path, bytes) -> assertThat(bytes).isEqualTo(chunksBefore.get(path)));
        assertThat(BackupReader.verify(repo, "before")).isEmpty();
    }

    @Test
    void rekey_transitionalManifestWithBothKeys_opensWithEither() {
        Repository repo = new LocalRepository(dir.resolve("repo"));
        TestKeys.writeBackup(repo, "b1", TestKeys.A, Compression.LZ4, 1024, Map.of("s", new byte[100]));
        Manifest m = Manifest.read(repo, "b1");
        byte[] dataKey = Sealing.open(m, TestKeys.A.getPrivate());
        var sealedB = new Manifest.SealedKey(BackupKeys.keyId(TestKeys.B.getPublic()),
                Sealing.seal(dataKey, TestKeys.B.getPublic()));
        m.withSealedKey(sealedB, java.util.List.of(m.sealedKey())).write(repo); // as if rekey died midway

        assertThat(TestKeys.readAll(BackupReader.open(repo, "b1", TestKeys.A.getPrivate()).stream("s"))).hasSize(100);
        assertThat(TestKeys.readAll(BackupReader.open(repo, "b1", TestKeys.B.getPrivate()).stream("s"))).hasSize(100);
    }

    private static void write(Repository repo, String id) throws Exception {
        BackupWriter writer = BackupWriter.open(repo, id, Compression.ZSTD);
        try (OutputStream out = writer.stream("s")) {
            out.write(("data of " + id).getBytes(StandardCharsets.UTF_8));
        }
        writer.complete(Map.of());
    }

    private static String read(Repository repo, String id, PrivateKey key) {
        return new String(TestKeys.readAll(BackupReader.open(repo, id, key).stream("s")), StandardCharsets.UTF_8);
    }

    private static Map<String, byte[]> chunks(Repository repo, String id) {
        Map<String, byte[]> result = new java.util.TreeMap<>();
        for (String path : repo.list("backups/" + id + "/data/")) {
            result.put(path, repo.get(path).orElseThrow());
        }
        return result;
    }
}
