package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.progress.Progress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.util.Map;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restoring a full backup's tar straight from its chunks: exact bytes whatever the chunking, damage refused. */
class TarExtractorTest {

    @TempDir
    Path tmp;
    LocalRepository repo;
    PrivateKey key;

    @BeforeEach
    void setUp() throws IOException {
        repo = new LocalRepository(tmp.resolve("repo"));
        BackupKeys.keygen(repo, tmp.resolve("backup.key"));
        key = BackupKeys.loadPrivateKey(tmp.resolve("backup.key"));
    }

    @Test
    void restore_writesEveryFileExactly_whenHeadersAndContentsStraddleChunks() throws Exception {
        byte[] big = random(3 * 1024 * 1024 + 77);
        byte[] odd = random(1001);
        byte[] tar = tar(t -> {
            dir(t, "base/");
            file(t, "base/1/big", big);
            file(t, "base/1/empty", new byte[0]);
            file(t, "base/1/odd", odd);
            TarArchiveEntry link = new TarArchiveEntry("pg_tblspc/16400", TarArchiveEntry.LF_SYMLINK);
            link.setLinkName("/srv/tablespace");
            t.putArchiveEntry(link);
            t.closeArchiveEntry();
            file(t, "PG_VERSION", "15\n".getBytes(StandardCharsets.US_ASCII));
        });
        for (int chunk : new int[] {700, 4096, BackupWriter.DEFAULT_CHUNK_SIZE}) {
            String id = store("b" + chunk, tar, chunk);
            Path dir = tmp.resolve("restore-" + chunk);

            BaseBackups.restore(repo, id, key, dir, false, Progress.silent());

            assertThat(Files.readAllBytes(dir.resolve("base/1/big"))).as("chunk size %d", chunk).isEqualTo(big);
            assertThat(Files.readAllBytes(dir.resolve("base/1/odd"))).isEqualTo(odd);
            assertThat(dir.resolve("base/1/empty")).isEmptyFile();
            assertThat(Files.readString(dir.resolve("PG_VERSION"))).isEqualTo("15\n");
            assertThat(Files.readSymbolicLink(dir.resolve("pg_tblspc/16400"))).isEqualTo(Path.of("/srv/tablespace"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("base/1/big"))))
                    .isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("base"))))
                    .isEqualTo("rwx------");
        }
    }

    @Test
    void restore_ofAServerCompressedTar_reusesItsArraysOnlyAfterTheirWrites() throws Exception {
        // A framed stream is decompressed into arrays that are filled again once every write from them is done:
        // 64 KiB arrays for 8 MiB of files means each is reused many times, while two threads still write.
        byte[] first = random(5 * 1024 * 1024 + 3);
        byte[] second = random(3 * 1024 * 1024 + 511);
        byte[] tar = tar(t -> {
            dir(t, "base/");
            file(t, "base/first", first);
            file(t, "base/second", second);
            for (int i = 0; i < 40; i++) {
                file(t, "base/small" + i, random(1000 + i));
            }
        });
        java.io.ByteArrayOutputStream framed = new java.io.ByteArrayOutputStream();
        try (OutputStream out = new com.github.luben.zstd.ZstdOutputStream(framed)) {
            out.write(tar);
        }
        BackupWriter w = BackupWriter.open(repo, "framed", BackupKeys.currentPublicKey(repo), Compression.ZSTD, 4096);
        try (BackupWriter.ChunkOutputStream out = w.stream("base.tar", Framing.ZSTD)) {
            out.write(framed.toByteArray());
            out.decodedBytes(tar.length);
        }
        w.complete(Map.of("type", "full"));
        Path dir = tmp.resolve("restore-framed");

        BaseBackups.restore(repo, "framed", key, dir, false, Progress.silent());

        assertThat(Files.readAllBytes(dir.resolve("base/first"))).isEqualTo(first);
        assertThat(Files.readAllBytes(dir.resolve("base/second"))).isEqualTo(second);
        assertThat(Files.size(dir.resolve("base/small39"))).isEqualTo(1039);
    }

    @Test
    void restore_refusesAHardLink_andLeavesNothing() throws Exception {
        byte[] tar = tar(t -> {
            file(t, "base/1/a", random(10));
            TarArchiveEntry hard = new TarArchiveEntry("base/1/b", TarArchiveEntry.LF_LINK);
            hard.setLinkName("base/1/a");
            t.putArchiveEntry(hard);
            t.closeArchiveEntry();
        });
        String id = store("hard", tar, BackupWriter.DEFAULT_CHUNK_SIZE);
        Path dir = tmp.resolve("r");

        assertThatThrownBy(() -> BaseBackups.restore(repo, id, key, dir, false, Progress.silent()))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("the tar of backup " + id + " is damaged: unexpected tar entry base/1/b");
        assertThat(dir).doesNotExist();
    }

    @Test
    void restore_refusesAPathOutsideTheDataDirectory() throws Exception {
        byte[] tar = tar(t -> file(t, "../escaped", random(10)));
        String id = store("escape", tar, BackupWriter.DEFAULT_CHUNK_SIZE);
        Path dir = tmp.resolve("r");

        assertThatThrownBy(() -> BaseBackups.restore(repo, id, key, dir, false, Progress.silent()))
                .hasMessageContaining("outside the data directory: ../escaped");
        assertThat(tmp.resolve("escaped")).doesNotExist();
        assertThat(dir).doesNotExist();
    }

    @Test
    void restore_refusesAHeaderWithABadChecksum_andATruncatedTar() throws Exception {
        byte[] tar = tar(t -> file(t, "base/1/a", random(2000)));
        byte[] bad = tar.clone();
        bad[0] = 'X'; // the name changes, the recorded checksum does not
        String badId = store("bad", bad, BackupWriter.DEFAULT_CHUNK_SIZE);
        assertThatThrownBy(() -> BaseBackups.restore(repo, badId, key, tmp.resolve("r1"), false, Progress.silent()))
                .hasMessageContaining("checksum does not match");

        byte[] cut = java.util.Arrays.copyOf(tar, 512 + 1000);
        String cutId = store("cut", cut, BackupWriter.DEFAULT_CHUNK_SIZE);
        assertThatThrownBy(() -> BaseBackups.restore(repo, cutId, key, tmp.resolve("r2"), false, Progress.silent()))
                .hasMessageContaining("it ends inside base/1/a");
        assertThat(tmp.resolve("r2")).doesNotExist();
    }

    private String store(String id, byte[] tar, int chunkSize) throws IOException {
        BackupWriter w = BackupWriter.open(repo, id, BackupKeys.currentPublicKey(repo), Compression.ZSTD, chunkSize);
        try (OutputStream out = w.stream("base.tar")) {
            out.write(tar);
        }
        w.complete(Map.of("type", "full"));
        return id;
    }

    private interface Entries {
        void write(TarArchiveOutputStream t) throws IOException;
    }

    private static byte[] tar(Entries entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            entries.write(t);
        }
        return out.toByteArray();
    }

    private static void dir(TarArchiveOutputStream t, String name) throws IOException {
        t.putArchiveEntry(new TarArchiveEntry(name));
        t.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream t, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        e.setMode(0600);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }
}
