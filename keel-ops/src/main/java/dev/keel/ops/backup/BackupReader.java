package dev.keel.ops.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Reads a complete backup with its private key, checking every chunk's GCM tag as it goes (a chunk that fails it is
 * named corrupt when its SHA-256 also differs from the manifest's); {@link #verify} checks a backup without any key.
 */
public final class BackupReader {

    private final Repository repository;
    private final Manifest manifest;
    private final SecretKey dataKey;

    private BackupReader(Repository repository, Manifest manifest, SecretKey dataKey) {
        this.repository = repository;
        this.manifest = manifest;
        this.dataKey = dataKey;
    }

    /**
     * Starts loading the native crypto provider on a background thread and returns at once. A caller about to
     * restore or verify calls it first, so the load overlaps reading the project and the repository.
     */
    public static void warmUp() {
        Warmup.decrypt();
    }

    /** Opens a complete backup; the wrong private key is reported, naming both key ids, before any decryption. */
    public static BackupReader open(Repository repository, String backupId, PrivateKey privateKey) {
        Objects.requireNonNull(repository, "null repository");
        Names.check("backup id", backupId);
        Objects.requireNonNull(privateKey, "null privateKey");
        if (!repository.exists(Names.complete(backupId))) {
            throw BackupException.usage("backup " + backupId + " is not complete",
                    "restore from a backup that BackupCatalog lists as complete");
        }
        Warmup.decrypt();
        Manifest manifest = Manifest.read(repository, backupId);
        byte[] raw = Sealing.open(manifest, privateKey);
        SecretKey key = new SecretKeySpec(raw, "AES");
        Arrays.fill(raw, (byte) 0);
        return new BackupReader(repository, manifest, key);
    }

    /**
     * A complete backup's metadata, readable without its key: the caller's metadata plus {@code rawBytes} and
     * {@code storedBytes}. Read from the {@code COMPLETE} marker (a few hundred bytes), or from the manifest for
     * backups whose marker holds no summary.
     */
    public static Map<String, String> metadataOf(Repository repository, String backupId) {
        Objects.requireNonNull(repository, "null repository");
        Names.check("backup id", backupId);
        Optional<Map<String, String>> summary = Manifest.readSummary(repository, backupId);
        if (summary.isPresent()) {
            return summary.get();
        }
        Manifest manifest = Manifest.read(repository, backupId);
        Map<String, String> out = new java.util.LinkedHashMap<>(manifest.metadata());
        out.put("rawBytes", String.valueOf(manifest.rawBytes()));
        out.put("storedBytes", String.valueOf(manifest.storedBytes()));
        return out;
    }

    /** The names of the backup's streams, in the order they were written. */
    public List<String> streams() {
        return manifest.streams().stream().map(Manifest.StreamEntry::name).toList();
    }

    /** The caller's metadata given when the backup completed. */
    public Map<String, String> metadata() {
        return manifest.metadata();
    }

    /** The id of the key the backup is sealed to. */
    public String keyId() {
        return manifest.keyId();
    }

    /**
     * The decrypted, decompressed bytes of stream {@code name}. A missing, damaged or misplaced chunk makes
     * {@code read} throw a {@link BackupException} naming the stream and chunk.
     */
    public InputStream stream(String name) {
        ChunkInputStream chunks = chunkStream(name);
        if (chunks.entry.framing() == null) {
            return chunks;
        }
        try {
            return chunks.entry.framing().decode(chunks);
        } catch (IOException e) {
            chunks.close();
            throw problem(name, 0, "does not decompress (" + chunks.entry.framing().id() + "): " + e.getMessage());
        }
    }

    /**
     * Stream {@code name} a whole decrypted chunk at a time, for readers that take the buffers as they are; a framed
     * stream is decompressed ahead of the reader, on a thread of its own, into direct buffers that a file channel
     * writes without copying them first.
     */
    Chunks chunks(String name) {
        ChunkInputStream chunks = chunkStream(name);
        return chunks.entry.framing() == null ? chunks : new DecodedChunks(name, chunks.entry.framing(), chunks);
    }

