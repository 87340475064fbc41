package dev.keel.ops.backup;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Reads the LZ4 frame format (lz4's {@code lz4_Frame_format.md}) as PostgreSQL's server-side compression writes it
 * ({@code pg_basebackup --compress=server-lz4}): 256 KiB blocks, each linked to the 64 KiB decoded before it, which
 * lz4-java's frame reader refuses and its block decompressors cannot see. So the blocks are decoded here, into a
 * window that keeps the 64 KiB of history, as fast as zstd-jni decompresses the same tar (bench/BackupStages.java:
 * 0.41-0.46 s of CPU against 0.47 s for 2.1 GB).
 *
 * <p>Frames may follow one another and skippable frames are skipped. Every length and back-reference is checked, so
 * damaged input ends in an {@link IOException}, never in bytes from outside the frame. Block and content checksums
 * are skipped, not checked: the chunks they arrive in are authenticated (AES-GCM) before they get here. Not
 * thread-safe.
 */
final class Lz4FrameReader extends InputStream implements Framing.DirectDecoder {
    private static final int MAGIC = 0x184D2204;
    private static final int SKIPPABLE = 0x184D2A50; // the low four bits are free
    private static final int HISTORY = 64 * 1024;

    private final InputStream in;
    private final boolean closesInput;
    private final byte[] word = new byte[4];
    private byte[] block = new byte[0];
    private byte[] window = new byte[0];
    /** Decoded bytes not yet read are {@code window[pos, end)}; back-references may reach to {@code low}. */
    private int pos;
    private int end;
    private int low;
    private boolean inFrame;
    private boolean finished;
    private int blockMax;
    private boolean independent;
    private boolean blockChecksums;
    private boolean contentChecksum;
    private long contentSize = -1;
    private long frameDecoded;

    /** {@code closesInput}: whether {@link #close()} closes {@code in} (as a stream), or leaves it (as a decoder). */
    Lz4FrameReader(InputStream in, boolean closesInput) {
        this.in = in;
        this.closesInput = closesInput;
    }

    @Override
    public int read() throws IOException {
        return decoded() ? window[pos++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (!decoded()) {
            return -1;
        }
        int n = Math.min(len, end - pos);
        System.arraycopy(window, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public void fill(ByteBuffer out) throws IOException {
        while (out.hasRemaining() && decoded()) {
            int n = Math.min(out.remaining(), end - pos);
            out.put(window, pos, n);
            pos += n;
        }
    }

    @Override
    public boolean hasRemaining() {
        try {
            return decoded();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        finished = true;
        if (closesInput) {
            in.close();
        }
    }

    /** Decodes blocks until there are unread bytes; false at the clean end of the input. */
    private boolean decoded() throws IOException {
        while (pos == end) {
            if (finished) {
                return false;
            }
            if (!inFrame && !frameHeader()) {
                finished = true;
                return false;
            }
            if (inFrame) {
                nextBlock();
            }
        }
        return true;
    }

    /** Reads up to the next frame's first block; false at the end of the input, between frames. */
    private boolean frameHeader() throws IOException {
        int magic;
        while (true) {
            int first = in.read();
            if (first < 0) {
                return false;
            }
            word[0] = (byte) first;
            readFully(word, 1, 3);
            magic = intLe(word, 0);
            if ((magic & 0xFFFFFFF0) != SKIPPABLE) {
                break;
            }
            readFully(word, 0, 4);
            in.skipNBytes(Integer.toUnsignedLong(intLe(word, 0))); // EOFException when the input ends first
        }
        if (magic != MAGIC) {
            throw new IOException(String.format("not an lz4 frame (magic 0x%08x)", magic));
        }
        byte[] descriptor = new byte[2 + 8 + 1];
        readFully(descriptor, 0, 2);
        int flg = descriptor[0] & 0xFF;
        int bd = descriptor[1] & 0xFF;
        if (flg >>> 6 != 1 || (flg & 0x02) != 0 || (bd & 0x8F) != 0) {
            throw new IOException("unsupported lz4 frame descriptor (version or reserved bits)");
        }
        if ((flg & 0x01) != 0) {
            throw new IOException("lz4 frames compressed with a dictionary are not supported");
        }
        int sizeId = (bd >>> 4) & 7;
        if (sizeId < 4) {
            throw new IOException("unsupported lz4 block size id " + sizeId);
        }
        independent = (flg & 0x20) != 0;
        blockChecksums = (flg & 0x10) != 0;
        contentChecksum = (flg & 0x04) != 0;
        int length = 2;
        contentSize = -1;
        if ((flg & 0x08) != 0) {
            readFully(descriptor, 2, 8);
            contentSize = intLe(descriptor, 2) & 0xFFFFFFFFL | (long) intLe(descriptor, 6) << 32;
            length = 10;
        }
        readFully(descriptor, length, 1);
        int expected = XXHashFactory.fastestJavaInstance().hash32().hash(descriptor, 0, length, 0) >>> 8 & 0xFF;
        if ((descriptor[length] & 0xFF) != expected) {
            throw new IOException("the lz4 frame descriptor's checksum does not match");
        }
        blockMax = 1 << (8 + 2 * sizeId);
        if (block.length < blockMax) {
            block = new byte[blockMax];
            window = Arrays.copyOf(window, HISTORY + Math.max(4 << 20, 2 * blockMax));
        }
        low = end; // no reference reaches into an earlier frame
        frameDecoded = 0;
        inFrame = true;
        return true;
    }

    /** Decodes the next block after {@code end}, or finishes the frame at its end mark. */
    private void nextBlock() throws IOException {
        readFully(word, 0, 4);
        int header = intLe(word, 0);
        if (header == 0) { // the end mark
            if (contentChecksum) {
                readFully(word, 0, 4);
            }
            if (contentSize >= 0 && frameDecoded != contentSize) {
                throw new IOException("an lz4 frame decoded to " + frameDecoded + " bytes, its header says "
                        + contentSize);
            }
            inFrame = false;
            return;
        }
        int size = header & 0x7FFFFFFF;
        if (size > blockMax) {
            throw new IOException("an lz4 block of " + size + " bytes, more than the frame's " + blockMax);
        }
        if (end + blockMax > window.length) { // keep the last 64 KiB of the frame as history
            int keep = Math.min(HISTORY, end - low);
            int shift = end - keep;
            System.arraycopy(window, shift, window, 0, keep);
            pos = end = keep;
            low = Math.max(0, low - shift);
        }
        int start = end;
        if (header < 0) { // stored as is
            readFully(window, end, size);
            end += size;
        } else {
            readFully(block, 0, size);
            end = decodeBlock(block, size, window, end, independent ? end : low, end + blockMax);
        }
        if (blockChecksums) {
            readFully(word, 0, 4);
        }
        frameDecoded += end - start;
    }

    /**
     * Decodes the lz4 block {@code src[0, length)} into {@code dst} from {@code dp}, writing below {@code limit} and
     * copying matches from no lower than {@code low}; returns the end of the decoded bytes.
     */
    static int decodeBlock(byte[] src, int length, byte[] dst, int dp, int low, int limit) throws IOException {
        int sp = 0;
        while (true) {
            if (sp >= length) {
                throw corrupt("ends before its last literals");
            }
            int token = src[sp++] & 0xFF;
            int literals = token >>> 4;
            if (literals == 15) {
                int next = lengthEnd(src, sp, length, "a literal length");
                literals += sum(src, sp, next);
                sp = next;
            }
            if (literals > length - sp || literals > limit - dp) {
                throw corrupt("has a literal run past its end");
            }
            System.arraycopy(src, sp, dst, dp, literals);
            sp += literals;
            dp += literals;
            if (sp == length) {
                return dp;
            }
            if (length - sp < 2) {
                throw corrupt("ends inside a match offset");
            }
            int offset = (src[sp] & 0xFF) | (src[sp + 1] & 0xFF) << 8;
            sp += 2;
            if (offset == 0 || offset > dp - low) {
                throw corrupt("refers to data before its window");
            }
            int match = token & 15;
            if (match == 15) {
                int next = lengthEnd(src, sp, length, "a match length");
                match += sum(src, sp, next);
                sp = next;
            }
            match += 4;
            if (match > limit - dp) {
                throw corrupt("decodes past the frame's block size");
            }
            int from = dp - offset;
            if (offset >= match) {
                System.arraycopy(dst, from, dst, dp, match);
                dp += match;
            } else if (offset == 1) {
                Arrays.fill(dst, dp, dp + match, dst[from]);
                dp += match;
            } else { // overlapping: the pattern repeats, copied in runs that do not overlap
                int stop = dp + match;
                while (dp < stop) {
                    int n = Math.min(dp - from, stop - dp);
                    System.arraycopy(dst, from, dst, dp, n);
                    dp += n;
                }
            }
        }
    }

    /**
     * Where the bytes that extend a token's length (15, then bytes added up to the first one below 255) end, when
     * they start at {@code src[sp]}.
     */
    private static int lengthEnd(byte[] src, int sp, int length, String what) throws IOException {
        while (true) {
            if (sp >= length) {
                throw corrupt("ends inside " + what);
            }
            if ((src[sp++] & 0xFF) != 255) {
                return sp;
            }
        }
    }

    private static int sum(byte[] src, int from, int to) {
        int total = 0;
        for (int i = from; i < to; i++) {
            total += src[i] & 0xFF;
        }
        return total;
    }

    private static IOException corrupt(String what) {
        return new IOException("a damaged lz4 block: it " + what);
    }

    private void readFully(byte[] b, int off, int len) throws IOException {
        if (in.readNBytes(b, off, len) != len) {
            throw new EOFException("the compressed stream ends inside an lz4 frame");
        }
    }

    private static int intLe(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16 | (b[off + 3] & 0xFF) << 24;
    }
}
