package dev.keel.ops.backup;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import net.jpountz.lz4.LZ4FrameInputStream;

/**
 * The compressed format of a stream that arrived compressed: PostgreSQL 15+ compresses a base backup on the server
 * ({@code pg_basebackup --compress=server-zstd|server-lz4}) into zstd or lz4 frames, which Keel stores as they come
 * (encrypted, not compressed again) and decompresses when it reads them.
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

    /** The framing PostgreSQL's server-side compression gives for a backup's compression; none for {@code none}. */
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
            case LZ4 -> new LZ4FrameInputStream(framed);
        };
    }
}
