package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Block hashes: XXH64 in new lists, SHA-256 still read from lists older Keel wrote. */
class FileListTest {

    @Test
    void blockHashes_areXxh64_andSha256IsToldByLength() throws Exception {
        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        String xx = HexFormat.of().formatHex(FileList.BlockHash.XXH64.digest(new byte[0], 0, 0));
        assertThat(xx).isEqualTo("ef46db3751d8e999"); // XXH64 of nothing, seed 0 (the reference test vector)
        String sha = HexFormat.of().formatHex(FileList.BlockHash.SHA256.digest(abc, 0, 3));
        assertThat(sha).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(FileList.BlockHash.of(xx)).isEqualTo(FileList.BlockHash.XXH64);
        assertThat(FileList.BlockHash.of(sha)).isEqualTo(FileList.BlockHash.SHA256);
    }

    @Test
    void read_takesTheNewFormatItWrites_andTheOlderSha256One() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (FileList.Writer w = new FileList.Writer(out, "b1")) {
            w.add(new FileList.Entry("base/1/a", FileList.Type.FILE, 0600, 3, "f".repeat(64), null,
                    List.of(new FileList.Block("0123456789abcdef", "b1")), "8a744722", 1_795_000_000L));
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("{\"format\":\"keel-files-2\"").contains("\"blockHash\":\"xxh64\"");
        Map<String, FileList.Entry> read = FileList.read(new ByteArrayInputStream(out.toByteArray()), "b1");
        assertThat(read.get("base/1/a").blocks()).containsExactly(new FileList.Block("0123456789abcdef", "b1"));
        assertThat(read.get("base/1/a").crc32c()).isEqualTo("8a744722");
        assertThat(read.get("base/1/a").mtime()).isEqualTo(1_795_000_000L);

        String old = """
                {"format":"keel-files-1","backupId":"b0","blockSize":1048576}
                {"path":"base/1/a","type":"file","mode":384,"size":3,"sha256":"%s","blocks":[["%s","b0"]]}
                """.formatted("e".repeat(64), "d".repeat(64));
        Map<String, FileList.Entry> legacy = FileList.read(new ByteArrayInputStream(old.getBytes(StandardCharsets.UTF_8)), "b0");
        assertThat(FileList.BlockHash.of(legacy.get("base/1/a").blocks().get(0).hash())).isEqualTo(FileList.BlockHash.SHA256);
        assertThat(legacy.get("base/1/a").crc32c()).isNull(); // older lists have none: no backup_manifest from them
        assertThat(legacy.get("base/1/a").mtime()).isEqualTo(-1);
    }

    /**
     * Lists carry their block size: Keel writes 256 KiB blocks now, and still reads and checks against lists of 1 MiB
     * blocks that older Keel wrote; any other size is refused as damage.
     */
    @Test
    void blockSize_isEachListsOwn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        assertThat(FileList.BLOCK_SIZE).isEqualTo(256 * 1024);
        byte[] data = new byte[FileList.MAX_BLOCK_SIZE + 5000];
        new java.util.Random(8).nextBytes(data);
        java.nio.file.Files.write(dir.resolve("f"), data);
        HexFormat hex = HexFormat.of();
        String first = hex.formatHex(FileList.BlockHash.XXH64.digest(data, 0, FileList.MAX_BLOCK_SIZE));
        String second = hex.formatHex(FileList.BlockHash.XXH64.digest(data, FileList.MAX_BLOCK_SIZE, 5000));
        String older = """
                {"format":"keel-files-2","backupId":"b0","blockSize":1048576,"blockHash":"xxh64"}
                {"path":"f","type":"file","mode":384,"size":%d,"sha256":"%s","blocks":[["%s","b0"],["%s","b0"]]}
                """.formatted(data.length, "e".repeat(64), first, second);
        FileList.Entry e = FileList.read(new ByteArrayInputStream(older.getBytes(StandardCharsets.UTF_8)), "b0").get("f");
        assertThat(e.blockSize()).isEqualTo(FileList.MAX_BLOCK_SIZE);
        assertThat(e.blockLength(1)).isEqualTo(5000);
        assertThat(FileList.check(dir, List.of(e))).isEmpty();
        data[FileList.MAX_BLOCK_SIZE + 1] ^= 1;
        java.nio.file.Files.write(dir.resolve("f"), data);
        assertThat(FileList.check(dir, List.of(e))).containsExactly(
                "f: block 1 (bytes 1048576-1053575) differs from the backup");

