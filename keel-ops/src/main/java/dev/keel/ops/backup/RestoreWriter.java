package dev.keel.ops.backup;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The writing half of a restore: where restored files may go and with which modes, and positional writes into
 * them, done by two threads (each file by one of them) while the caller
 * decrypts and parses the next data. On two cores the kernel's copying into the page cache is most of a restore's
 * work, and this spreads it over both. Each thread writes through a direct buffer of its own: handed a heap
 * buffer, {@code FileChannel.write} would allocate (and fault in) a temporary direct one per call, which cost
 * seconds of system time on a 2 GB restore. At most {@value #IN_FLIGHT} writes wait; the caller blocks beyond.
 *
 * <p>The first failure is kept and thrown by the next {@link #write} or by {@link #finish}. {@link #close} stops
 * the threads and closes every file still open, so a failed restore leaves no descriptor behind.
 */
final class RestoreWriter implements AutoCloseable {

    /** Directories of a data directory: PostgreSQL refuses to start on anything wider. */
    static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    /** Files of a data directory. */
    static final FileAttribute<Set<PosixFilePermission>> FILE_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private static final int THREADS = 2;
    private static final int IN_FLIGHT = 8;
    private static final int BUFFER = 1 << 20;
    private static final ThreadLocal<ByteBuffer> DIRECT = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(BUFFER));

    // One thread per file at a time: each file's writes go to one of the threads, in order. Two threads writing the
    // same file only queue on its inode lock, spinning (measured: 25% of a restore's CPU while the page cache was
    // writing back), so the threads share the work file by file.
    private final ExecutorService[] threads = new ExecutorService[THREADS];
    private int nextThread;
    private final Semaphore slots = new Semaphore(IN_FLIGHT);
    private final Set<OpenFile> open = ConcurrentHashMap.newKeySet();
    private volatile IOException failure;
    private final Throttle throttle;

    /** Writes no faster than {@code throttle} lets the caller hand them over ({@link Throttle#NONE}: no limit). */
    RestoreWriter(Throttle throttle) {
        this.throttle = throttle;
        for (int i = 0; i < THREADS; i++) {
            threads[i] = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "keel-restore-write");
                t.setDaemon(true);
                return t;
            });
        }
    }

    /** {@code dataDir}/{@code name}, or empty when the name points outside it (a damaged or hostile backup). */
    static java.util.Optional<Path> inside(Path dataDir, String name) {
        Path out = dataDir.resolve(name).normalize();
        return out.startsWith(dataDir) ? java.util.Optional.of(out) : java.util.Optional.empty();
    }

    /** Opens {@code path} for writing; {@link OpenFile#release} it once every write to it is submitted. */
    OpenFile open(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attributes) throws IOException {
        failIfFailed();
        OpenFile f = new OpenFile(FileChannel.open(path, options, attributes), path, threads[nextThread++ % THREADS]);
        open.add(f);
        return f;
    }

    /**
     * Writes {@code data[off, off + len)} at {@code position} of {@code file}, on one of the threads. The array must
     * not change until the write is done: pass a copy, or an array that is never reused.
     */
    void write(OpenFile file, byte[] data, int off, int len, long position) throws IOException {
        write(file, ByteBuffer.wrap(data, off, len), position, null);
    }

    /**
     * Writes {@code data}'s remaining bytes at {@code position} of {@code file}, on one of the threads: a direct
     * buffer as it is, a heap one through the thread's direct buffer. Its bytes must not change until the write is
     * done; {@code whenDone} runs once it finished or failed.
     */
    void write(OpenFile file, ByteBuffer data, long position, Runnable whenDone) throws IOException {
        failIfFailed();
        throttle.acquire(data.remaining());
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing " + file.path);
        }
        file.retain();
        file.thread.execute(() -> {
            try {
                long at = position;
                if (data.isDirect()) {
                    ByteBuffer d = data.duplicate();
                    while (d.hasRemaining() && failure == null) {
                        at += file.channel.write(d, at);
                    }
                } else {
                    ByteBuffer direct = DIRECT.get();
                    ByteBuffer heap = data.duplicate();
                    while (heap.hasRemaining() && failure == null) {
                        int n = Math.min(direct.capacity(), heap.remaining());
                        direct.clear();
                        direct.put(0, heap, heap.position(), n).limit(n);
                        heap.position(heap.position() + n);
                        while (direct.hasRemaining()) {
                            at += file.channel.write(direct, at);
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                fail(new IOException("could not write " + file.path + ": " + e, e));
            } finally {
                file.release();
                slots.release();
                if (whenDone != null) {
                    whenDone.run();
                }
            }
        });
    }

    /** Waits for every write, then throws the first failure, if any. */
    void finish() throws IOException {
        for (ExecutorService t : threads) {
            t.shutdown();
        }
        try {
            for (ExecutorService t : threads) {
                if (!t.awaitTermination(1, TimeUnit.HOURS)) {
                    throw new IOException("writing the restored files did not finish within an hour");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing the restored files");
        }
        failIfFailed();
    }

    /** Stops the threads (dropping writes not started) and closes every file still open. */
    @Override
    public void close() {
        for (ExecutorService t : threads) {
            t.shutdownNow();
        }
        for (OpenFile f : open) {
            try {
                f.channel.close();
            } catch (IOException ignored) {
                // the restore already failed, and that failure is the one reported
            }
        }
        open.clear();
    }

    private void failIfFailed() throws IOException {
        if (failure != null) {
            throw failure;
        }
    }

    private synchronized void fail(IOException e) {
        if (failure == null) {
            failure = e;
        }
    }

    /** A file being written: closed by whoever drops the last reference (its opener, or its last write). */
    final class OpenFile {
        private final FileChannel channel;
        private final Path path;
        private final ExecutorService thread;
        private final AtomicInteger refs = new AtomicInteger(1);

        private OpenFile(FileChannel channel, Path path, ExecutorService thread) {
            this.channel = channel;
            this.path = path;
            this.thread = thread;
        }

        private void retain() {
            refs.incrementAndGet();
        }

        /** Drops the opener's reference: once every submitted write is done, the file is closed. */
        void release() {
            if (refs.decrementAndGet() == 0) {
                open.remove(this);
                try {
                    channel.close();
                } catch (IOException e) {
                    fail(new IOException("could not close " + path + ": " + e.getMessage(), e));
                }
            }
        }
    }
}
