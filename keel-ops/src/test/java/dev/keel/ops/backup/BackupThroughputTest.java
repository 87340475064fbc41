package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prints write and read throughput on 100 MB of mixed data; timings are informative, never asserted. */
class BackupThroughputTest {

    static final int MB = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void throughput_zstdAndLz4_onMixedData_isPrinted() throws Exception {
        byte[] random = new byte[MB];
        new Random(7).nextBytes(random);
        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < MB; i++) {
            text.append(i).append("\tcustomer-").append(i % 977).append("\t2026-11-25 14:00:00\tactive\n");
        }
        byte[] compressible = text.substring(0, MB).getBytes(StandardCharsets.US_ASCII);

        for (Compression c : new Compression[] {Compression.ZSTD, Compression.LZ4}) {
            Repository repo = new LocalRepository(dir.resolve(c.id()));
            long start = System.nanoTime();
            BackupWriter writer = BackupWriter.open(repo, "t", TestKeys.A.getPublic(), c);
            try (OutputStream out = writer.stream("base.tar")) {
                for (int i = 0; i < 100; i++) {
                    out.write(i % 3 == 0 ? random : compressible); // one third random, two thirds text
                }
            }
            writer.complete(Map.of());
            double writeSeconds = (System.nanoTime() - start) / 1e9;

            start = System.nanoTime();
            long total = 0;
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = BackupReader.open(repo, "t", TestKeys.A.getPrivate()).stream("base.tar")) {
                for (int n; (n = in.read(buffer)) != -1; ) {
                    total += n;
                }
            }
            double readSeconds = (System.nanoTime() - start) / 1e9;
            Manifest m = Manifest.read(repo, "t");
            System.out.printf("backup throughput %s: 100 MB mixed -> %.1f MB stored; write %.0f MB/s, read %.0f MB/s%n",
                    c.id(), m.storedBytes() / (double) MB, 100 / writeSeconds, 100 / readSeconds);
            assertThat(total).isEqualTo(100L * MB);
        }
    }
}
