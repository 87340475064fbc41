package dev.keel.ops.backup;

import com.github.luben.zstd.Zstd;
import java.util.Locale;
import net.jpountz.lz4.LZ4Factory;

/** How each chunk is compressed before it is encrypted. */
public enum Compression {
    /** zstd at level 3: the default, a good ratio at streaming speed. */
    ZSTD,
    /** lz4: faster, a lower ratio. */
    LZ4,
    /** Stored as is (already compressed input). */
    NONE;

    private static final int ZSTD_LEVEL = 3;
    private static final LZ4Factory LZ4_FACTORY = LZ4Factory.fastestInstance();

    /** The name written into manifests: {@code zstd}, {@code lz4}, {@code none}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@link #id()}; an unknown name is a usage error naming the accepted ones. */
    public static Compression fromId(String id) {
        for (Compression c : values()) {
            if (c.id().equals(id)) {
                return c;
            }
        }
        throw BackupException.usage("unknown compression '" + id + "'", "use one of zstd, lz4, none");
    }

    byte[] compress(byte[] raw, int length) {
        return switch (this) {
            case ZSTD -> {
                byte[] out = new byte[(int) Zstd.compressBound(length)];
                long n = Zstd.compressByteArray(out, 0, out.length, raw, 0, length, ZSTD_LEVEL);
                if (Zstd.isError(n)) {
                    throw BackupException.runtime("zstd compression failed: " + Zstd.getErrorName(n));
                }
                yield java.util.Arrays.copyOf(out, (int) n);
            }
            case LZ4 -> LZ4_FACTORY.fastCompressor().compress(raw, 0, length);
            case NONE -> java.util.Arrays.copyOf(raw, length);
        };
    }

    /** Decompresses to exactly {@code rawLength} bytes or throws {@link IllegalStateException}. */
    byte[] decompress(byte[] stored, int rawLength) {
        byte[] out = switch (this) {
            case ZSTD -> {
                byte[] buf = new byte[rawLength];
                long n = Zstd.decompressByteArray(buf, 0, rawLength, stored, 0, stored.length);
                if (Zstd.isError(n)) {
                    throw new IllegalStateException("zstd: " + Zstd.getErrorName(n));
                }
                yield n == rawLength ? buf : java.util.Arrays.copyOf(buf, (int) n);
            }
            case LZ4 -> LZ4_FACTORY.safeDecompressor().decompress(stored, rawLength);
            case NONE -> stored;
        };
        if (out.length != rawLength) {
            throw new IllegalStateException("decompressed to " + out.length + " bytes, expected " + rawLength);
        }
        return out;
    }
}