        String odd = older.replace("1048576", "100000");
        assertThatThrownBy(() -> FileList.read(new ByteArrayInputStream(odd.getBytes(StandardCharsets.UTF_8)), "b0"))
                .hasMessageContaining("block size 100000");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (FileList.Writer w = new FileList.Writer(out, "b1")) {
            assertThatThrownBy(() -> w.add(e)).isInstanceOf(IllegalArgumentException.class); // one size per list
        }
    }

    @Test
    void check_passesAnExactCopy_andNamesTheFileAndBlockThatDiffer(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        byte[] big = new byte[FileList.BLOCK_SIZE * 2 + 1000];
        new java.util.Random(3).nextBytes(big);
        byte[] small = "small file".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (var out = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(tar)) {
            out.putArchiveEntry(new org.apache.commons.compress.archivers.tar.TarArchiveEntry("base/"));
            out.closeArchiveEntry();
            for (var f : Map.of("base/big", big, "base/small", small).entrySet()) {
                var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(f.getKey());
                e.setSize(f.getValue().length);
                out.putArchiveEntry(e);
                out.write(f.getValue());
                out.closeArchiveEntry();
            }
        }
        List<FileList.Entry> entries = new java.util.ArrayList<>();
        TarIndexer.index(new ByteArrayInputStream(tar.toByteArray()), (path, index, hash, block, length) -> "b1", entries::add);
        java.nio.file.Path data = dir.resolve("data");
        java.nio.file.Files.createDirectories(data.resolve("base"));
        java.nio.file.Files.write(data.resolve("base/big"), big);
        java.nio.file.Files.write(data.resolve("base/small"), small);
        java.nio.file.Files.writeString(data.resolve("recovery.signal"), ""); // added by a restore: not a problem

        assertThat(FileList.check(data, entries)).isEmpty();

        big[FileList.BLOCK_SIZE * 2 + 10] ^= 1;
        java.nio.file.Files.write(data.resolve("base/big"), big);
        java.nio.file.Files.write(data.resolve("base/small"), "small filE".getBytes(StandardCharsets.UTF_8));
        long at = FileList.BLOCK_SIZE * 2L;
        assertThat(FileList.check(data, entries)).containsExactlyInAnyOrder(
                "base/big: block 2 (bytes " + at + "-" + (at + 999) + ") differs from the backup",
                "base/small: block 0 (bytes 0-9) differs from the backup");

        java.nio.file.Files.delete(data.resolve("base/small"));
        java.nio.file.Files.write(data.resolve("base/big"), new byte[5]);
        assertThat(FileList.check(data, entries)).containsExactlyInAnyOrder(
                "base/big: 5 bytes, the backup's file list says " + big.length,
                "base/small: file missing");
    }

    /** An XXH64 hash is kept as a number, yet reads back as the hex it was given; any other hash stays as given. */
    @Test
    void block_keepsEveryHashAsGiven() {
        FileList.Block xx = new FileList.Block("00ff10a2b3c4d5e6", "b1");
        assertThat(xx.hash()).isEqualTo("00ff10a2b3c4d5e6");
        assertThat(xx.hashIs("00ff10a2b3c4d5e6")).isTrue();
        assertThat(xx.hashIs("00ff10a2b3c4d5e7")).isFalse();
        assertThat(xx.hashIs("00FF10A2B3C4D5E6")).as("hashes are lower-case hex").isFalse();
        assertThat(xx).isEqualTo(new FileList.Block("00ff10a2b3c4d5e6", "b1")).isNotEqualTo(new FileList.Block(
                "00ff10a2b3c4d5e6", "b2"));
        String sha = "ab".repeat(32);
        FileList.Block old = new FileList.Block(sha, "b1");
        assertThat(old.hash()).isEqualTo(sha);
        assertThat(old.hashIs(sha)).isTrue();
        assertThat(new FileList.Block("00FF10A2B3C4D5E6", "b1").hash()).as("not lower-case: kept as a string")
                .isEqualTo("00FF10A2B3C4D5E6");
    }
}
