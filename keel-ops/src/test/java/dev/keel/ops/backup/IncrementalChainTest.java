package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.progress.Progress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Full and incremental backups of synthetic data directories, fed by a stand-in for pg_basebackup that prints a
 * prepared tar: every backup of a chain must restore to exactly its own tar, block boundaries included.
 */
class IncrementalChainTest {

    static final int BLOCK = FileList.BLOCK_SIZE;

    @TempDir
    Path tmp;
    LocalRepository repo;
    PrivateKey key;
    Path tool;
    Path tar;
    final Random random = new Random(42);

    @BeforeEach
    void setUp() throws IOException {
        repo = new LocalRepository(tmp.resolve("repo"));
        BackupKeys.keygen(repo, tmp.resolve("backup.key"));
        key = BackupKeys.loadPrivateKey(tmp.resolve("backup.key"));
        tar = tmp.resolve("next.tar");
        tool = tmp.resolve("fake_pg_basebackup");
        // --version says 14, so the tar is taken as sent, uncompressed (else a version parsed from the tar's random
        // bytes could ask for server-side compression)
        Files.writeString(tool, """
                #!/bin/sh
                [ "$1" = --version ] && { echo 'pg_basebackup (PostgreSQL) 14.9'; exit 0; }
                cat '%s'
                echo 'pg_basebackup: write-ahead log start point: 0/2000028 on timeline 1' >&2
                echo 'pg_basebackup: write-ahead log end point: 0/2000100' >&2
                """.formatted(tar));
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void everyBackupOfAChain_restoresToExactlyItsOwnFiles() throws Exception {
        Map<String, byte[]> v1 = new TreeMap<>();
        v1.put("PG_VERSION", "15\n".getBytes(StandardCharsets.US_ASCII));
        v1.put("base/1/empty", new byte[0]);
        v1.put("base/1/small", bytes(100));
        v1.put("base/1/oneblock", bytes(BLOCK));
        v1.put("base/1/big", bytes(5 * BLOCK / 2));
        v1.put("base/1/gone", bytes(3000));
        v1.put("base/1/trunc", bytes(5 * BLOCK / 2));
        v1.put("pg_wal/000000010000000000000002", bytes(BLOCK));
        v1.put("backup_label", "label 1".getBytes(StandardCharsets.US_ASCII));
        String full = take(v1, false);

        Map<String, byte[]> v2 = new TreeMap<>(v1);
        byte[] big = v2.get("base/1/big").clone();
        big[BLOCK + 7] ^= 1; // one byte in the second block
        v2.put("base/1/big", big);
        v2.remove("base/1/gone");
        v2.put("base/1/new", bytes(10));
        v2.put("base/1/trunc", Arrays.copyOf(v1.get("base/1/trunc"), 2 * BLOCK)); // cut at a block boundary: no bytes
        v2.put("backup_label", "label 2".getBytes(StandardCharsets.US_ASCII));
        String incr1 = take(v2, true);

        Map<String, byte[]> v3 = new TreeMap<>(v2);
        byte[] grown = Arrays.copyOf(big, 3 * BLOCK + 5); // grows past a block boundary, old blocks kept
        System.arraycopy(bytes(BLOCK / 2 + 5), 0, grown, 5 * BLOCK / 2, BLOCK / 2 + 5);
        v3.put("base/1/big", grown);
        v3.put("backup_label", "label 3".getBytes(StandardCharsets.US_ASCII));
        String incr2 = take(v3, true);

        Map<String, String> m1 = BackupReader.metadataOf(repo, incr1);
        // stored: big's second block, new, backup_label and the always-stored WAL segment, nothing else
        assertThat(Long.parseLong(m1.get("changedBytes"))).isEqualTo(BLOCK + 10 + 7 + BLOCK);
        assertThat(m1).containsEntry("parent", full).containsEntry("changedFiles", "5")
                .containsEntry("skippedFiles", "4");
        assertThat(Long.parseLong(BackupReader.metadataOf(repo, incr2).get("changedBytes")))
                .isEqualTo(BLOCK + 5 + 7 + BLOCK); // the two new blocks of big, backup_label, WAL

        assertThat(restored(full)).isEqualTo(strings(v1));
        assertThat(restored(incr1)).isEqualTo(strings(v2));
        assertThat(restored(incr2)).isEqualTo(strings(v3));
        assertThat(Files.readSymbolicLink(tmp.resolve("restore-" + incr2).resolve("pg_tblspc/16400")))
                .isEqualTo(Path.of("/srv/tablespace"));
    }

    /**
     * A full backup whose file list older Keel wrote in 1 MiB blocks still restores in place (a delta restore, which
     * cuts files by that list), and an incremental on it stores every block once, in the blocks of today's lists.
     */
    @Test
    void aListInMiBBlocks_stillRestores_andAnIncrementalOnItStoresEveryBlockOnce() throws Exception {
        int mib = FileList.MAX_BLOCK_SIZE;
        Map<String, byte[]> v1 = new TreeMap<>(Map.of("PG_VERSION", "15\n".getBytes(StandardCharsets.US_ASCII),
                "base/1/big", bytes(mib * 2 + 5000), "base/1/small", bytes(100)));
        String full = take(v1, false);
        rewriteListInMiBBlocks(full, v1);
        assertThat(FileList.read(BackupReader.open(repo, full, key).stream(FileList.STREAM), full).get("base/1/big")
                .blockSize()).isEqualTo(mib);

        Path dir = tmp.resolve("restore-" + full);
        BaseBackups.restore(repo, full, key, dir, false, Progress.silent());
        byte[] damaged = v1.get("base/1/big").clone();
        damaged[mib + 3] ^= 1;
        Files.write(dir.resolve("base/1/big"), damaged);
        BaseBackups.Restored restored = BaseBackups.restore(repo, full, key, dir, false, Progress.silent(), 0, true);
        assertThat(restored.keptBytes()).as("all but the damaged MiB").isEqualTo(mib + 5000 + 3 + 100 + 0L);
        assertThat(restored.writtenBytes()).as("the damaged MiB").isEqualTo(mib);
        assertThat(Files.readAllBytes(dir.resolve("base/1/big"))).isEqualTo(v1.get("base/1/big"));

        Map<String, byte[]> v2 = new TreeMap<>(v1);
        v2.put("base/1/small", bytes(100));
        String incr = take(v2, true);
        assertThat(Long.parseLong(BackupReader.metadataOf(repo, incr).get("changedBytes")))
                .isEqualTo(v2.values().stream().mapToLong(b -> b.length).sum());
        assertThat(restored(incr)).isEqualTo(strings(v2));
    }

    /**
     * A backup without a file list (Keel before 2026-11-25 wrote none) cannot say which blocks of a directory to keep:
     * a delta restore is refused before it touches the directory, and {@code --force} restores it.
     */
    @Test
    void deltaRestore_ofABackupWithoutAFileList_isRefusedAndTheDirectoryLeftAlone() throws Exception {
        Map<String, byte[]> v1 = new TreeMap<>(Map.of("PG_VERSION", "15\n".getBytes(StandardCharsets.US_ASCII),
                "base/1/a", bytes(3 * BLOCK)));
        String full = take(v1, false);
        BackupReader reader = BackupReader.open(repo, full, key);
        byte[] base = reader.stream("base.tar").readAllBytes();
        for (String path : repo.list("backups/" + full + "/")) {
            repo.delete(path);
        }
        BackupWriter w = BackupWriter.open(repo, full, Compression.ZSTD);
        try (var out = w.stream("base.tar")) {
            out.write(base);
        }
        w.complete(reader.metadata());
        Path dir = tmp.resolve("older");
        Files.createDirectories(dir.resolve("base/1"));
        Files.write(dir.resolve("base/1/a"), bytes(BLOCK));
        Files.writeString(dir.resolve("stray"), "mine");

        assertThatThrownBy(() -> BaseBackups.restore(repo, full, key, dir, false, Progress.silent(), 0, true))
                .isInstanceOf(BackupException.class).hasMessageContaining("has no file list")
                .satisfies(e -> assertThat(((BackupException) e).remedy()).hasValue("restore it with --force instead"));
        assertThat(dir.resolve("stray")).hasContent("mine");
        assertThat(Files.size(dir.resolve("base/1/a"))).isEqualTo(BLOCK);

        BaseBackups.restore(repo, full, key, dir, true, Progress.silent(), 0, false);
        assertThat(dir.resolve("stray")).doesNotExist();
        assertThat(Files.readAllBytes(dir.resolve("base/1/a"))).isEqualTo(v1.get("base/1/a"));
    }

    /** A path that is a file, not a directory, is refused by every kind of restore, and left as it is. */
    @Test
    void restore_intoAFile_isRefusedAndTheFileKept() throws Exception {
        String full = take(Map.of("base/1/a", bytes(100)), false);
        Path file = Files.writeString(tmp.resolve("notes.txt"), "mine");
        for (boolean[] how : new boolean[][] {{false, false}, {true, false}, {false, true}}) {
            assertThatThrownBy(() -> BaseBackups.restore(repo, full, key, file, how[0], Progress.silent(), 0, how[1]))
                    .isInstanceOf(BackupException.class).hasMessageContaining("is not a directory");
            assertThat(file).hasContent("mine");
        }
    }

    @Test
    void restore_whenABlockInTheChainWasSwapped_failsAndLeavesNothing() throws Exception {
        Map<String, byte[]> v1 = new TreeMap<>(Map.of("base/1/a", bytes(2 * BLOCK), "base/1/b", bytes(2 * BLOCK)));
        take(v1, false);
        Map<String, byte[]> v2 = new TreeMap<>(v1);
        byte[] a = v2.get("base/1/a").clone();
        a[0] ^= 1;
        v2.put("base/1/a", a);
        String incr = take(v2, true);
        // replace the incremental's blocks with the bytes of another, sealed properly: only the hashes can tell
        BackupReader reader = BackupReader.open(repo, incr, key);
        byte[] list = reader.stream(FileList.STREAM).readAllBytes();
        for (String path : repo.list("backups/" + incr + "/")) {
            repo.delete(path);
        }
        BackupWriter w = BackupWriter.open(repo, incr, Compression.ZSTD);
        try (var out = w.stream(BaseBackups.BLOCKS_STREAM)) {
            out.write(bytes(BLOCK));
        }
        try (var out = w.stream(FileList.STREAM)) {
            out.write(list);
        }
        w.complete(reader.metadata());
        Path target = tmp.resolve("swapped");

        assertThatThrownBy(() -> BaseBackups.restore(repo, incr, key, target, false, Progress.silent()))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("block 0 of base/1/a in backup " + incr).hasMessageContaining("does not match the hash");
        assertThat(target).doesNotExist();
    }

    @Test
    void full_whenPgBasebackupDiesMidStream_failsWithItsErrorAndIsNotComplete() throws Exception {
        take(Map.of("base/1/a", bytes(3 * BLOCK)), false); // writes the tar, which the dying tool cuts short
        Files.writeString(tool, """
                #!/bin/sh
                [ "$1" = --version ] && { echo 'pg_basebackup (PostgreSQL) 14.9'; exit 0; }
                head -c 700000 '%s'
                echo 'pg_basebackup: error: could not read COPY data: server closed the connection' >&2
                exit 1
                """.formatted(tar));
        ConnectionSpec spec = new ConnectionSpec("127.0.0.1", 1, "db", "u", null, Map.of());

        Path state = tmp.resolve("state");
        assertThatThrownBy(() -> BaseBackups.full(spec, tool, repo, Compression.ZSTD, "15", Progress.silent(), state, 0))
                .isInstanceOf(BackupException.class).hasMessageContaining("server closed the connection");
        assertThat(BackupCatalog.list(repo)).filteredOn(b -> b.status() == BackupCatalog.Status.COMPLETE).hasSize(1);
        try (Stream<Path> kept = Files.list(state)) {
            assertThat(kept).as("no file list kept for it, not even the part streamed before it failed").isEmpty();
        }
    }

    private String take(Map<String, byte[]> files, boolean incremental) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            TarArchiveEntry dir = new TarArchiveEntry("base/");
            t.putArchiveEntry(dir);
            t.closeArchiveEntry();
            TarArchiveEntry link = new TarArchiveEntry("pg_tblspc/16400", TarArchiveEntry.LF_SYMLINK);
            link.setLinkName("/srv/tablespace");
            t.putArchiveEntry(link);
            t.closeArchiveEntry();
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                e.setSize(f.getValue().length);
                e.setMode(0600);
                t.putArchiveEntry(e);
                t.write(f.getValue());
                t.closeArchiveEntry();
            }
        }
        Files.write(tar, out.toByteArray());
        ConnectionSpec spec = new ConnectionSpec("127.0.0.1", 1, "db", "u", null, Map.of());
        return incremental
                ? BaseBackups.incremental(spec, tool, repo, Compression.ZSTD, "15", key, Progress.silent()).backup().id()
                : BaseBackups.full(spec, tool, repo, Compression.ZSTD, "15", Progress.silent()).id();
    }

    /** Rewrites backup {@code id} with the file list older Keel wrote: the same files, in 1 MiB blocks. */
    private void rewriteListInMiBBlocks(String id, Map<String, byte[]> files) throws Exception {
        BackupReader reader = BackupReader.open(repo, id, key);
        byte[] base = reader.stream("base.tar").readAllBytes();
        Map<String, FileList.Entry> entries = FileList.read(reader.stream(FileList.STREAM), id);
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        StringBuilder list = new StringBuilder("{\"format\":\"keel-files-2\",\"backupId\":\"" + id
                + "\",\"blockSize\":1048576,\"blockHash\":\"xxh64\"}\n");
        for (FileList.Entry e : entries.values()) {
            var n = json.createObjectNode().put("path", e.path()).put("type", e.type().name().toLowerCase()).put("mode", e.mode());
            if (e.type() == FileList.Type.SYMLINK) {
                n.put("link", e.link());
            } else if (e.type() == FileList.Type.FILE) {
                byte[] data = files.get(e.path());
                n.put("size", data.length).put("sha256", "0".repeat(64));
                var blocks = n.putArray("blocks");
                for (int at = 0; at < data.length; at += FileList.MAX_BLOCK_SIZE) {
                    blocks.addArray().add(java.util.HexFormat.of().formatHex(FileList.BlockHash.XXH64.digest(data, at,
                            Math.min(FileList.MAX_BLOCK_SIZE, data.length - at)))).add(id);
                }
            }
            list.append(json.writeValueAsString(n)).append('\n');
        }
        for (String path : repo.list("backups/" + id + "/")) {
            repo.delete(path);
        }
        BackupWriter w = BackupWriter.open(repo, id, Compression.ZSTD);
        try (var out = w.stream("base.tar")) {
            out.write(base);
        }
        try (var out = w.stream(FileList.STREAM)) {
            out.write(list.toString().getBytes(StandardCharsets.UTF_8));
        }
        w.complete(reader.metadata());
    }

    private Map<String, String> restored(String id) throws IOException {
        Path dir = tmp.resolve("restore-" + id);
        BaseBackups.restore(repo, id, key, dir, false, Progress.silent());
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(f).toString(), hex(Files.readAllBytes(f)));
            }
        }
        return out;
    }

    private static Map<String, String> strings(Map<String, byte[]> files) {
        Map<String, String> out = new TreeMap<>();
        files.forEach((k, v) -> out.put(k, hex(v)));
        return out;
    }

    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(BackupKeys.sha256(b)) + "/" + b.length;
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
