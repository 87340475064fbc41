package dev.keel.ops.backup;

import java.io.IOException;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Writes one backup: named streams, each chunked, compressed and encrypted as it is written (see
 * {@link ChunkCipher} for the format), then a manifest and, last of all, the {@code COMPLETE} marker.
 * Needs only a public key. Each stream holds about two chunks in memory. Streams may be written from
 * different threads, one thread per stream.
 */
public final class BackupWriter {

    /** The default chunk size, 4 MiB. */
    public static final int DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

    private final Repository repository;
    private final String backupId;
    private final Compression compression;
    private final int chunkSize;
    private final Instant created;
    private final Manifest.SealedKey sealedKey;
    private final SecretKey dataKey;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, ChunkOutputStream> streams = new LinkedHashMap<>();
    private final Set<Integer> prefixes = new HashSet<>();
    private boolean completed;

    private BackupWriter(Repository repository, String backupId, PublicKey key, Compression compression,
                         int chunkSize) {
        this.repository = repository;
        this.backupId = backupId;
        this.compression = compression;
        this.chunkSize = chunkSize;
        this.created = Instant.now();
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        this.sealedKey = new Manifest.SealedKey(BackupKeys.keyId(key), Sealing.seal(raw, key));
        this.dataKey = new SecretKeySpec(raw, "AES");
        Arrays.fill(raw, (byte) 0);
    }

    /** Opens a backup sealed to the repository's current public key, with the default chunk size. */
    public static BackupWriter open(Repository repository, String backupId, Compression compression) {
        Objects.requireNonNull(repository, "null repository");
        return open(repository, backupId, BackupKeys.currentPublicKey(repository), compression, DEFAULT_CHUNK_SIZE);
    }

    /** Opens a backup sealed to {@code key}, with the default chunk size. */
    public static BackupWriter open(Repository repository, String backupId, PublicKey key, Compression compression) {
        return open(repository, backupId, key, compression, DEFAULT_CHUNK_SIZE);
    }

    /**
     * Opens a new backup. First deletes incomplete backups left by earlier runs (one writer per repository
     * at a time is assumed); an existing backup of the same id is a usage error.
     */
    public static BackupWriter open(Repository repository, String backupId, PublicKey key, Compression compression,
                                    int chunkSize) {
        Objects.requireNonNull(repository, "null repository");
        Names.check("backup id", backupId);
        Objects.requireNonNull(key, "null key");
        Objects.requireNonNull(compression, "null compression");
        if (chunkSize < 1 || chunkSize > 256 * 1024 * 1024) {
            throw BackupException.usage("chunk size " + chunkSize + " is out of range", "use 1 byte to 256 MiB");
        }
        BackupCatalog.cleanIncomplete(repository);
        if (!repository.list(Names.dir(backupId)).isEmpty()) {
            throw BackupException.usage("backup " + backupId + " already exists", "choose another backup id");
        }
        Warmup.encrypt();
        return new BackupWriter(repository, backupId, key, compression, chunkSize);
    }

    /**
     * Starts loading the native crypto provider (or, where it does not load, getting the JIT to compile the JDK's
     * AES-GCM) on a background thread, and returns at once. A caller about to take a backup calls it as early as it
     * can: with PostgreSQL compressing on the server the first chunks arrive within milliseconds. {@link #open} does
     * it too, which may be too late.
     */
    public static void warmUp() {
        Warmup.encrypt();
    }

    public String backupId() {
        return backupId;
    }

    /** The id of the key this backup is sealed to. */
    public String keyId() {
        return sealedKey.keyId();
    }

    /** A new stream; closing it stores its last chunk. Each name may be used once per backup. */
    public synchronized OutputStream stream(String name) {
        return stream(name, null);
    }