    /**
     * The size of a framed stream's decompressed buffers. The restore's writes hold a few of them at a time, so
     * smaller ones keep less memory touched (each fresh page is a fault) without more system calls: the writers
     * write at most 1 MiB per call anyway.
     */
    private static final int DECODED = 1 << 20;

    /**
     * A framed stream's decompressed bytes in direct buffers, decompressed on a thread of its own while the caller
     * works. Handed a heap array, {@code FileChannel.write} first copies it into a direct buffer (a quarter of a
     * restore's writing threads' time, bench/RESULTS.md); the decoder writes into these directly.
     */
    private static final class DecodedChunks implements Chunks {
        private final ArrayPipe<ByteBuffer> pipe = new ArrayPipe<>(READ_AHEAD);
        private final java.util.Queue<ByteBuffer> free = new java.util.concurrent.ConcurrentLinkedQueue<>();

        DecodedChunks(String name, Framing framing, InputStream framed) {
            Thread thread = new Thread(() -> {
                try (framed; Framing.DirectDecoder decoder = framing.directDecoder(framed)) {
                    while (true) {
                        ByteBuffer out = free.poll(); // only buffers the caller gave back: it may keep the others
                        out = out != null ? out.clear() : ByteBuffer.allocateDirect(DECODED);
                        decoder.fill(out);
                        out.flip();
                        if (out.hasRemaining() && !pipe.put(out)) {
                            return; // closed by the reader
                        }
                        if (!decoder.hasRemaining()) {
                            break;
                        }
                    }
                    pipe.end();
                } catch (IOException | RuntimeException e) {
                    Throwable c = e instanceof java.io.UncheckedIOException u ? u.getCause() : e;
                    pipe.fail(c instanceof BackupException be ? be // a missing or damaged chunk, named
                            : new IOException("decompressing the backup failed: " + c.getMessage(), c));
                }
            }, "keel-decode-" + name);
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public ByteBuffer next() throws IOException {
            return pipe.take();
        }

        @Override
        public void recycle(ByteBuffer chunk) {
            if (chunk.isDirect() && chunk.capacity() == DECODED) {
                free.add(chunk);
            }
        }

        /** Stops the decompressing thread at its next buffer; it closes the stream itself, never under a read. */
        @Override
        public void close() {
            pipe.abandon();
        }
    }

    /**
     * As {@link #stream(String)} for a stream that was not stored framed, but the chunks {@code wanted} does not
     * hold read as zeros, never fetched from the repository nor decrypted: a chain restore reads only the chunks
     * that hold blocks it writes. (A framed stream's chunks cannot be skipped: its frames run across them.)
     */
    InputStream stream(String name, java.util.BitSet wanted) {
        if (framing(name) != null) {
            throw new IllegalArgumentException("stream " + name + " is framed: its chunks cannot be read apart");
        }
        return storedStream(name, wanted);
    }

    /**
     * The bytes of stream {@code name} as stored, before any decompression of its frames (see {@link FrameIndex}),
     * the chunks {@code wanted} does not hold read as zeros, never fetched nor decrypted.
     */
    InputStream storedStream(String name, java.util.BitSet wanted) {
        ChunkInputStream chunks = chunkStream(name);
        chunks.wanted = wanted;
        chunks.zeros = new byte[chunks.fullSize]; // set here, before the loading thread starts, and only ever read
        return chunks;
    }

    /** The compressed format stream {@code name}'s frames are in, or null for a stream stored as it was written. */
    Framing framing(String name) {
        return entry(name).framing();
    }

    /** The size of each chunk of stream {@code name} before compression, in order. */
    long[] chunkSizes(String name) {
        return entry(name).chunks().stream().mapToLong(Manifest.ChunkEntry::size).toArray();
    }

    private Manifest.StreamEntry entry(String name) {
        return manifest.streams().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> BackupException.usage("backup " + manifest.backupId() + " has no stream " + name,
                        "streams: " + streams()));
    }

