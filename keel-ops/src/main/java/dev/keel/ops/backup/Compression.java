package dev.keel.ops.backup;

import com.github.luben.zstd.Zstd;
import java.util.Locale;
import net.jpountz.lz4.LZ4Factory;

/** How each chunk is compressed before it is encrypted. */
public enum Compression {
    /** zstd at level 1: the default, a good ratio at streaming speed. */
    ZSTD,
    /** lz4: faster, a lower ratio. */
    LZ4,
    /** Stored as is (already compressed input). */
    NONE;

    // Level 1: on a pgbench database it stores 1% less than level 3 at 1.3x the speed (bench/RESULTS.md).
    private static final int ZSTD_LEVEL = 1;

    /** lz4's native library loads on first use: a zstd backup or restore, or a listing, never needs it. */
    private static final class Lz4 {
        static final LZ4Factory FACTORY = LZ4Factory.fastestInstance();
    }

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

    /** The most {@link #compress(byte[], int, byte[])} can write for {@code length} raw bytes. */
    int maxCompressedLength(int length) {
        return switch (this) {
            case ZSTD -> (int) Zstd.compressBound(length);
            case LZ4 -> Lz4.FACTORY.fastCompressor().maxCompressedLength(length);
            case NONE -> length;
        };
    }

    /** Compresses {@code raw[0, length)} into {@code out} (at least {@link #maxCompressedLength} long); its length. */
    int compress(byte[] raw, int length, byte[] out) {
        return switch (this) {
            case ZSTD -> {
                long n = Zstd.compressByteArray(out, 0, out.length, raw, 0, length, ZSTD_LEVEL);
                if (Zstd.isError(n)) {
                    throw BackupException.runtime("zstd compression failed: " + Zstd.getErrorName(n));
                }
                yield (int) n;
            }
            case LZ4 -> Lz4.FACTORY.fastCompressor().compress(raw, 0, length, out, 0, out.length);
            case NONE -> {
                System.arraycopy(raw, 0, out, 0, length);
                yield length;
            }
        };
    }

    /**
     * Decompresses {@code stored[off, off + len)} into the whole of {@code out}, which has the raw length; throws
     * {@link IllegalStateException} when it does not decompress to exactly that many bytes.
     */
    void decompress(byte[] stored, int off, int len, byte[] out) {
        long n = switch (this) {
            case ZSTD -> Zstd.decompressByteArray(out, 0, out.length, stored, off, len);
            case LZ4 -> Lz4.FACTORY.safeDecompressor().decompress(stored, off, len, out, 0);
            case NONE -> {
                if (len == out.length) {
                    System.arraycopy(stored, off, out, 0, len);
                }
                yield len;
            }
        };
        if (this == ZSTD && Zstd.isError(n)) {
            throw new IllegalStateException("zstd: " + Zstd.getErrorName(n));
        }
        if (n != out.length) {
            throw new IllegalStateException("decompressed to " + n + " bytes, expected " + out.length);
        }
    }
}
