package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.lz4.LZ4FrameOutputStream.BLOCKSIZE;
import net.jpountz.lz4.LZ4FrameOutputStream.FLG;
import net.jpountz.xxhash.XXHashFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class Lz4FrameReaderTest {

    /**
     * {@code linked-blocks.lz4} is {@link #orders()} compressed by the lz4 command-line tool as PostgreSQL's server
     * compresses (blocks linked to the ones before), with 64 KiB blocks, block and content checksums and the content
     * size: {@code lz4 -BD -B4 -BX --content-size}.
     */
    @Test
    void linkedBlocks_thatLz4JavaRefuses_decodeToTheOriginal() throws IOException {
        byte[] framed = resource("linked-blocks.lz4");
        assertThatThrownBy(() -> new LZ4FrameInputStream(new ByteArrayInputStream(framed)).readAllBytes())
                .isInstanceOf(IOException.class);

        assertThat(new Lz4FrameReader(new ByteArrayInputStream(framed), true).readAllBytes()).isEqualTo(orders());
        assertThat(direct(framed, 1000)).isEqualTo(orders());
    }

    @ParameterizedTest
    @EnumSource(BLOCKSIZE.class)
    void whatLz4JavaWrites_decodesToTheOriginal_asAStreamAndIntoDirectBuffers(BLOCKSIZE size) throws IOException {
        Random random = new Random(size.ordinal());
        byte[] data = compressible(random, 3 * (1 << (8 + 2 * size.getIndicator())) + 12345);
        byte[] framed = lz4Java(data, size, FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.BLOCK_CHECKSUM,
                FLG.Bits.CONTENT_CHECKSUM);

        assertThat(new Lz4FrameReader(new ByteArrayInputStream(framed), true).readAllBytes()).isEqualTo(data);
        assertThat(direct(framed, 1 << 20)).isEqualTo(data);
        assertThat(direct(framed, 777)).isEqualTo(data);
    }

    @Test
    void incompressibleData_inStoredBlocks_andEmptyInput_decode() throws IOException {
        byte[] noise = new byte[300_000];
        new Random(7).nextBytes(noise);
        assertThat(new Lz4FrameReader(new ByteArrayInputStream(lz4Java(noise, BLOCKSIZE.SIZE_64KB)), true)
                .readAllBytes()).isEqualTo(noise);
        assertThat(new Lz4FrameReader(new ByteArrayInputStream(lz4Java(new byte[0], BLOCKSIZE.SIZE_64KB)), true)
                .readAllBytes()).isEmpty();
        assertThat(new Lz4FrameReader(new ByteArrayInputStream(new byte[0]), true).readAllBytes()).isEmpty();
    }

    @Test
    void framesFollowingOneAnother_withASkippableFrameBetween_decodeInOrder() throws IOException {
        byte[] one = "first frame, ".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        byte[] two = "second frame; ".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream framed = new ByteArrayOutputStream();
        framed.writeBytes(lz4Java(one, BLOCKSIZE.SIZE_64KB));
        framed.writeBytes(new byte[] {0x5A, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 9, 9, 9}); // skippable, 3 bytes
        framed.writeBytes(resource("linked-blocks.lz4"));
        framed.writeBytes(lz4Java(two, BLOCKSIZE.SIZE_256KB));

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(one);
        expected.writeBytes(orders());
        expected.writeBytes(two);
        assertThat(new Lz4FrameReader(new ByteArrayInputStream(framed.toByteArray()), true).readAllBytes())
                .isEqualTo(expected.toByteArray());
    }

    @Test
    void aTruncatedFrame_failsInsteadOfEndingEarly() {
        byte[] framed = resource("linked-blocks.lz4");
        for (int cut : new int[] {3, 6, 20, framed.length / 2, framed.length - 5}) {
            assertThatThrownBy(() -> new Lz4FrameReader(new ByteArrayInputStream(Arrays.copyOf(framed, cut)), true)
                    .readAllBytes()).as("cut at %d", cut)
                    .isInstanceOf(IOException.class).hasMessageContaining("ends inside an lz4 frame");
        }
    }

    @Test
    void damagedHeaders_areNamed() {
        byte[] framed = resource("linked-blocks.lz4");
        byte[] magic = framed.clone();
        magic[0] = 0x05;
        assertThatThrownBy(() -> read(magic)).hasMessage("not an lz4 frame (magic 0x184d2205)");
        byte[] descriptor = framed.clone();
        descriptor[5] = 0x50; // 256 KiB blocks: the header checksum no longer matches
        assertThatThrownBy(() -> read(descriptor)).hasMessageContaining("descriptor's checksum does not match");
        byte[] size = framed.clone();
        size[6]++; // the content size, with its checksum recomputed
        size[14] = (byte) (XXHashFactory.fastestJavaInstance().hash32().hash(size, 4, 10, 0) >>> 8);
        assertThatThrownBy(() -> read(size)).hasMessageContaining("its header says 262171");
    }

    @Test
    void aMatchReachingBeforeTheFrame_orPastTheBlockSize_isRefused() {
        // One literal 'a', then a match 5 bytes back: only 1 byte has been decoded.
        assertThatThrownBy(() -> read(frame(new byte[] {0x10, 'a', 5, 0, 0x10, 'b'})))
                .hasMessageContaining("refers to data before its window");
        // A match of 15 + 255 * 300 + 4 bytes: more than a 64 KiB block holds.
        byte[] block = new byte[2 + 2 + 300 + 1 + 2];
        block[0] = 0x1F;
        block[1] = 'a';
        block[2] = 1;
        Arrays.fill(block, 4, 304, (byte) 255);
        block[304] = 0;
        block[305] = 0x10;
        block[306] = 'b';
        assertThatThrownBy(() -> read(frame(block))).hasMessageContaining("decodes past the frame's block size");
        // A literal run longer than the block.
        assertThatThrownBy(() -> read(frame(new byte[] {(byte) 0x50, 'a', 'b'})))
                .hasMessageContaining("has a literal run past its end");
    }

    /** One linked frame of 64 KiB blocks holding the compressed {@code block}, with a valid header checksum. */
    private static byte[] frame(byte[] block) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = {0x04, 0x22, 0x4D, 0x18, 0x40, 0x40, 0};
        header[6] = (byte) (XXHashFactory.fastestJavaInstance().hash32().hash(header, 4, 2, 0) >>> 8);
        out.writeBytes(header);
        out.writeBytes(new byte[] {(byte) block.length, (byte) (block.length >>> 8), 0, 0});
        out.writeBytes(block);
        out.writeBytes(new byte[4]);
        return out.toByteArray();
    }

    private static byte[] read(byte[] framed) throws IOException {
        return new Lz4FrameReader(new ByteArrayInputStream(framed), true).readAllBytes();
    }

    private static byte[] direct(byte[] framed, int bufferSize) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Lz4FrameReader decoder = new Lz4FrameReader(new ByteArrayInputStream(framed), false);
        ByteBuffer buffer = ByteBuffer.allocateDirect(bufferSize);
        while (decoder.hasRemaining()) {
            decoder.fill(buffer.clear());
            buffer.flip();
            byte[] b = new byte[buffer.remaining()];
            buffer.get(b);
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    private static byte[] lz4Java(byte[] data, BLOCKSIZE size, FLG.Bits... bits) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LZ4FrameOutputStream lz4 = new LZ4FrameOutputStream(out, size, bits.length == 0
                ? new FLG.Bits[] {FLG.Bits.BLOCK_INDEPENDENCE} : bits)) {
            lz4.write(data);
        }
        return out.toByteArray();
    }

    /** Runs of repeated and random bytes, with repeats at every distance lz4 can reach. */
    private static byte[] compressible(Random random, int length) {
        byte[] data = new byte[length];
        int i = 0;
        while (i < length) {
            int run = Math.min(length - i, 1 + random.nextInt(300));
            switch (random.nextInt(3)) {
                case 0 -> Arrays.fill(data, i, i + run, (byte) random.nextInt(4));
                case 1 -> {
                    int from = Math.max(0, i - 1 - random.nextInt(65535));
                    for (int k = 0; k < run; k++) {
                        data[i + k] = data[from + k]; // overlapping when the distance is short
                    }
                }
                default -> {
                    for (int k = 0; k < run; k++) {
                        data[i + k] = (byte) random.nextInt(256);
                    }
                }
            }
            i += run;
        }
        return data;
    }

    /** The text in {@code linked-blocks.lz4}. */
    private static byte[] orders() {
        StringBuilder b = new StringBuilder();
        String[] status = {"paid", "shipped", "returned"};
        for (int i = 0; b.length() < 256 * 1024; i++) {
            b.append("order ").append(i).append(" for customer ").append(i * 7919 % 1000)
                    .append(" is ").append(status[i % 3]).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] resource(String name) {
        try (InputStream in = Lz4FrameReaderTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
