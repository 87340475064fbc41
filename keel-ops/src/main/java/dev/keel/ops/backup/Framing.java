package dev.keel.ops.backup;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * The compressed format of a stream that arrived compressed: PostgreSQL 15+ compresses a base backup on the server
 * ({@code pg_basebackup --compress=server-zstd} or {@code server-lz4}) into zstd or lz4 frames, which Keel stores as
 * they come (encrypted, not compressed again) and decompresses when it reads them. The server's lz4 frames link each
 * block to the one before, which lz4-java's frame reader does not support: {@link Lz4FrameReader} reads them.
 */
enum Framing {
    ZSTD,
    LZ4;

    /** The name written into manifests: {@code zstd} or {@code lz4}. */
    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Framing fromId(String id) {
        for (Framing f : values()) {
            if (f.id().equals(id)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown framing '" + id + "'");
    }

    /** The framing PostgreSQL's server-side compression gives for a backup's compression; none where Keel compresses. */
    static java.util.Optional<Framing> of(Compression compression) {
        return switch (compression) {
            case ZSTD -> java.util.Optional.of(ZSTD);
            case LZ4 -> java.util.Optional.of(LZ4);
            case NONE -> java.util.Optional.empty();
        };
    }

    /** The decompressed bytes of {@code framed}; closing the result closes {@code framed}. */
    InputStream decode(InputStream framed) throws IOException {
        return switch (this) {
            case ZSTD -> new ZstdInputStreamNoFinalizer(framed);
            case LZ4 -> new Lz4FrameReader(framed, true);
        };
    }

    /**
     * Decompresses one whole frame, {@code src[0, srcLength)}, into {@code dst[0, dstLength)}; a frame that does not
     * decode to exactly {@code dstLength} bytes is an IOException.
     */
    void decodeFrame(byte[] src, int srcLength, byte[] dst, int dstLength) throws IOException {
        switch (this) {
            case ZSTD -> {
                long n = com.github.luben.zstd.Zstd.decompressByteArray(dst, 0, dstLength, src, 0, srcLength);
                if (com.github.luben.zstd.Zstd.isError(n)) {
                    throw new IOException("a zstd frame does not decompress: " + com.github.luben.zstd.Zstd.getErrorName(n));
                }
                if (n != dstLength) {
                    throw new IOException("a zstd frame decompresses to " + n + " bytes, not " + dstLength);
                }
            }
            case LZ4 -> {
                try (Lz4FrameReader in = new Lz4FrameReader(new java.io.ByteArrayInputStream(src, 0, srcLength), true)) {
                    int n = in.readNBytes(dst, 0, dstLength);
                    if (n != dstLength || in.read() != -1) {
                        throw new IOException("an lz4 frame does not decompress to " + dstLength + " bytes");
                    }
                }
            }
        }
    }

    /** A decoder of {@code framed} into direct buffers, for writing with a file channel without a copy. */
    DirectDecoder directDecoder(InputStream framed) {
        return switch (this) {
            case ZSTD -> new DirectZstd(framed);
            case LZ4 -> new Lz4FrameReader(framed, false);
        };
    }

    /**
     * A compressor of independent frames in this format, for one thread at a time: Keel's own reading of the data
     * directory ({@link DirectBackup}) compresses the tar in frames of whole blocks, so pieces can be compressed in
     * parallel and the frames concatenated in order, which decodes as one stream, and each frame decodes alone.
     */
    Encoder encoder() {
        return switch (this) {
            case ZSTD -> new ZstdEncoder();
            case LZ4 -> new Lz4Encoder();
        };
    }

    /** See {@link #encoder()}. Works on direct buffers, so the compressors read and write them in place. */
    interface Encoder extends AutoCloseable {
        /** The most bytes a frame of {@code length} input bytes takes. */
        int maxFrame(int length);

        /**
         * Compresses {@code src[0, length)} (a direct buffer) into one frame at the start of {@code dst} (direct, of
         * at least {@link #maxFrame} bytes); returns the frame's length. Positions and limits are left alone.
         */
        int frame(ByteBuffer src, int length, ByteBuffer dst);

        @Override
        void close();
    }

    /** zstd at level 1, as the server compresses (see BaseBackups.serverCompression). */
    private static final class ZstdEncoder implements Encoder {
        private final com.github.luben.zstd.ZstdCompressCtx ctx = new com.github.luben.zstd.ZstdCompressCtx().setLevel(1);

        @Override
        public int maxFrame(int length) {
            return (int) com.github.luben.zstd.Zstd.compressBound(length);
        }

        @Override
        public int frame(ByteBuffer src, int length, ByteBuffer dst) {
            return ctx.compressDirectByteBuffer(dst, 0, dst.capacity(), src, 0, length);
        }

        @Override
        public void close() {
            ctx.close();
        }
    }

    /**
     * lz4 frames of independent 256 KiB blocks, as the server's {@code server-lz4} writes them (but not linked, so
     * each block is compressed on its own), without checksums (the chunks carry GCM tags and SHA-256s), at lz4's
     * default speed. A block that does not shrink is stored as it is. lz4 looks back 64 KiB at most, so larger
     * blocks compress no better, and smaller ones stay in the CPU's cache: a 2.1 GB backup took 1.56-1.69 s against
     * 1.71-1.81 s with 4 MiB blocks (3 alternating pairs, bench/RESULTS.md).
     */
    private static final class Lz4Encoder implements Encoder {
        private static final int BLOCK = 256 << 10;
        private static final byte FLG = 0x60; // version 01, independent blocks
        private static final byte BD = 0x50; // 256 KiB blocks
        private static final byte HC = (byte) (net.jpountz.xxhash.XXHashFactory.fastestJavaInstance().hash32()
                .hash(new byte[] {FLG, BD}, 0, 2, 0) >>> 8);
        private final net.jpountz.lz4.LZ4Compressor lz4 = net.jpountz.lz4.LZ4Factory.fastestInstance().fastCompressor();

        @Override
        public int maxFrame(int length) {
            int blocks = Math.max(1, (length + BLOCK - 1) / BLOCK);
            return 7 + blocks * (4 + lz4.maxCompressedLength(BLOCK)) + 4; // header, blocks, end mark
        }

        @Override
        public int frame(ByteBuffer src, int length, ByteBuffer dst) {
            ByteBuffer out = dst.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).clear();
            out.putInt(0x184D2204).put(FLG).put(BD).put(HC);
            for (int done = 0; done < length; done += BLOCK) {
                int n = Math.min(BLOCK, length - done);
                int at = out.position();
                int packed = lz4.compress(src, done, n, out, at + 4, lz4.maxCompressedLength(n));
                if (packed >= n) { // stored: the size's high bit says so
                    out.putInt(at, n | 0x80000000).position(at + 4).put(src.duplicate().clear().position(done).limit(done + n));
                } else {
                    out.putInt(at, packed).position(at + 4 + packed);
                }
            }
            out.putInt(0); // end mark
            return out.position();
        }

        @Override
        public void close() {
            // nothing held outside the heap
        }
    }

    /** Decompresses into direct buffers; closing it does not close its input. */
    interface DirectDecoder extends java.io.Closeable {
        /** Fills {@code out} or decompresses everything there is; throws when the input ends inside a frame. */
        void fill(ByteBuffer out) throws IOException;

        /** Whether more decompressed bytes remain. */
        boolean hasRemaining();
    }

    /** zstd from a stream of compressed bytes into direct buffers, through a direct source buffer it refills. */
    private static final class DirectZstd extends com.github.luben.zstd.ZstdDirectBufferDecompressingStreamNoFinalizer
            implements DirectDecoder {
        private final InputStream framed;
        private final byte[] staging;
        private boolean ended;

        DirectZstd(InputStream framed) {
            super(ByteBuffer.allocateDirect(128 * 1024).flip());
            this.framed = framed;
            this.staging = new byte[128 * 1024];
        }

        @Override
        protected ByteBuffer refill(ByteBuffer toRefill) {
            toRefill.clear();
            try {
                int n = ended ? -1 : framed.read(staging, 0, Math.min(staging.length, toRefill.capacity()));
                if (n > 0) {
                    toRefill.put(staging, 0, n);
                } else {
                    ended = true;
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return toRefill.flip();
        }

        @Override
        public void fill(ByteBuffer out) throws IOException {
            while (out.hasRemaining() && hasRemaining()) {
                if (read(out) == 0 && ended && !source.hasRemaining()) {
                    throw new IOException("the compressed stream ends inside a zstd frame");
                }
            }
        }
    }
}

