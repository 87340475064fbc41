package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BackupRoundTripTest {

    @TempDir
    Path dir;

    static Map<String, byte[]> sampleStreams() {
        Random random = new Random(42);
        byte[] oneChunk = new byte[1024];
        random.nextBytes(oneChunk);
        byte[] threeChunks = new byte[3 * 1024];
        random.nextBytes(threeChunks);
        byte[] manyRandom = new byte[20_000 + 17];
        random.nextBytes(manyRandom);
        byte[] compressible = "INSERT INTO t VALUES (1, 'hello');\n".repeat(2000).getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> streams = new LinkedHashMap<>();
        streams.put("empty", new byte[0]);
        streams.put("one-byte", new byte[] {7});
        streams.put("exactly-one-chunk", oneChunk);
        streams.put("exactly-three-chunks", threeChunks);
        streams.put("many-random", manyRandom);
        streams.put("compressible", compressible);
        return streams;
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void stream_roundTripsEverySizeAndKindOfData(Compression compression) {
        Repository repo = new LocalRepository(dir);
        Map<String, byte[]> streams = sampleStreams();
        TestKeys.writeBackup(repo, "b1", TestKeys.A, compression, 1024, streams);

        BackupReader reader = BackupReader.open(repo, "b1", TestKeys.A.getPrivate());
        assertThat(reader.streams()).containsExactlyElementsOf(streams.keySet());
        assertThat(reader.metadata()).containsEntry("kind", "test");
        streams.forEach((name, bytes) -> assertThat(TestKeys.readAll(reader.stream(name))).as(name).isEqualTo(bytes));
        assertThat(BackupReader.verify(repo, "b1")).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void chunks_givenBack_areRefilled_withEveryChunkStillRight(Compression compression) throws Exception {
        Repository repo = new LocalRepository(dir);
        byte[] data = new byte[40 * 1024 + 123];
        new Random(11).nextBytes(data);
        TestKeys.writeBackup(repo, "b1", TestKeys.A, compression, 1024, Map.of("s", data));

        java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
        java.util.Set<byte[]> distinct = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        try (BackupReader.Chunks chunks = BackupReader.open(repo, "b1", TestKeys.A.getPrivate()).chunks("s")) {
            for (java.nio.ByteBuffer c = chunks.next(); c != null; c = chunks.next()) {
                read.write(bytes(c));
                distinct.add(c.array());
                chunks.recycle(c);
            }
        }
        assertThat(read.toByteArray()).isEqualTo(data);
        // 41 chunks through a handful of arrays: the reader keeps its memory to what is in flight.
        assertThat(distinct).hasSizeLessThan(8);
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void framedStream_isStoredAsItCame_andReadsBackDecompressed(Framing framing) throws Exception {
        Repository repo = new LocalRepository(dir);
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        System.arraycopy("compressible ".repeat(10_000).getBytes(StandardCharsets.UTF_8), 0, data, 0, 130_000);
        java.io.ByteArrayOutputStream framed = new java.io.ByteArrayOutputStream();
        try (OutputStream out = framing == Framing.ZSTD ? new com.github.luben.zstd.ZstdOutputStream(framed)
                : new net.jpountz.lz4.LZ4FrameOutputStream(framed)) {
            out.write(data);
        }
        BackupWriter writer = BackupWriter.open(repo, "b1", TestKeys.A.getPublic(), Compression.ZSTD, 4096);
        try (BackupWriter.ChunkOutputStream out = writer.stream("base.tar", framing)) {
            out.write(framed.toByteArray());
            out.decodedBytes(data.length);
        }
        writer.complete(Map.of());

        Manifest.StreamEntry entry = Manifest.read(repo, "b1").streams().get(0);
        assertThat(entry.framing()).isEqualTo(framing);
        assertThat(entry.rawBytes()).isEqualTo(data.length);
        // Not compressed a second time: each chunk file is its bytes plus the fixed header, tag and length.
        assertThat(entry.chunks()).allSatisfy(c -> assertThat(c.storedSize())
                .isEqualTo(c.size() + ChunkCipher.HEADER + ChunkCipher.TAG_BITS / 8 + 4));
        BackupReader reader = BackupReader.open(repo, "b1", TestKeys.A.getPrivate());
        assertThat(TestKeys.readAll(reader.stream("base.tar"))).isEqualTo(data);
        java.io.ByteArrayOutputStream chunks = new java.io.ByteArrayOutputStream();
        java.util.Set<java.nio.ByteBuffer> distinct = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        try (BackupReader.Chunks c = reader.chunks("base.tar")) {
            for (java.nio.ByteBuffer b = c.next(); b != null; b = c.next()) {
                assertThat(b.isDirect()).as("decompressed into direct memory, for the file channel").isTrue();
                chunks.write(bytes(b));
                distinct.add(b);
                c.recycle(b);
            }
        }
        assertThat(chunks.toByteArray()).isEqualTo(data);
        assertThat(BackupReader.metadataOf(repo, "b1")).containsEntry("rawBytes", String.valueOf(data.length));
    }

    private static byte[] bytes(java.nio.ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void framedStream_cutInsideItsFrame_failsWhenRead_insteadOfHanging() throws Exception {
        Repository repo = new LocalRepository(dir);
        byte[] data = new byte[200_000];
        new Random(3).nextBytes(data);
        byte[] framed = com.github.luben.zstd.Zstd.compress(data);
        BackupWriter writer = BackupWriter.open(repo, "b1", TestKeys.A.getPublic(), Compression.ZSTD, 4096);
        try (BackupWriter.ChunkOutputStream out = writer.stream("base.tar", Framing.ZSTD)) {
            out.write(framed, 0, framed.length / 2); // authentic chunks, but the frame stops halfway
            out.decodedBytes(data.length);
        }
        writer.complete(Map.of());

        try (BackupReader.Chunks c = BackupReader.open(repo, "b1", TestKeys.A.getPrivate()).chunks("base.tar")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
                while (c.next() != null) {
                    // read to the end
                }
            }).isInstanceOf(java.io.IOException.class).hasMessageContaining("ends inside a zstd frame");
        }
    }

    @Test
    void framedStream_withoutItsDecompressedSize_isNeverCompleted() throws Exception {
        Repository repo = new LocalRepository(dir);
        BackupWriter writer = BackupWriter.open(repo, "b1", TestKeys.A.getPublic(), Compression.ZSTD, 4096);
        try (OutputStream out = writer.stream("base.tar", Framing.ZSTD)) {
            out.write(com.github.luben.zstd.Zstd.compress(new byte[1000]));
        }

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> writer.complete(Map.of()))
                .hasMessageContaining("decompressed size");
        assertThat(BackupCatalog.list(repo)).noneMatch(b -> b.status() == BackupCatalog.Status.COMPLETE);
    }

    @Test
    void stream_writtenByteByByte_roundTrips() throws Exception {
        Repository repo = new LocalRepository(dir);
        BackupWriter writer = BackupWriter.open(repo, "b1", TestKeys.A.getPublic(), Compression.LZ4, 10);
        byte[] data = "byte by byte, across many ten-byte chunks".getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = writer.stream("s")) {
            for (byte b : data) {
                out.write(b);
            }
        }
        writer.complete(Map.of());
        BackupReader reader = BackupReader.open(repo, "b1", TestKeys.A.getPrivate());
        var in = reader.stream("s");
        byte[] read = new byte[data.length];
        for (int i = 0; i < data.length; i++) {
            read[i] = (byte) in.read();
        }
        assertThat(read).isEqualTo(data);
        assertThat(in.read()).isEqualTo(-1);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void repository_neverHoldsPlaintext(Compression compression) throws Exception {
        Repository repo = new LocalRepository(dir);
        byte[] marker = "KEEL-PLAINTEXT-MARKER-7f3a".getBytes(StandardCharsets.US_ASCII);
        byte[] data = "KEEL-PLAINTEXT-MARKER-7f3a ".repeat(5000).getBytes(StandardCharsets.US_ASCII);
        TestKeys.writeBackup(repo, "b1", TestKeys.A, compression, 1024, Map.of("base.tar", data));

        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).hasSizeGreaterThan(3);
        for (Path file : files) {
            assertThat(indexOf(Files.readAllBytes(file), marker)).as(file.toString()).isEqualTo(-1);
        }
        assertThat(TestKeys.readAll(BackupReader.open(repo, "b1", TestKeys.A.getPrivate()).stream("base.tar")))
                .isEqualTo(data);
    }

    @Test
    void manifest_recordsTotalsChunksAndMetadata() throws Exception {
        Repository repo = new LocalRepository(dir);
        TestKeys.writeBackup(repo, "b1", TestKeys.A, Compression.ZSTD, 1024, Map.of("s", new byte[2500]));
        String json = Files.readString(dir.resolve("backups/b1/manifest.json"));
        assertThat(json).contains("\"keyId\": \"" + BackupKeys.keyId(TestKeys.A.getPublic()) + "\"",
                "\"compression\": \"zstd\"", "\"chunkSize\": 1024", "\"rawBytes\": 2500", "\"kind\": \"test\"",
                "\"sha256\": ", "\"storedSize\": ", "\"sealedDataKey\": ");
        assertThat(dir.resolve("backups/b1/data/s/000002.chunk")).exists();
        assertThat(dir.resolve("backups/b1/COMPLETE")).exists();
    }

    @Test
    void open_existingBackupId_isUsageError() {
        Repository repo = new LocalRepository(dir);
        TestKeys.writeBackup(repo, "b1", TestKeys.A, Compression.ZSTD, 1024, Map.of("s", new byte[10]));
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> BackupWriter.open(repo, "b1", TestKeys.A.getPublic(), Compression.ZSTD))
                .isInstanceOf(BackupException.class).hasMessageContaining("already exists")
                .satisfies(e -> assertThat(((BackupException) e).exitCode()).isEqualTo(2));
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
