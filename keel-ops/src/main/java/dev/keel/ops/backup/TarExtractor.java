package dev.keel.ops.backup;

import dev.keel.core.progress.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * Extracts a full backup's tar (pg_basebackup's, byte for byte) into a data directory straight from the decrypted
 * chunks: file contents are handed to a {@link RestoreWriter} as slices of the chunk buffers, without copying
 * them into a stream first, while the reader's own thread decrypts the next chunks.
 *
 * <p>pg_basebackup writes plain ustar: directories, regular files and symlinks with names under 100 bytes.
 * Anything else (GNU long names, PAX headers, hard links, devices) is refused as damage.
 */
final class TarExtractor {

    private static final int RECORD = 512;

    private final String backupId;
    private final Path dataDir;
    private final Progress progress;
    private final RestoreWriter writer;
    private final java.util.Set<Path> made = new java.util.HashSet<>(); // directories known to exist

    // The chunk being read, the position in it, and who still reads it (this parser and the writes not done).
    private ByteBuffer chunk = ByteBuffer.allocate(0);
    private Held held;
    private int pos;
    private long total;
    private BackupReader.Chunks source;

    /** A chunk buffer and its readers: given back to the source once the last one is done with it. */
    private final class Held {
        private final ByteBuffer buffer;
        private final java.util.concurrent.atomic.AtomicInteger refs = new java.util.concurrent.atomic.AtomicInteger(1);

        Held(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        Runnable retain() {
            refs.incrementAndGet();
            return this::release;
        }

        void release() {
            if (refs.decrementAndGet() == 0) {
                source.recycle(buffer);
            }
        }
    }

    private TarExtractor(String backupId, Path dataDir, Progress progress, Throttle throttle) {
        this.writer = new RestoreWriter(throttle);
        this.backupId = backupId;
        this.dataDir = dataDir;
        this.progress = progress;
    }

    /**
     * Extracts stream {@code base.tar} of {@code reader} into {@code dataDir}, which exists and is empty; returns the
     * bytes of file data written.
     */
    static long extract(BackupReader reader, String backupId, Path dataDir, Progress progress, Throttle throttle)
            throws IOException {
        TarExtractor x = new TarExtractor(backupId, dataDir, progress, throttle);
        try (BackupReader.Chunks chunks = reader.chunks("base.tar"); RestoreWriter writer = x.writer) {
            x.source = chunks;
            x.run(chunks);
            writer.finish();
        }
        return x.total;
    }

    private void run(BackupReader.Chunks chunks) throws IOException {
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
            Path out = RestoreWriter.inside(dataDir, name)
                    .orElseThrow(() -> damaged("it holds a path outside the data directory: " + name));
            if (e.isDirectory()) {
                Files.createDirectories(out);
                Files.setPosixFilePermissions(out, RestoreWriter.DIR_MODE);
                made.add(out);
            } else if (e.isSymbolicLink()) {
                directoryOf(out);
                Files.createSymbolicLink(out, Path.of(e.getLinkName()));
            } else if (e.isFile() && !e.isLink() && !e.isGNULongNameEntry() && !e.isGNULongLinkEntry()
                    && !e.isPaxHeader() && !e.isGlobalPaxHeader()) {
                directoryOf(out);
                file(chunks, out, e.getSize());
            } else {
                throw damaged("unexpected tar entry " + name + " (type " + (char) e.getLinkFlag()
                        + "); pg_basebackup writes only directories, files and symlinks");
            }
        }
    }

    /**
     * Makes sure {@code out}'s directory exists. pg_basebackup lists a directory before its files, so this is
     * mostly a lookup: {@code Files.createDirectories} on an existing directory costs a failed mkdir and an
     * exception, per file.
     */
    private void directoryOf(Path out) throws IOException {
        Path dir = out.getParent();
        if (made.add(dir)) {
            Files.createDirectories(dir);
        }
    }

    /** Writes {@code size} bytes from the chunks into a new file, then skips the tar padding. */
    private void file(BackupReader.Chunks chunks, Path out, long size) throws IOException {
        RestoreWriter.OpenFile file = writer.open(out, Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), RestoreWriter.FILE_MODE);
        try {
            long position = 0;
            while (position < size) {
                if (pos == chunk.limit() && !nextChunk(chunks)) {
                    throw damaged("it ends inside " + dataDir.relativize(out));
                }
                int n = (int) Math.min(size - position, chunk.limit() - pos);
                writer.write(file, chunk.slice(pos, n), position, held.retain()); // the buffer is reused after the write
                pos += n;
                position += n;
                total += n;
                progress.set(total);
            }
        } finally {
            file.release(); // closed after its last write
        }
        long padding = (RECORD - size % RECORD) % RECORD;
        while (padding > 0) {
            if (pos == chunk.limit() && !nextChunk(chunks)) {
                throw damaged("it ends inside " + dataDir.relativize(out));
            }
            int n = (int) Math.min(padding, chunk.limit() - pos);
            pos += n;
            padding -= n;
        }
    }

    /** Copies the next record into {@code header}; false at the end of the stream. */
    private boolean fill(BackupReader.Chunks chunks, byte[] header) throws IOException {
        int have = 0;
        while (have < RECORD) {
            if (pos == chunk.limit() && !nextChunk(chunks)) {
                if (have == 0) {
                    return false;
                }
                throw damaged("it ends inside a tar header");
            }
            int n = Math.min(RECORD - have, chunk.limit() - pos);
            chunk.get(pos, header, have, n);
            pos += n;
            have += n;
        }
        return true;
    }

    private boolean nextChunk(BackupReader.Chunks chunks) throws IOException {
        ByteBuffer next;
        do {
            next = chunks.next();
            if (next == null) {
                return false;
            }
        } while (!next.hasRemaining());
        if (held != null) {
            held.release(); // the writer may still hold the previous buffer: it gives it back when done
        }
        chunk = next;
        held = new Held(next);
        pos = next.position();
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
}