    /**
     * A new stream of bytes that come compressed in {@code framing} (null: not compressed): its chunks are
     * encrypted without being compressed again. Before closing it, say how many bytes it decompresses to with
     * {@link ChunkOutputStream#decodedBytes(long)}.
     */
    synchronized ChunkOutputStream stream(String name, Framing framing) {
        Names.check("stream name", name);
        if (completed) {
            throw BackupException.usage("backup " + backupId + " is already complete", null);
        }
        if (streams.containsKey(name)) {
            throw BackupException.usage("backup " + backupId + " already has a stream " + name, null);
        }
        int prefix;
        do {
            prefix = random.nextInt();
        } while (!prefixes.add(prefix));
        ChunkOutputStream out = new ChunkOutputStream(name, prefix, framing);
        streams.put(name, out);
        return out;
    }

    /**
     * Writes the manifest durably, then the {@code COMPLETE} marker. Every stream must be closed. Before the
     * marker is written every chunk is checked to be present, so a backup whose chunks went missing meanwhile
     * is never marked complete.
     */
    public synchronized void complete(Map<String, String> metadata) {
        Objects.requireNonNull(metadata, "null metadata");
        if (completed) {
            throw BackupException.usage("backup " + backupId + " is already complete", null);
        }
        List<Manifest.StreamEntry> entries = new ArrayList<>();
        for (ChunkOutputStream s : streams.values()) {
            if (!s.closed) {
                throw BackupException.usage("stream " + s.name + " of backup " + backupId + " is still open",
                        "close every stream before completing the backup");
            }
            for (Manifest.ChunkEntry c : s.chunks) {
                if (!repository.exists(Names.chunk(backupId, s.name, c.index()))) {
                    throw BackupException.runtime("chunk " + c.index() + " of stream " + s.name + " of backup "
                                    + backupId + " vanished before the backup completed",
                            "check that no other process cleaned the repository meanwhile; take the backup again", null);
                }
            }
            if (s.framing != null && s.decodedBytes < 0) {
                throw BackupException.usage("stream " + s.name + " of backup " + backupId + " is framed but its "
                        + "decompressed size was never given", null);
            }
            List<Manifest.ChunkEntry> inOrder = new ArrayList<>(s.chunks); // sealed in parallel, perhaps out of order
            inOrder.sort(java.util.Comparator.comparingLong(Manifest.ChunkEntry::index));
            entries.add(new Manifest.StreamEntry(s.name, s.prefix, List.copyOf(inOrder), s.framing,
                    s.framing == null ? -1 : s.decodedBytes));
        }
        Manifest manifest = new Manifest(backupId, created, sealedKey, List.of(), compression, chunkSize,
                List.copyOf(entries), Map.copyOf(metadata));
        manifest.write(repository);
        repository.put(Names.complete(backupId), manifest.summary());
        completed = true;
    }

    /**
     * A stream's chunks are sealed (compressed, encrypted, hashed, stored and fsynced) on threads of the stream's
     * own while the writer fills the next buffer: on two cores reading and sealing overlap, and with
     * {@value #SEALERS_MAX} or more cores two chunks are sealed at once (an incremental backup storing 1.8 GiB, whose
     * blocks Keel compresses here: 5.02-5.10 s against 5.17-5.49 s with one thread; Keel's own reading of a data
     * directory, whose chunks come compressed, measured no faster: bench/RESULTS.md). At most one more full buffer
     * than there are sealing threads waits; the writer blocks beyond that. A stream of one chunk is sealed inline,
     * without a thread. Chunks may be stored out of order; the manifest lists them by index.
     */
    private static final int SEALERS_MAX = 2;
    private static final int SEALERS = Math.max(1, Math.min(SEALERS_MAX, Runtime.getRuntime().availableProcessors()));
    private static final int IN_FLIGHT = SEALERS + 1;

    /** A stream being written; see {@link #stream(String, Framing)}. */
    final class ChunkOutputStream extends OutputStream {
        private final String name;
        private final int prefix;
        private final Framing framing;
        private final Compression chunkCompression;
        private volatile long decodedBytes = -1;
        private byte[] buffer = new byte[chunkSize];
        private final List<Manifest.ChunkEntry> chunks = java.util.Collections.synchronizedList(new ArrayList<>());
        private final java.util.concurrent.BlockingQueue<byte[]> spare = new java.util.concurrent.LinkedBlockingQueue<>();
        private final java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(IN_FLIGHT);
        private java.util.concurrent.ExecutorService sealing;
        // Each sealing thread takes one (the writer's own thread for a stream of one chunk) and puts it back; all are
        // back, and wiped, at close.
        private final java.util.concurrent.BlockingQueue<ChunkCipher.Sealer> sealers =
                new java.util.concurrent.LinkedBlockingQueue<>();
        private volatile IOException failure;
        private long nextIndex;
        private int allocated = 1;
        private int filled;
        private volatile boolean closed;

