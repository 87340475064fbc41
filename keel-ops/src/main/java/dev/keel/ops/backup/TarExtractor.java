package dev.keel.ops.backup;

import dev.keel.core.progress.Progress;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * Extracts a full backup's tar (pg_basebackup's, byte for byte) into a data directory straight from the decrypted
 * chunks: file contents are written from the chunk arrays as they are, without copying them into a stream first,
 * by two writer threads (positional writes), while the reader's own thread decrypts the next chunks. On two cores
 * the kernel's copying into the page cache is most of a restore, and this spreads it over both.
 *
 * <p>pg_basebackup writes plain ustar: directories, regular files and symlinks with names under 100 bytes.
 * Anything else (GNU long names, PAX headers, hard links, devices) is refused as damage.
 */
final class TarExtractor {

    private static final int RECORD = 512;
    private static final int WRITERS = 2;
    private static final int WRITES_IN_FLIGHT = 8;
    private static final FileAttribute<Set<PosixFilePermission>> FILE_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");

    private final String backupId;
    private final Path dataDir;
    private final Progress progress;
    private final ExecutorService writers = Executors.newFixedThreadPool(WRITERS, r -> {
        Thread t = new Thread(r, "keel-extract");
        t.setDaemon(true);
        return t;
    });
    private static final ThreadLocal<ByteBuffer> DIRECT = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(1 << 20));
    private final Semaphore slots = new Semaphore(WRITES_IN_FLIGHT);
    private volatile IOException writeFailure;

    // The chunk being read and the position in it.
    private byte[] chunk = new byte[0];
    private int pos;
    private long total;

    private TarExtractor(String backupId, Path dataDir, Progress progress) {
        this.backupId = backupId;
        this.dataDir = dataDir;
        this.progress = progress;
    }

    /** Extracts stream {@code base.tar} of {@code reader} into {@code dataDir}, which exists and is empty. */
    static void extract(BackupReader reader, String backupId, Path dataDir, Progress progress) throws IOException {
        TarExtractor x = new TarExtractor(backupId, dataDir, progress);
        try (BackupReader.Chunks chunks = reader.chunks("base.tar")) {
            x.run(chunks);
            x.writers.shutdown();
            if (!x.writers.awaitTermination(1, TimeUnit.HOURS)) {
                throw new IOException("writing the restored files did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while restoring backup " + backupId);
        } finally {
            x.writers.shutdownNow();
        }
        if (x.writeFailure != null) {
            throw x.writeFailure;
        }
    }

    private void run(BackupReader.Chunks chunks) throws IOException, InterruptedException {
        byte[] header = new byte[RECORD];
        while (true) {
            if (!fill(chunks, header)) {
                throw damaged("it ends without the end-of-archive marker");
            }
            if (isZero(header)) {
                return; // end of archive (pg_basebackup writes two zero records; one is enough to stop)
            }
            if (!org.apache.commons.compress.archivers.tar.TarUtils.verifyCheckSum(header)) {
                throw damaged("a tar header's checksum does not match");
            }
            TarArchiveEntry e = new TarArchiveEntry(header);
            String name = e.getName();
            Path out = dataDir.resolve(name).normalize();
            if (!out.startsWith(dataDir) || name.isEmpty()) {
                throw damaged("it holds a path outside the data directory: " + name);
            }
            if (e.isDirectory()) {
                Files.createDirectories(out);
                Files.setPosixFilePermissions(out, DIR_MODE);
            } else if (e.isSymbolicLink()) {
                Files.createDirectories(out.getParent());
                Files.createSymbolicLink(out, Path.of(e.getLinkName()));
            } else if (e.isFile() && !e.isLink() && !e.isGNULongNameEntry() && !e.isGNULongLinkEntry()
                    && !e.isPaxHeader() && !e.isGlobalPaxHeader()) {
                Files.createDirectories(out.getParent());
                file(chunks, out, e.getSize());
            } else {
                throw damaged("unexpected tar entry " + name + " (type " + (char) e.getLinkFlag()
                        + "); pg_basebackup writes only directories, files and symlinks");
            }
        }
    }

    /** Writes {@code size} bytes from the chunks into a new file, then skips the tar padding. */
    private void file(BackupReader.Chunks chunks, Path out, long size) throws IOException, InterruptedException {
        OpenFile file = new OpenFile(FileChannel.open(out, Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), FILE_MODE), out);
        try {
            long position = 0;
            while (position < size) {
                if (pos == chunk.length && !nextChunk(chunks)) {
                    throw damaged("it ends inside " + dataDir.relativize(out));
                }
                int n = (int) Math.min(size - position, chunk.length - pos);
                submit(file, ByteBuffer.wrap(chunk, pos, n), position);
                pos += n;
                position += n;
                total += n;
                progress.set(total);
            }
        } finally {
            file.release(); // the writers close it after its last write
        }
        long padding = (RECORD - size % RECORD) % RECORD;
        while (padding > 0) {
            if (pos == chunk.length && !nextChunk(chunks)) {
                throw damaged("it ends inside " + dataDir.relativize(out));
            }
            int n = (int) Math.min(padding, chunk.length - pos);
            pos += n;
            padding -= n;
        }
    }

    private void submit(OpenFile file, ByteBuffer data, long position) throws IOException, InterruptedException {
        if (writeFailure != null) {
            throw writeFailure;
        }
        slots.acquire();
        file.retain();
        writers.execute(() -> {
            try {
                // Through a direct buffer of the thread's own: handed a heap buffer, the JDK would allocate
                // (and page-fault in) a temporary direct one of the same size for each write.
                ByteBuffer direct = DIRECT.get();
                long at = position;
                while (data.hasRemaining() && writeFailure == null) {
                    direct.clear();
                    int n = Math.min(direct.capacity(), data.remaining());
                    direct.put(direct.position(), data, data.position(), n).limit(n);
                    data.position(data.position() + n);
                    while (direct.hasRemaining()) {
                        at += file.channel.write(direct, at);
                    }
                }
            } catch (IOException ex) {
                writeFailure = new IOException("could not write " + file.path + ": " + ex.getMessage(), ex);
            } finally {
                file.release();
                slots.release();
            }
        });
    }

    /** Copies the next record into {@code header}; false at the end of the stream. */
    private boolean fill(BackupReader.Chunks chunks, byte[] header) throws IOException {
        int have = 0;
        while (have < RECORD) {
            if (pos == chunk.length && !nextChunk(chunks)) {
                if (have == 0) {
                    return false;
                }
                throw damaged("it ends inside a tar header");
            }
            int n = Math.min(RECORD - have, chunk.length - pos);
            System.arraycopy(chunk, pos, header, have, n);
            pos += n;
            have += n;
        }
        return true;
    }

    private boolean nextChunk(BackupReader.Chunks chunks) throws IOException {
        byte[] next;
        do {
            next = chunks.next();
            if (next == null) {
                return false;
            }
        } while (next.length == 0);
        chunk = next; // the writers may still hold the previous array: it is never reused
        pos = 0;
        return true;
    }

    private static boolean isZero(byte[] record) {
        for (byte b : record) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private BackupException damaged(String what) {
        return BackupException.runtime("the tar of backup " + backupId + " is damaged: " + what,
                "run keel backup verify on it; restore from another backup", null);
    }

    /** A file being written: closed by whoever drops the last reference (the reader, or the last write). */
    private final class OpenFile {
        final FileChannel channel;
        final Path path;
        private final AtomicInteger refs = new AtomicInteger(1);

        OpenFile(FileChannel channel, Path path) {
            this.channel = channel;
            this.path = path;
        }

        void retain() {
            refs.incrementAndGet();
        }

        void release() {
            if (refs.decrementAndGet() == 0) {
                try {
                    channel.close();
                } catch (IOException ex) {
                    if (writeFailure == null) {
                        writeFailure = new IOException("could not close " + path + ": " + ex.getMessage(), ex);
                    }
                }
            }
        }
    }
}