    private ChunkInputStream chunkStream(String name) {
        Manifest.StreamEntry entry = entry(name);
        if (entry.chunks().isEmpty()) {
            throw problem(entry.name(), 0, "has no chunks; the manifest is damaged");
        }
        return new ChunkInputStream(entry);
    }

    /**
     * Checks without the private key that the backup is complete and every chunk is present with its
     * recorded size and SHA-256. Returns one line per problem; empty means the backup is intact.
     */
    public static List<String> verify(Repository repository, String backupId) {
        Objects.requireNonNull(repository, "null repository");
        Names.check("backup id", backupId);
        List<String> problems = new ArrayList<>();
        if (!repository.exists(Names.complete(backupId))) {
            problems.add("backup " + backupId + " is not complete (no COMPLETE marker)");
        }
        Manifest manifest;
        try {
            manifest = Manifest.read(repository, backupId);
        } catch (BackupException e) {
            problems.add(e.getMessage());
            return problems;
        }
        Set<String> expected = new HashSet<>();
        for (Manifest.StreamEntry s : manifest.streams()) {
            if (s.chunks().isEmpty()) {
                problems.add("stream " + s.name() + " has no chunks");
            }
            for (int i = 0; i < s.chunks().size(); i++) {
                Manifest.ChunkEntry c = s.chunks().get(i);
                String path = Names.chunk(backupId, s.name(), c.index());
                expected.add(path);
                if (c.index() != i) {
                    problems.add("stream " + s.name() + " chunk " + i + ": manifest lists index " + c.index());
                }
                Optional<byte[]> bytes = repository.get(path);
                if (bytes.isEmpty()) {
                    problems.add("stream " + s.name() + " chunk " + c.index() + ": missing (" + path + ")");
                } else if (!HexFormat.of().formatHex(BackupKeys.sha256(bytes.get())).equals(c.sha256())) {
                    problems.add("stream " + s.name() + " chunk " + c.index() + ": SHA-256 mismatch (" + path + ")");
                }
            }
        }
        for (String path : repository.list(Names.data(backupId))) {
            if (!expected.contains(path)) {
                problems.add("unexpected file " + path + " (not in the manifest)");
            }
        }
        return problems;
    }

    private BackupException problem(String stream, long index, String what) {
        return BackupException.runtime("backup " + manifest.backupId() + " stream " + stream + " chunk " + index
                + " " + what, "run verify on the backup; restore from another copy or an older backup", null);
    }

    /** Chunks decrypted ahead of the reader, on a thread of the stream's own, so reading and restoring overlap. */
    private static final int READ_AHEAD = 2;

    /** A stream's decrypted chunks in order. */
    interface Chunks extends AutoCloseable {
        /**
         * The next chunk's bytes from its position to its limit (the caller may keep the buffer: a heap array's, or
         * a direct one), or null after the last one.
         */
        ByteBuffer next() throws IOException;

        /**
         * Gives back a buffer {@link #next} returned, once nothing reads it any more, so that it can be filled again
         * instead of allocating (and zeroing, and collecting) megabytes per chunk. Optional: a caller may keep
         * buffers; may be called from any thread.
         */
        default void recycle(ByteBuffer chunk) {
        }

        @Override
        void close();
    }

    /**
     * A stream's chunks, each read, checked and decrypted on one loading thread a few chunks ahead of the reader.
     * The loading thread keeps one buffer for the chunk file and one for its plaintext, and fills raw arrays the
     * reader gave back: allocating them per chunk cost more in page faults and garbage collection than the
     * decryption itself (a restore of 2 GB touched 260 MB of fresh heap).
     */
    private final class ChunkInputStream extends ArrayPipe.ArraysInputStream implements Chunks {
        private final Manifest.StreamEntry entry;
        private final java.util.ArrayDeque<java.util.concurrent.Future<byte[]>> ahead = new java.util.ArrayDeque<>();
        private java.util.concurrent.ExecutorService loader;
        private int next;
        private int requested;
        // Used by one thread at a time: the loading thread, or the reader's for a stream of one chunk.
        private final ChunkCipher.Opener opener = new ChunkCipher.Opener();
        private byte[] file = new byte[0];
        private final java.util.Queue<byte[]> free = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final int fullSize;
        // Chunks to fetch; the others read as zeros, all of them the one array (null: every chunk). Set before the
        // first read; consumed() never hands that array out to be filled.
        private java.util.BitSet wanted;
        private byte[] zeros;

