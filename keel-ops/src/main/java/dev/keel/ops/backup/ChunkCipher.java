package dev.keel.ops.backup;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Turns one chunk of a stream into the bytes of its chunk file, and back.
 *
 * <p>Implementation notes. A stream is cut into chunks of at most {@code chunkSize} raw bytes; every stream
 * has at least one chunk (an empty stream has one empty chunk), so every stream ends with a chunk flagged
 * "last". Each chunk is compressed on its own, then sealed with AES-256-GCM under the backup's random data key:
 * <pre>
 *   plaintext = rawLength (4 bytes, big-endian) || compress(raw)
 *   nonce     = noncePrefix (4 bytes, random per stream, unique within the backup) || chunkIndex (8 bytes)
 *   aad       = "keel-chunk-1" || len+backupId || len+streamName || chunkIndex (8) || last (1 byte)
 *   file      = "KLC1" || nonce || ciphertext || tag (16 bytes)
 * </pre>
 * A nonce never repeats under one key: the counter increases within a stream and the writer draws a fresh
 * prefix for each stream of a backup. Because the AAD binds the backup, stream, position and the last flag,
 * a chunk that is reordered, moved to another stream or backup, or a stream cut short after any chunk fails
 * the tag check. The SHA-256 of every file is also in the manifest, so damage is found without the key.
 * (The manifest itself is not authenticated; it only carries public information and the sealed key.)
 */
final class ChunkCipher {

    static final int TAG_BITS = 128;
    private static final byte[] MAGIC = "KLC1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AAD_LABEL = "keel-chunk-1".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER = MAGIC.length + 12;

    private ChunkCipher() {
    }

    static byte[] seal(SecretKey key, Compression compression, String backupId, String stream, int prefix,
                       long index, boolean last, byte[] raw, int length) throws GeneralSecurityException {
        ByteBuffer file = new Sealer().seal(key, compression, backupId, stream, prefix, index, last, raw, length);
        return Arrays.copyOf(file.array(), file.limit());
    }

    /**
     * Seals chunks one after another with one compression and one output buffer, for the thread that stores a
     * stream: a chunk costs no allocation (a fresh 4 MiB array is 1,024 page faults, and garbage to collect).
     */
    static final class Sealer {
        private byte[] packed = new byte[0];
        private byte[] out = new byte[0];

        /** The chunk file for {@code raw[0, length)}: a buffer over this sealer's array, valid until the next call. */
        ByteBuffer seal(SecretKey key, Compression compression, String backupId, String stream, int prefix,
                        long index, boolean last, byte[] raw, int length) throws GeneralSecurityException {
            byte[] payload = raw;
            int payloadLength = length;
            if (compression != Compression.NONE) {
                int bound = compression.maxCompressedLength(length);
                if (packed.length < bound) {
                    packed = new byte[bound];
                }
                payload = packed;
                payloadLength = compression.compress(raw, length, packed);
            }
            byte[] nonce = nonce(prefix, index);
            Cipher gcm = Crypto.gcm(payloadLength);
            gcm.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            gcm.updateAAD(aad(backupId, stream, index, last));
            int size = HEADER + gcm.getOutputSize(4 + payloadLength);
            if (out.length < size) {
                out = new byte[size];
            }
            System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
            System.arraycopy(nonce, 0, out, MAGIC.length, nonce.length);
            int n = gcm.update(ByteBuffer.allocate(4).putInt(length).array(), 0, 4, out, HEADER);
            n += gcm.doFinal(payload, 0, payloadLength, out, HEADER + n);
            return ByteBuffer.wrap(out, 0, HEADER + n);
        }

        /** Zeroes the compressed plaintext this sealer may still hold. */
        void wipe() {
            Arrays.fill(packed, (byte) 0);
        }
    }

    /** Opens a chunk file; throws {@link GeneralSecurityException} on any tampering. */
    static byte[] open(SecretKey key, Compression compression, String backupId, String stream, int prefix,
                       long index, boolean last, byte[] file) throws GeneralSecurityException {
        return new Opener().open(key, compression, backupId, stream, prefix, index, last, file, file.length, byte[]::new);
    }

    /**
     * Opens chunk files one after another with one decryption buffer, for a thread that reads a stream: a chunk
     * costs no allocation when the caller supplies the raw arrays from a pool.
     */
    static final class Opener {
        private byte[] plain = new byte[0];

        /**
         * Opens {@code file[0, length)} into an array {@code rawArray} gives for the chunk's raw length; throws
         * {@link GeneralSecurityException} on any tampering.
         */
        byte[] open(SecretKey key, Compression compression, String backupId, String stream, int prefix, long index,
                    boolean last, byte[] file, int length, java.util.function.IntFunction<byte[]> rawArray)
                throws GeneralSecurityException {
            byte[] nonce = nonce(prefix, index);
            if (length < HEADER + TAG_BITS / 8
                    || !Arrays.equals(file, 0, MAGIC.length, MAGIC, 0, MAGIC.length)
                    || !Arrays.equals(file, MAGIC.length, HEADER, nonce, 0, nonce.length)) {
                throw new GeneralSecurityException("bad chunk header (not chunk " + index + " of this stream)");
            }
            Cipher gcm = Crypto.gcm(length);
            gcm.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            gcm.updateAAD(aad(backupId, stream, index, last));
            int size = gcm.getOutputSize(length - HEADER);
            if (plain.length < size) {
                plain = new byte[size];
            }
            int n = gcm.doFinal(file, HEADER, length - HEADER, plain, 0);
            if (n < 4) {
                throw new GeneralSecurityException("authentic chunk has no length");
            }
            int rawLength = ByteBuffer.wrap(plain, 0, 4).getInt();
            if (rawLength < 0) {
                throw new GeneralSecurityException("authentic chunk has a negative length");
            }
            byte[] raw = rawArray.apply(rawLength);
            try {
                compression.decompress(plain, 4, n - 4, raw);
            } catch (RuntimeException e) {
                throw new GeneralSecurityException("authentic chunk does not decompress: " + e.getMessage(), e);
            }
            return raw;
        }
    }

    static byte[] nonce(int prefix, long index) {
        return ByteBuffer.allocate(12).putInt(prefix).putLong(index).array();
    }

    private static byte[] aad(String backupId, String stream, long index, boolean last) {
        byte[] id = backupId.getBytes(StandardCharsets.UTF_8);
        byte[] name = stream.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(AAD_LABEL.length + 4 + id.length + 4 + name.length + 9)
                .put(AAD_LABEL).putInt(id.length).put(id).putInt(name.length).put(name)
                .putLong(index).put((byte) (last ? 1 : 0)).array();
    }
}
