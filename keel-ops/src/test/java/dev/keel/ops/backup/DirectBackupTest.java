package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.progress.Progress;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Keel's own reading of a data directory, without a server: what it leaves out, the tar and file list it writes
 * (checked against the tar reader every other backup goes through), and files that shrink or vanish meanwhile.
 * The whole engine against a real server is in DirectBackupIT.
 */
class DirectBackupTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path tmp;

    @Test
    void crc32cCombine_equalsTheChecksumOfTheWhole() {
        Random random = new Random(7);
        byte[] data = new byte[3 * MIB + 123];
        random.nextBytes(data);
        for (int split : new int[] {0, 1, 511, MIB, 2 * MIB + 5, data.length}) {
            CRC32C a = new CRC32C();
            a.update(data, 0, split);
            CRC32C b = new CRC32C();
            b.update(data, split, data.length - split);
            CRC32C whole = new CRC32C();
            whole.update(data);

            assertThat(DirectBackup.crc32cCombine((int) a.getValue(), (int) b.getValue(), data.length - split))
                    .as("split at %d", split).isEqualTo((int) whole.getValue());
        }
    }

    /** Frames compressed one by one and concatenated decode as one stream, with the reader restores use. */
    @ParameterizedTest
    @EnumSource(Framing.class)
    void framesConcatenated_decodeAsOneStream(Framing framing) throws IOException {
        Random random = new Random(3);
        byte[] noise = new byte[5 * MIB]; // incompressible, and over lz4's 4 MiB block
        random.nextBytes(noise);
        byte[] text = "the same row again and again ".repeat(200_000).getBytes();
        ByteArrayOutputStream framed = new ByteArrayOutputStream();
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try (Framing.Encoder encoder = framing.encoder()) {
            for (byte[] part : new byte[][] {text, new byte[0], noise, Arrays.copyOf(text, 1000)}) {
                java.nio.ByteBuffer src = java.nio.ByteBuffer.allocateDirect(part.length).put(0, part);
                java.nio.ByteBuffer out = java.nio.ByteBuffer.allocateDirect(encoder.maxFrame(part.length));
                byte[] frame = new byte[encoder.frame(src, part.length, out)];
                out.get(0, frame);
                framed.write(frame);
                plain.write(part);
            }
        }
        assertThat(framed.size()).isLessThan(plain.size());

        try (InputStream in = framing.decode(new ByteArrayInputStream(framed.toByteArray()))) {
            assertThat(in.readAllBytes()).isEqualTo(plain.toByteArray());
        }
    }

    @Test
    void walk_leavesOutWhatPgBasebackupLeavesOut() throws IOException {
        Path data = dataDir();
        write(data, "postmaster.pid", 10);
        write(data, "postmaster.opts", 10);
        write(data, "backup_label", 10);
        write(data, "global/pg_internal.init", 10);
        write(data, "base/5/pg_internal.init.1234", 10);
        write(data, "base/5/pgsql_tmp/pgsql_tmp1.0", 10);
        write(data, "base/5/t3_16400", 10); // a temporary table
        write(data, "base/5/16500", 10); // an unlogged table: only its init fork is kept
        write(data, "base/5/16500.1", 10);
        write(data, "base/5/16500_fsm", 10);
        write(data, "base/5/16500_init", 0);
        write(data, "base/5/16600", 8192);
        write(data, "base/5/16600_vm", 8192);
        write(data, "pg_wal/000000010000000000000001", 100);
        write(data, "pg_wal/archive_status/000000010000000000000001.ready", 0);
        write(data, "pg_stat_tmp/global.stat", 10);
        write(data, "pg_replslot/slot/state", 10);
        write(data, "pg_stat/pgstat.stat", 10);
        Files.createSymbolicLink(data.resolve("log"), Path.of("/var/log/postgresql"));

        List<String> paths = DirectBackup.walk(data).stream().map(DirectBackup.Item::path).toList();

        assertThat(paths).containsExactlyInAnyOrder("PG_VERSION", "base", "base/5", "base/5/16500_init",
                "base/5/16600", "base/5/16600_vm", "global", "pg_wal", "pg_wal/archive_status", "pg_stat_tmp",
                "pg_replslot", "pg_stat", "pg_stat/pgstat.stat", "log", "global/pg_control");
        assertThat(paths.get(paths.size() - 1)).isEqualTo("global/pg_control"); // last, as pg_basebackup sends it
    }

    /**
     * The tar and file list the pipeline writes in parallel pieces are what the tar reader of every other backup
     * finds in that tar: same entries, modes, sizes, block hashes, file hashes and CRC-32Cs, in the same order.
     */
    @ParameterizedTest
    @EnumSource(Framing.class)
    void pipeline_writesTheTarAndTheFileListTheTarReaderFinds(Framing framing) throws IOException {
        Path data = dataDir();
        Random random = new Random(11);
        write(data, "base/5/16600", 9 * MIB + 8192, random); // three pieces, the last one short
        write(data, "base/5/16601", 4 * MIB, random); // exactly one piece
        write(data, "base/5/16602", 0);
        for (int i = 0; i < 300; i++) {
            write(data, "base/5/" + (17000 + i), 8192 * (1 + i % 5), random); // packed several to a piece
        }
        Files.createSymbolicLink(data.resolve("log"), Path.of("/var/log/postgresql"));
        List<DirectBackup.Item> items = new ArrayList<>(DirectBackup.walk(data));
        items.add(DirectBackup.Item.content("backup_label", "START WAL LOCATION: 0/2000028\n", 1_700_000_000L));

        Written w = pipeline(items, framing);

        Map<String, FileList.Entry> indexed = new LinkedHashMap<>();
        TarIndexer.index(new ByteArrayInputStream(w.tar), (path, index, hash, block, length) -> "b1",
                e -> indexed.put(e.path(), e));
        assertThat(w.entries).hasSize(items.size());
        assertThat(new ArrayList<>(w.entries.values())).isEqualTo(new ArrayList<>(indexed.values()));
        FileList.Entry big = w.entries.get("base/5/16600");
        assertThat(big.blocks()).hasSize(9 * MIB / FileList.BLOCK_SIZE + 1);
        CRC32C crc = new CRC32C();
        crc.update(Files.readAllBytes(data.resolve("base/5/16600")));
        assertThat(big.crc32c()).isEqualTo(PgBackupManifest.checksum(crc));
        assertThat(FileList.check(data, w.entries.values().stream().filter(e -> !e.path().equals("backup_label"))
                .toList())).isEmpty(); // every block hash is the data directory's
        assertThat(w.entries.get("log").link()).isEqualTo("/var/log/postgresql");
    }

    /**
     * For an incremental, the pipeline writes only the blocks the older backup does not hold, in list order, and names
     * the older backup as the holder of the rest: one changed block of a three-piece file, a changed small file
     * packed with unchanged ones, and a new file.
     */
    @Test
    void pipeline_forAnIncremental_storesOnlyTheChangedBlocks() throws IOException {
        Path data = dataDir();
        Random random = new Random(3);
        write(data, "base/5/16600", 9 * MIB + 8192, random);
        for (int i = 0; i < 20; i++) {
            write(data, "base/5/" + (17000 + i), 8192, random);
        }
        Map<String, FileList.Entry> before = pipeline(DirectBackup.walk(data), Framing.ZSTD).entries;
        byte[] big = Files.readAllBytes(data.resolve("base/5/16600"));
        big[5 * MIB + 100] ^= 1; // block 5, in the second piece
        Files.write(data.resolve("base/5/16600"), big);
        byte[] small = Files.readAllBytes(data.resolve("base/5/17007"));
        small[10] ^= 1;
        Files.write(data.resolve("base/5/17007"), small);
        write(data, "base/5/18000", 3000, random);

        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        Map<String, FileList.Entry> after = new LinkedHashMap<>();
        DirectBackup.Unchanged unchanged = (path, index, hash, length) -> {
            FileList.Entry old = before.get(path);
            return old != null && index < old.blocks().size() && old.blocks().get(index).hash().equals(hash)
                    && old.blockLength(index) == length ? old.blocks().get(index).holder() : null;
        };
        try (DirectBackup.Pipeline p = new DirectBackup.Pipeline(stored, null, unchanged, "b2",
                e -> after.put(e.path(), e), Progress.silent(), Throttle.NONE, 2)) {
            p.run(DirectBackup.tasks(DirectBackup.walk(data)));
            p.end();
        }

        ByteArrayOutputStream expected = new ByteArrayOutputStream(); // the blocks b2 holds, in list order
        for (FileList.Entry e : after.values()) {
            for (int i = 0; i < e.blocks().size(); i++) {
                if (e.blocks().get(i).holder().equals("b2")) {
                    expected.write(Files.readAllBytes(data.resolve(e.path())), (int) e.blockOffset(i), e.blockLength(i));
                }
            }
        }
        assertThat(stored.size()).isEqualTo(FileList.BLOCK_SIZE + 8192 + 3000);
        assertThat(stored.toByteArray()).isEqualTo(expected.toByteArray());
        List<String> holders = after.get("base/5/16600").blocks().stream().map(FileList.Block::holder).toList();
        assertThat(holders).hasSize(FileList.Entry.blockCount(9 * MIB + 8192));
        int changed = (5 * MIB + 100) / FileList.BLOCK_SIZE;
        assertThat(holders.indexOf("b2")).isEqualTo(changed);
        assertThat(holders.lastIndexOf("b2")).isEqualTo(changed);
        assertThat(after.get("base/5/17007").blocks()).extracting(FileList.Block::holder).containsExactly("b2");
        assertThat(after.get("base/5/17008").blocks()).extracting(FileList.Block::holder).containsExactly("b1");
        assertThat(after.get("base/5/18000").blocks()).extracting(FileList.Block::holder).containsExactly("b2");
        assertThat(FileList.check(data, after.values())).isEmpty(); // the hashes are the files' as they are now
    }

    /**
     * A file dropped after the walk and before its first byte is read is left out, every piece of it; one that
     * shrank is padded with zeros to the size its header promised, as pg_basebackup does; WAL replay fixes both.
     */
    @Test
    void filesThatVanishOrShrinkAfterTheWalk_areLeftOutOrPadded() throws IOException {
        Path data = dataDir();
        Random random = new Random(5);
        write(data, "base/5/16600", 9 * MIB, random);
        write(data, "base/5/16601", 8192, random);
        write(data, "base/5/16602", 3 * 8192, random);
        write(data, "base/5/16603", 8192, random);
        List<DirectBackup.Item> items = DirectBackup.walk(data);
        Files.delete(data.resolve("base/5/16600"));
        Files.delete(data.resolve("base/5/16601"));
        byte[] kept = Arrays.copyOf(Files.readAllBytes(data.resolve("base/5/16602")), 8192);
        Files.write(data.resolve("base/5/16602"), kept);

        Written w = pipeline(items, Framing.ZSTD);

        assertThat(w.entries).doesNotContainKeys("base/5/16600", "base/5/16601").containsKey("base/5/16603");
        Map<String, byte[]> contents = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(w.tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                contents.put(e.getName(), in.readAllBytes());
            }
        }
        assertThat(contents).doesNotContainKeys("base/5/16600", "base/5/16601");
        assertThat(contents.get("base/5/16602")).hasSize(3 * 8192).startsWith(kept)
                .endsWith(new byte[2 * 8192]);
        assertThat(w.entries.get("base/5/16602").size()).isEqualTo(3 * 8192);
    }

    /**
     * The WAL a backup needs: every segment from the start to the stop position (the stop's own segment only if the
     * stop is past its first byte), each marked done, and every timeline history file; a segment the server already
     * removed fails the backup, naming it and the setting that keeps WAL longer.
     */
    @Test
    void wal_takesTheSegmentsOfTheRangeAndNamesOneThatIsGone() throws IOException {
        Path data = dataDir();
        long size = 16 << 20;
        for (String name : List.of("000000020000000000000004", "000000020000000000000005", "000000020000000000000006",
                "000000020000000000000007")) {
            write(data, "pg_wal/" + name, 0);
            try (var ch = java.nio.channels.FileChannel.open(data.resolve("pg_wal/" + name),
                    java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(0).position(size - 1).write(java.nio.ByteBuffer.wrap(new byte[1]));
            }
        }
        write(data, "pg_wal/00000002.history", 40);
        DirectBackup.Source source = new DirectBackup.Source(data, size);

        List<String> paths = DirectBackup.wal(source, 2, WalArchive.parseLsn("0/5000028"), WalArchive.parseLsn("0/7000000"), 0)
                .stream().map(DirectBackup.Item::path).toList();

        assertThat(paths).containsExactly("pg_wal/000000020000000000000005", "pg_wal/000000020000000000000006",
                "pg_wal/00000002.history", "pg_wal/archive_status/000000020000000000000005.done",
                "pg_wal/archive_status/000000020000000000000006.done", "pg_wal/archive_status/00000002.history.done");
        Files.delete(data.resolve("pg_wal/000000020000000000000006"));
        assertThatThrownBy(() -> DirectBackup.wal(source, 2, WalArchive.parseLsn("0/5000028"), WalArchive.parseLsn("0/7000000"), 0))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("WAL segment 000000020000000000000006 was removed").hasMessageContaining("wal_keep_size");
    }

    @Test
    void reason_saysWhyInAFewWords() {
        assertThat(DirectBackup.reason(new java.nio.file.AccessDeniedException("/srv/pg/base/5/1259")))
                .isEqualTo("permission denied");
        assertThat(DirectBackup.reason(new java.nio.file.FileSystemException("/srv/pg/base/5/1259", null,
                "Input/output error"))).isEqualTo("Input/output error");
    }

    /**
     * A full backup's tar is stored in frames of whole file-list blocks, each of which decodes on its own, so a restore
     * that needs a few blocks decompresses only their frames; the index says where each lies.
     */
    @ParameterizedTest
    @EnumSource(Framing.class)
    void pipeline_storesFramesOfWholeBlocks_thatEachDecodeAlone(Framing framing) throws IOException {
        Path data = dataDir();
        Random random = new Random(11);
        write(data, "base/5/16600", 9 * MIB + 8192, random); // three pieces
        write(data, "base/5/16601", 300 * 1024, random); // two blocks, among small files
        for (int i = 0; i < 40; i++) {
            write(data, "base/5/" + (17000 + i), 8192 * (1 + i % 3), random);
        }
        for (int i = 0; i < 22; i++) { // a task of incompressible files packed together: frames of up to two blocks
            write(data, "base/5/" + (18000 + i), 200 * 1024 + 777 * i, random);
        }
        Written w = pipeline(DirectBackup.walk(data), framing);
        FrameIndex frames = w.frames;

        assertThat(frames.tarBytes()).isEqualTo(w.tar.length);
        assertThat(frames.storedOffset(frames.count() - 1) + frames.storedLength(frames.count() - 1))
                .isEqualTo(w.framed.length);
        assertThat(frames.count()).as("a frame per block or two").isBetween(w.tar.length / (2 * DirectBackup.FRAME + 1024),
                w.tar.length / DirectBackup.FRAME + 8);
        for (int f = 0; f < frames.count(); f++) {
            byte[] decoded = new byte[frames.rawLength(f)];
            framing.decodeFrame(Arrays.copyOfRange(w.framed, (int) frames.storedOffset(f),
                    (int) frames.storedOffset(f) + frames.storedLength(f)), frames.storedLength(f), decoded, decoded.length);
            assertThat(decoded).as("frame %d alone", f).isEqualTo(Arrays.copyOfRange(w.tar, (int) frames.tarOffset(f),
                    (int) frames.tarOffset(f) + decoded.length));
        }
        long at = 0;
        int blocks = 0;
        for (FileList.Entry e : w.entries.values()) {
            at += DirectBackup.TAR_BLOCK;
            for (int b = 0; b < e.blocks().size(); b++, blocks++) {
                long start = at + e.blockOffset(b);
                assertThat(frames.frameAt(start + e.blockLength(b) - 1)).as("block %d of %s", b, e.path())
                        .isEqualTo(frames.frameAt(start));
            }
            at += DirectBackup.padded(e.size());
        }
        assertThat(blocks).isGreaterThan(40 + 37 + 2 + 22);
    }

    private record Written(byte[] tar, Map<String, FileList.Entry> entries, byte[] framed, FrameIndex frames) {
    }

    private static Written pipeline(List<DirectBackup.Item> items, Framing framing) throws IOException {
        ByteArrayOutputStream framed = new ByteArrayOutputStream();
        Map<String, FileList.Entry> entries = new LinkedHashMap<>();
        long tarBytes;
        FrameIndex frames;
        try (DirectBackup.Pipeline p = new DirectBackup.Pipeline(framed, framing, null, "b1",
                e -> entries.put(e.path(), e), Progress.silent(), Throttle.NONE, 2)) {
            p.run(DirectBackup.tasks(items));
            p.end();
            tarBytes = p.tarBytes();
            frames = p.frames();
        }
        byte[] tar;
        try (InputStream in = framing.decode(new ByteArrayInputStream(framed.toByteArray()))) {
            tar = in.readAllBytes();
        }
        assertThat(tar).hasSize((int) tarBytes);
        return new Written(tar, entries, framed.toByteArray(), frames);
    }

    /** The least a walk needs: PG_VERSION, base/5 and global/pg_control. */
    private Path dataDir() throws IOException {
        Path data = tmp.resolve("data");
        write(data, "PG_VERSION", 3);
        write(data, "global/pg_control", 8192);
        Files.createDirectories(data.resolve("base/5"));
        return data;
    }

    private static void write(Path data, String path, int size) throws IOException {
        write(data, path, size, new Random(path.hashCode()));
    }

    private static void write(Path data, String path, int size, Random random) throws IOException {
        Path file = data.resolve(path);
        Files.createDirectories(file.getParent());
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i += 64) { // compressible, like a table's pages
            bytes[i] = (byte) random.nextInt(4);
        }
        Files.write(file, bytes);
    }
}
