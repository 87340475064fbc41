import com.github.luben.zstd.Zstd;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * A prototype, not Keel: how fast a backup could be that reads the data directory itself (as pgBackRest does,
 * between pg_backup_start() and pg_backup_stop()) instead of through pg_basebackup. THREADS threads take whole
 * files, largest first (pg_wal left out: a backup needs only its own few segments), and for each 4 MiB piece do
 * what Keel's client-side pipeline does: an XXH64 per 1 MiB block and a CRC-32C per file (the file list and
 * PostgreSQL's manifest), compression (zstd level 1 or lz4), AES-256-GCM, and an append to the thread's own
 * output file, fsynced at the end. No tar headers, no label, no WAL, no manifest: what is left out is small next
 * to 2 GB of data. Run by bench/backup-restore.sh on the benchmark's cluster:
 * java -cp keel-cli/target/keel.jar bench/DirectCopy.java DATADIR OUTDIR THREADS zstd|lz4
 */
public class DirectCopy {
    static final int PIECE = 4 << 20;
    static final int BLOCK = 1 << 20;

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int threads = Integer.parseInt(args[2]);
        boolean lz4 = args[3].equals("lz4");
        try {
            Class.forName("com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider").getMethod("install")
                    .invoke(null); // Keel's native AES-GCM, where it loads
        } catch (ReflectiveOperationException | LinkageError e) {
            System.err.println("without the native crypto provider: " + e);
        }
        long t0 = System.nanoTime();
        List<Path> files = new ArrayList<>();
        try (var walk = Files.walk(data)) {
            walk.filter(p -> !p.startsWith(data.resolve("pg_wal")) && Files.isRegularFile(p)).forEach(files::add);
        }
        files.sort(Comparator.comparingLong((Path p) -> p.toFile().length()).reversed());
        Files.createDirectories(out);
        SecretKey key = new SecretKeySpec(new byte[32], "AES");
        AtomicInteger next = new AtomicInteger();
        AtomicLong raw = new AtomicLong();
        AtomicLong stored = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            done.add(pool.submit(() -> {
                byte[] piece = new byte[PIECE];
                byte[] packed = new byte[(int) Zstd.compressBound(PIECE) + 1024];
                byte[] sealed = new byte[packed.length + 64];
                LZ4Compressor lz4c = lz4 ? LZ4Factory.fastestInstance().fastCompressor() : null;
                XXHash64 xxh = XXHashFactory.fastestInstance().hash64();
                Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
                long sequence = 0;
                long hashes = 0;
                try (FileChannel o = FileChannel.open(out.resolve("part" + id), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                    for (int i = next.getAndIncrement(); i < files.size(); i = next.getAndIncrement()) {
                        CRC32C crc = new CRC32C();
                        try (InputStream in = Files.newInputStream(files.get(i))) {
                            int n;
                            while ((n = in.readNBytes(piece, 0, PIECE)) > 0) {
                                crc.update(piece, 0, n);
                                for (int b = 0; b < n; b += BLOCK) {
                                    hashes += xxh.hash(piece, b, Math.min(BLOCK, n - b), 0);
                                }
                                int c = lz4 ? lz4c.compress(piece, 0, n, packed, 0, packed.length)
                                        : (int) Zstd.compressByteArray(packed, 0, packed.length, piece, 0, n, 1);
                                byte[] nonce = ByteBuffer.allocate(12).putInt(id).putLong(sequence++).array();
                                gcm.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
                                int e = gcm.doFinal(packed, 0, c, sealed, 0);
                                o.write(ByteBuffer.wrap(sealed, 0, e));
                                raw.addAndGet(n);
                                stored.addAndGet(e);
                            }
                        } catch (NoSuchFileException gone) {
                            // dropped by the server meanwhile: a real backup leaves it out too
                        }
                        hashes += crc.getValue();
                    }
                    o.force(true);
                }
                return hashes;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        System.out.printf("direct copy, %s, %d threads: %d MiB read, %d MiB stored, %.2f s in the JVM%n", args[3],
                threads, raw.get() >> 20, stored.get() >> 20, (System.nanoTime() - t0) / 1e9);
    }
}