        ChunkInputStream(Manifest.StreamEntry entry) {
            this.entry = entry;
            this.fullSize = (int) entry.chunks().get(0).size();
        }

        @Override
        public void recycle(ByteBuffer chunk) {
            if (chunk.hasArray()) {
                consumed(chunk.array());
            }
        }

        @Override
        protected void consumed(byte[] array) {
            if (array.length == fullSize && array.length > 0 && array != zeros) {
                free.add(array);
            }
        }

        private byte[] rawArray(int length) {
            byte[] a = length == fullSize ? free.poll() : null;
            return a != null ? a : new byte[length];
        }

        @Override
        protected byte[] nextArray() throws IOException {
            return next == entry.chunks().size() ? null : nextChunk();
        }

        @Override
        public ByteBuffer next() throws IOException {
            if (!betweenArrays()) {
                throw new IllegalStateException("read as a stream and by chunks at once");
            }
            byte[] next = nextArray();
            return next == null ? null : ByteBuffer.wrap(next);
        }

        private byte[] nextChunk() throws IOException {
            int total = entry.chunks().size();
            if (total == 1) {
                next++;
                return load(0);
            }
            if (loader == null) {
                loader = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "keel-open-" + entry.name());
                    t.setDaemon(true);
                    return t;
                });
            }
            while (requested < total && requested <= next + READ_AHEAD) {
                int i = requested++;
                ahead.add(loader.submit(() -> load(i)));
            }
            java.util.concurrent.Future<byte[]> f = ahead.poll();
            next++;
            try {
                return f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IOException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while reading stream " + entry.name());
            }
        }

        @Override
        public void close() {
            if (loader != null) {
                ahead.forEach(f -> f.cancel(true));
                ahead.clear();
                loader.shutdownNow();
            }
        }

        private byte[] load(int i) {
            Manifest.ChunkEntry c = entry.chunks().get(i);
            if (c.index() != i) {
                throw problem(entry.name(), i, "is listed out of order in the manifest");
            }
            if (wanted != null && !wanted.get(i)) {
                return c.size() == fullSize ? zeros : new byte[c.size()];
            }
            java.nio.ByteBuffer stored = repository.get(Names.chunk(manifest.backupId(), entry.name(), i), file)
                    .orElseThrow(() -> problem(entry.name(), i, "is missing"));
            file = stored.array();
            boolean last = i == entry.chunks().size() - 1;
            byte[] raw;
            try {
                raw = opener.open(dataKey, entry.chunkCompression(manifest.compression()), manifest.backupId(), entry.name(),
                        entry.noncePrefix(), i, last, file, stored.limit(), this::rawArray);
            } catch (GeneralSecurityException e) {
                // GCM's tag already proves an authentic chunk intact, so its SHA-256 is only taken to say which
                // failure this is: damaged in storage, or not this backup's chunk (bench/RESULTS.md: 0.1 s of CPU
                // per 2 GB restore saved).
                if (!sha256Matches(file, stored.limit(), c.sha256())) {
                    throw problem(entry.name(), i, "is corrupt (SHA-256 does not match the manifest)");
                }
                throw problem(entry.name(), i, "failed authentication (tampered, misplaced or stream truncated): "
                        + e.getMessage());
            }
            if (raw.length != c.size()) {
                throw problem(entry.name(), i, "has " + raw.length + " bytes, the manifest says " + c.size());
            }
            return raw;
        }

        private static boolean sha256Matches(byte[] file, int length, String expected) {
            try {
                return HexFormat.of().formatHex(Crypto.sha256(file, 0, length)).equals(expected);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("SHA-256 is not available", e);
            }
        }
    }
}
