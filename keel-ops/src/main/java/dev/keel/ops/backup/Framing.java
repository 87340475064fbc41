package dev.keel.ops.backup;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * The compressed format of a stream that arrived compressed: PostgreSQL 15+ compresses a base backup on the server
 * ({@code pg_basebackup --compress=server-zstd}) into zstd frames, which Keel stores as they come (encrypted, not
 * compressed again) and decompresses when it reads them. The server's lz4 frames link each block to the one before,
 * which lz4-java's frame reader does not support, so lz4 backups are compressed by Keel.
 */
enum Framing {
    ZSTD;

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
            case LZ4, NONE -> java.util.Optional.empty();
        };
    }

    /** The decompressed bytes of {@code framed}; closing the result closes {@code framed}. */
    InputStream decode(InputStream framed) throws IOException {
        return switch (this) {
            case ZSTD -> new ZstdInputStreamNoFinalizer(framed);
        };
    }
}