        ChunkOutputStream(String name, int prefix, Framing framing) {
            this.name = name;
            this.prefix = prefix;
            this.framing = framing;
            this.chunkCompression = framing != null ? Compression.NONE : compression;
            for (int i = 0; i < SEALERS; i++) {
                sealers.add(new ChunkCipher.Sealer());
            }
        }

        /** For a framed stream: the size of its content once decompressed, recorded in the manifest. */
        void decodedBytes(long n) {
            if (framing == null) {
                throw new IllegalStateException("stream " + name + " is not framed");
            }
            decodedBytes = n;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (closed) {
                throw new IOException("stream " + name + " of backup " + backupId + " is closed");
            }
            while (len > 0) {
                // A full chunk is stored only once more bytes arrive, so the last chunk is known at close.
                if (filled == buffer.length) {
                    submit(false);
                }
                int n = Math.min(len, buffer.length - filled);
                System.arraycopy(b, off, buffer, filled, n);
                filled += n;
                off += n;
                len -= n;
            }
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            try {
                submit(true);
                if (sealing != null) {
                    sealing.shutdown();
                    if (!sealing.awaitTermination(1, java.util.concurrent.TimeUnit.HOURS)) {
                        throw new IOException("sealing stream " + name + " did not finish");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while storing stream " + name);
            } finally {
                closed = true;
                Arrays.fill(buffer, (byte) 0);
                sealers.forEach(ChunkCipher.Sealer::wipe); // those not in use: all of them, once sealing has ended
                spare.forEach(x -> Arrays.fill(x, (byte) 0));
                spare.clear();
            }
            if (failure != null) {
                throw failure;
            }
        }

        private void submit(boolean last) throws IOException {
            if (failure != null) {
                throw failure;
            }
            long index = nextIndex++;
            byte[] full = buffer;
            int length = filled;
            if (last && sealing == null) {
                seal(index, last, full, length); // the only chunk: no thread needed
                filled = 0;
                return;
            }
            try {
                slots.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while storing stream " + name);
            }
            if (sealing == null) {
                sealing = java.util.concurrent.Executors.newFixedThreadPool(SEALERS, r -> {
                    Thread t = new Thread(r, "keel-seal-" + name);
                    t.setDaemon(true);
                    return t;
                });
            }
            sealing.execute(() -> {
                try {
                    if (failure == null) {
                        seal(index, last, full, length);
                    }
                } catch (IOException | RuntimeException e) {
                    failure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
                } finally {
                    spare.add(full);
                    slots.release();
                }
            });
            filled = 0;
            if (!last) {
                byte[] next = spare.poll();
                if (next == null && allocated <= IN_FLIGHT) {
                    allocated++;
                    next = new byte[chunkSize];
                }
                if (next == null) {
                    try {
                        next = spare.take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted while storing stream " + name);
                    }
                }
                buffer = next;
            }
        }

        private void seal(long index, boolean last, byte[] raw, int length) throws IOException {
            ChunkCipher.Sealer sealer = sealers.poll(); // never empty: no more callers than sealers at once
            try {
                java.nio.ByteBuffer file;
                String sha256;
                try {
                    file = sealer.seal(dataKey, chunkCompression, backupId, name, prefix, index, last, raw, length);
                    sha256 = HexFormat.of().formatHex(Crypto.sha256(file.array(), 0, file.limit()));
                } catch (GeneralSecurityException e) {
                    throw new IOException("could not encrypt chunk " + index + " of stream " + name, e);
                }
                repository.put(Names.chunk(backupId, name, index), file);
                chunks.add(new Manifest.ChunkEntry(index, length, file.limit(), sha256));
            } finally {
                sealers.add(sealer);
            }
        }
    }
}
