package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class BackupPropertyTest {

    @Property(tries = 60)
    void anyBytes_anyChunkSize_anyCompression_roundTrip(@ForAll @Size(max = 5000) byte[] data,
                                                       @ForAll @IntRange(min = 1, max = 2048) int chunkSize,
                                                       @ForAll @IntRange(min = 1, max = 700) int writeSize,
                                                       @ForAll Compression compression) throws IOException {
        Path dir = Files.createTempDirectory("keel-backup-prop");
        try {
            Repository repo = new LocalRepository(dir);
            BackupWriter writer = BackupWriter.open(repo, "p", TestKeys.A.getPublic(), compression, chunkSize);
            try (OutputStream out = writer.stream("s")) {
                for (int off = 0; off < data.length; off += writeSize) {
                    out.write(data, off, Math.min(writeSize, data.length - off));
                }
            }
            writer.complete(Map.of());
            assertThat(TestKeys.readAll(BackupReader.open(repo, "p", TestKeys.A.getPrivate()).stream("s")))
                    .isEqualTo(data);
            assertThat(BackupReader.verify(repo, "p")).isEmpty();
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
