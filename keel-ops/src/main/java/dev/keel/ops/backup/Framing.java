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

    /** A decoder of {@code framed} into direct buffers, for writing with a file channel without a copy. */
    DirectDecoder directDecoder(InputStream framed) {
        return switch (this) {
            case ZSTD -> new DirectZstd(framed);
            case LZ4 -> new Lz4FrameReader(framed, false);
        };
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

