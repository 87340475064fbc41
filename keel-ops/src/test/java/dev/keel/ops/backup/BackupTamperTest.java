package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupTamperTest {

    @TempDir
    Path dir;
    Repository repo;
    byte[] data;

    @BeforeEach
    void writeBackup() {
        repo = new LocalRepository(dir);
        data = new byte[4 * 1024 + 100];
        new Random(1).nextBytes(data);
        TestKeys.writeBackup(repo, "b1", TestKeys.A, Compression.ZSTD, 1024, Map.of("base.tar", data));
        assertThat(BackupReader.verify(repo, "b1")).isEmpty();
    }

    private Path chunk(int i) {
        return dir.resolve("backups/b1/data/base.tar/" + String.format("%06d.chunk", i));
    }

    private void assertReadFails(String... messageParts) {
        InputStream in = BackupReader.open(repo, "b1", TestKeys.A.getPrivate()).stream("base.tar");
        assertThatThrownBy(() -> TestKeys.readAll(in)).isInstanceOf(BackupException.class)
                .hasMessageContainingAll(messageParts);
    }

    @Test
    void open_wrongPrivateKey_namesBothKeyIdsAndYieldsNoBytes() {
        String sealedTo = BackupKeys.keyId(TestKeys.A.getPublic());
        String given = BackupKeys.keyId(TestKeys.B.getPublic());
        AtomicReference<BackupReader> reader = new AtomicReference<>();
        assertThatThrownBy(() -> reader.set(BackupReader.open(repo, "b1", TestKeys.B.getPrivate())))
                .isInstanceOf(BackupException.class)
                .hasMessage("backup b1 is sealed to key " + sealedTo + ", the given private key is " + given);
        assertThat(reader.get()).isNull();
    }

    @Test
    void flippedByte_isNamedByVerifyAndFailsTheRead() throws Exception {
        byte[] bytes = Files.readAllBytes(chunk(2));
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(chunk(2), bytes);

        assertThat(BackupReader.verify(repo, "b1")).singleElement().asString()
                .contains("stream base.tar chunk 2", "SHA-256 mismatch");
        assertReadFails("stream base.tar chunk 2", "corrupt");
    }

    @Test
    void flippedByteWithUpdatedManifestHash_failsTheTag() throws Exception {
        byte[] bytes = Files.readAllBytes(chunk(1));
        bytes[bytes.length - 20] ^= 0x01;
        Files.write(chunk(1), bytes);
        editManifest(streams -> ((ObjectNode) streams.get(0).get("chunks").get(1)).put("sha256",
                java.util.HexFormat.of().formatHex(BackupKeys.sha256(bytes))));

        assertReadFails("stream base.tar chunk 1", "failed authentication");
    }

    @Test
    void missingChunk_isNamedByVerifyAndFailsTheRead() throws Exception {
        Files.delete(chunk(3));
        assertThat(BackupReader.verify(repo, "b1")).singleElement().asString()
                .contains("stream base.tar chunk 3", "missing");
        assertReadFails("stream base.tar chunk 3", "missing");
    }

    @Test
    void swappedChunks_areDetected() throws Exception {
        Path tmp = dir.resolve("tmp");
        Files.move(chunk(0), tmp);
        Files.move(chunk(1), chunk(0));
        Files.move(tmp, chunk(1));
        assertThat(BackupReader.verify(repo, "b1")).hasSize(2);
        assertReadFails("stream base.tar chunk 0");
    }

    @Test
    void swappedChunksWithSwappedManifestEntries_failTheTag() throws Exception {
        Path tmp = dir.resolve("tmp");
        Files.move(chunk(0), tmp);
        Files.move(chunk(1), chunk(0));
        Files.move(tmp, chunk(1));
        editManifest(streams -> {
            ArrayNode chunks = (ArrayNode) streams.get(0).get("chunks");
            ObjectNode c0 = (ObjectNode) chunks.get(0);
            ObjectNode c1 = (ObjectNode) chunks.get(1);
            String h0 = c0.get("sha256").asText();
            c0.put("sha256", c1.get("sha256").asText());
            c1.put("sha256", h0);
        });
        assertThat(BackupReader.verify(repo, "b1")).isEmpty();
        assertReadFails("stream base.tar chunk 0", "failed authentication");
    }

    @Test
    void chunkMovedFromAnotherStream_failsTheTag() throws Exception {
        TestKeys.writeBackup(repo, "b2", TestKeys.A, Compression.ZSTD, 1024, Map.of("x", new byte[10]));
        // A chunk with a valid hash in the manifest but from another backup and stream is rejected.
        Path other = dir.resolve("backups/b1/data/base.tar/000000.chunk");
        Files.copy(dir.resolve("backups/b2/data/x/000000.chunk"), other, StandardCopyOption.REPLACE_EXISTING);
        byte[] bytes = Files.readAllBytes(other);
        editManifest(streams -> ((ObjectNode) streams.get(0).get("chunks").get(0)).put("sha256",
                java.util.HexFormat.of().formatHex(BackupKeys.sha256(bytes))));
        assertReadFails("stream base.tar chunk 0");
    }

    @Test
    void lastChunkFileDeleted_isDetected() throws Exception {
        Files.delete(chunk(4));
        assertThat(BackupReader.verify(repo, "b1")).singleElement().asString().contains("chunk 4", "missing");
        assertReadFails("stream base.tar chunk 4", "missing");
    }

    @Test
    void truncatedStream_lastChunkAndItsManifestEntryRemoved_failsTheTag() throws Exception {
        Files.delete(chunk(4));
        editManifest(streams -> ((ArrayNode) streams.get(0).get("chunks")).remove(4));
        assertThat(BackupReader.verify(repo, "b1")).isEmpty(); // nothing a keyless check can see...
        assertReadFails("stream base.tar chunk 3", "failed authentication"); // ...but the "last" flag can
    }

    private void editManifest(java.util.function.Consumer<ArrayNode> edit) throws Exception {
        Path manifest = dir.resolve("backups/b1/manifest.json");
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = (ObjectNode) mapper.readTree(manifest.toFile());
        edit.accept((ArrayNode) root.get("streams"));
        mapper.writeValue(manifest.toFile(), root);
    }
}
