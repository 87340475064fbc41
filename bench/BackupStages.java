import com.github.luben.zstd.Zstd;
import java.io.FileInputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The CPU cost of each stage of Keel's backup pipeline on a real tar, one stage at a time, on one thread:
 * reading the file in 4 MiB chunks (the baseline every other line includes), a hash per 1 MiB block (SHA-256, as
 * Keel did until 2026-11-25, and XXH64, as it does since), compressing each 4 MiB chunk (zstd at levels -1, 1 and
 * 3, lz4) and decompressing it again (from zstd level 1), and Keel's lz4 frame reader on the whole tar. Prints
 * thread CPU seconds, best of 3, and the stored size. Run by bench/backup-restore.sh on pg_basebackup's tar:
 * java -cp keel-cli/target/keel.jar bench/BackupStages.java FILE
 */
public class BackupStages {
    static final int CHUNK = 4 << 20;
    static final int BLOCK = 1 << 20;
    static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    interface Stage {
        long run(byte[] chunk, int n) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        String file = args[0];
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        XXHash64 xx = XXHashFactory.fastestInstance().hash64();
        LZ4Compressor lz4 = LZ4Factory.fastestInstance().fastCompressor();
        byte[] out = new byte[(int) Zstd.compressBound(CHUNK)];
        System.out.printf("%-28s %10s %14s%n", "stage (4 MiB chunks)", "CPU s", "stored bytes");
        measure("read only", file, (c, n) -> 0);
        measure("read + SHA-256 per MiB", file, (c, n) -> {
            for (int o = 0; o < n; o += BLOCK) {
                sha.update(c, o, Math.min(BLOCK, n - o));
                sha.digest();
            }
            return 0;
        });
        measure("read + XXH64 per MiB", file, (c, n) -> {
            long h = 0;
            for (int o = 0; o < n; o += BLOCK) {
                h ^= xx.hash(c, o, Math.min(BLOCK, n - o), 0);
            }
            return h == 42 ? 1 : 0;
        });
        for (int level : new int[] {-1, 1, 3}) {
            measure("read + zstd level " + level, file,
                    (c, n) -> Zstd.compressByteArray(out, 0, out.length, c, 0, n, level));
        }
        measure("read + lz4", file, (c, n) -> lz4.compress(c, 0, n).length);
        // Decompression, on chunks compressed beforehand (not counted) at level 1.
        List<byte[]> compressed = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        each(file, (c, n) -> {
            compressed.add(Zstd.compress(java.util.Arrays.copyOf(c, n), 1));
            sizes.add(n);
            return 0;
        });
        byte[] raw = new byte[CHUNK];
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            long t0 = CPU.getCurrentThreadCpuTime();
            for (int i = 0; i < compressed.size(); i++) {
                Zstd.decompressByteArray(raw, 0, sizes.get(i), compressed.get(i), 0, compressed.get(i).length);
            }
            best = Math.min(best, (CPU.getCurrentThreadCpuTime() - t0) / 1e9);
        }
        System.out.printf("%-28s %10.2f %14s%n", "zstd level 1 decompress", best, "(in memory)");
        lz4Frames(file);
    }

    /**
     * Keel's own reader of lz4 frames (Lz4FrameReader, package-private, so reached by reflection) on the whole tar,
     * compressed beforehand (not counted) into one frame of 256 KiB blocks: what a restore and the indexing thread of
     * an lz4 backup decode. lz4-java writes independent blocks, PostgreSQL linked ones: the same decoding.
     */
    static void lz4Frames(String file) throws Exception {
        java.io.ByteArrayOutputStream framed = new java.io.ByteArrayOutputStream();
        try (var out = new net.jpountz.lz4.LZ4FrameOutputStream(framed,
                net.jpountz.lz4.LZ4FrameOutputStream.BLOCKSIZE.SIZE_256KB);
             InputStream in = new FileInputStream(file)) {
            in.transferTo(out);
        }
        byte[] bytes = framed.toByteArray();
        var reader = Class.forName("dev.keel.ops.backup.Lz4FrameReader")
                .getDeclaredConstructor(InputStream.class, boolean.class);
        reader.setAccessible(true);
        byte[] buffer = new byte[1 << 20];
        double best = Double.MAX_VALUE;
        long decoded = 0;
        for (int round = 0; round < 3; round++) {
            long t0 = CPU.getCurrentThreadCpuTime();
            decoded = 0;
            try (InputStream in = (InputStream) reader.newInstance(new java.io.ByteArrayInputStream(bytes), true)) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    decoded += n;
                }
            }
            best = Math.min(best, (CPU.getCurrentThreadCpuTime() - t0) / 1e9);
        }
        if (decoded != new java.io.File(file).length()) {
            throw new IllegalStateException("Lz4FrameReader decoded " + decoded + " bytes of " + file);
        }
        System.out.printf("%-28s %10.2f %14s%n", "lz4 frames, Keel's reader", best, "(in memory)");
    }

    static void measure(String name, String file, Stage stage) throws Exception {
        double best = Double.MAX_VALUE;
        long stored = 0;
        for (int round = 0; round < 3; round++) {
            long t0 = CPU.getCurrentThreadCpuTime();
            stored = each(file, stage);
            best = Math.min(best, (CPU.getCurrentThreadCpuTime() - t0) / 1e9);
        }
        System.out.printf("%-28s %10.2f %14s%n", name, best, stored == 0 ? "" : String.valueOf(stored));
    }

    static long each(String file, Stage stage) throws Exception {
        byte[] chunk = new byte[CHUNK];
        long total = 0;
        try (InputStream in = new FileInputStream(file)) {
            int n;
            while ((n = in.readNBytes(chunk, 0, CHUNK)) > 0) {
                total += stage.run(chunk, n);
            }
        }
        return total;
    }
}
