package dev.keel.ops.backup;

import dev.keel.core.progress.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Rebuilds the data directory of a backup from its chain. The target's {@link FileList} says what every file
 * is and which backup holds each of its blocks; the directories, symlinks and empty files are made first, then
 * each backup of the chain is read once, in order, and only the blocks the target takes from it are written at
 * their offsets by a {@link RestoreWriter}. Every block written is checked against the target's hash; every
 * expected block must have been found, so the result is byte for byte what pg_basebackup sent when the target
 * was taken. (A full backup alone is restored by {@link TarExtractor}.)
 */
final class ChainRestore {

    private final Map<String, FileList.Entry> target;
    private final Path dataDir;
    private final Progress progress;
    // Blocks are checked on a thread of their own while the next ones are written (the data directory is removed
    // if any check fails); at most CHECKS_IN_FLIGHT copies wait.
    private static final int CHECKS_IN_FLIGHT = 4;
    private final java.util.concurrent.Semaphore checks = new java.util.concurrent.Semaphore(CHECKS_IN_FLIGHT);
    private final java.util.concurrent.ExecutorService checker = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "keel-check-blocks");
        t.setDaemon(true);
        return t;
    });
    private volatile BackupException checkFailure;
    private final RestoreWriter writer;
    private final Set<String> done = new HashSet<>(); // path NUL index of every block written
    private long written;
    private long blocksWritten;
    private long kept; // bytes a delta restore found in place
    private String openPath;
    private RestoreWriter.OpenFile open;

    private ChainRestore(Map<String, FileList.Entry> target, Path dataDir, Progress progress, Throttle throttle) {
        this.writer = new RestoreWriter(throttle);
        this.target = target;
        this.dataDir = dataDir;
        this.progress = progress;
    }

    /** {@code chain} is full backup first, the target last; {@code readers} has an open reader for each. */
    /**
     * {@code chain} is full backup first, the target last; {@code readers} has an open reader for each. With
     * {@code reuse}, {@code dataDir} may hold an older
     * state of the same cluster (a delta restore): what the target does not list is removed, and every block of a
     * listed file whose hash already matches is kept instead of written. Returns the bytes kept and written.
     */
    static BaseBackups.Restored restore(List<String> chain, Map<String, BackupReader> readers, Path dataDir, Progress progress,
                        Throttle throttle, boolean reuse) throws IOException {
        String id = chain.get(chain.size() - 1);
        Map<String, FileList.Entry> target = FileList.read(readers.get(id).stream(FileList.STREAM), id);
        ChainRestore r = new ChainRestore(target, dataDir, progress, throttle);
        if (reuse) {
            r.prune();
            r.keepMatching();
        }
        r.layout();
        try {
            for (String layer : chain) {
                if (!r.needs(layer)) {
                    continue; // every block it holds for the target was replaced or is in place already: not read
                }
                BackupReader reader = readers.get(layer);
                if (BackupChain.FULL.equals(reader.metadata().getOrDefault("type", BackupChain.FULL))) {
                    r.fromTar(layer, reader);
                } else {
                    r.fromBlocks(layer, reader);
                }
            }
            if (r.open != null) {
                r.open.release();
                r.open = null;
            }
            r.checker.shutdown();
            if (!r.checker.awaitTermination(1, java.util.concurrent.TimeUnit.HOURS)) {
                throw new IOException("checking the restored blocks did not finish");
            }
            if (r.checkFailure != null) {
                throw r.checkFailure;
            }
            r.writer.finish();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while restoring " + id);
        } finally {
            r.checker.shutdownNow();
            r.writer.close();
        }
        long expected = target.values().stream().mapToLong(e -> e.blocks().size()).sum();
        if (r.blocksWritten != expected) {
            for (FileList.Entry e : target.values()) {
                for (int i = 0; i < e.blocks().size(); i++) {
                    // report the first block no backup of the chain provided
                    if (!r.found(e, i)) {
                        throw BackupException.runtime("backup " + e.blocks().get(i).holder() + " does not hold block " + i
                                        + " of " + e.path() + ", which backup " + id + " expects there",
                                "the chain of " + id + " is inconsistent; restore an older backup", null);
                    }
                }
            }
            throw BackupException.runtime("restoring backup " + id + " wrote " + r.blocksWritten + " of " + expected
                    + " blocks", "restore an older backup", null);
        }
        return new BaseBackups.Restored(r.kept, r.written - r.kept);
    }

    /**
     * Removes what the target does not list, or lists as something else (a file where it has a directory, a symlink
     * pointing elsewhere), deepest first. Symbolic links are removed, never followed.
     */
    private void prune() throws IOException {
        Files.walkFileTree(dataDir, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs)
                    throws IOException {
                FileList.Entry e = target.get(relative(file));
                boolean keep = e != null && (attrs.isSymbolicLink()
                        ? e.type() == FileList.Type.SYMLINK && Files.readSymbolicLink(file).toString().equals(e.link())
                        : attrs.isRegularFile() && e.type() == FileList.Type.FILE);
                if (!keep) {
                    Files.delete(file);
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                FileList.Entry e = dir.equals(dataDir) ? null : target.get(relative(dir));
                if (!dir.equals(dataDir) && (e == null || e.type() != FileList.Type.DIR)) {
                    try (var left = Files.list(dir)) {
                        if (left.findAny().isEmpty()) { // else it holds listed files (a tar need not list their parent)
                            Files.delete(dir);
                        }
                    }
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * Hashes the blocks of every listed file already in the data directory, on a thread per core (up to 4), and
     * counts those that match the target as done, so no layer writes them; a file longer than the target's is cut
     * to its size first.
     */
    private void keepMatching() throws IOException {
        List<FileList.Entry> files = target.values().stream().filter(e -> e.type() == FileList.Type.FILE).toList();
        java.util.concurrent.ExecutorService pool = Workers.pool(Workers.count(), "keel-delta-hash");
        ThreadLocal<byte[]> buffers = ThreadLocal.withInitial(() -> new byte[FileList.MAX_BLOCK_SIZE]);
        try {
            List<java.util.concurrent.Future<java.util.BitSet>> matches = new java.util.ArrayList<>();
            for (FileList.Entry e : files) {
                matches.add(pool.submit(() -> matching(e, buffers.get())));
            }
            for (int f = 0; f < files.size(); f++) {
                FileList.Entry e = files.get(f);
                java.util.BitSet m = matches.get(f).get();
                for (int i = m.nextSetBit(0); i >= 0; i = m.nextSetBit(i + 1)) {
                    if (done.add(key(e, i))) {
                        blocksWritten++;
                        kept += e.blockLength(i);
                        written += e.blockLength(i);
                    }
                }
                progress.set(written);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while comparing " + dataDir + " with the backup");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** The blocks of {@code e} that its file in the data directory already holds, hashed as the target has them. */
    private java.util.BitSet matching(FileList.Entry e, byte[] block) throws IOException {
        Path path = resolve(e.path());
        if (!Files.isRegularFile(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return new java.util.BitSet();
        }
        if (Files.size(path) > e.size()) {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(path, StandardOpenOption.WRITE)) {
                ch.truncate(e.size());
            }
        }
        return FileList.matchingBlocks(path, e, block);
    }

    private String relative(Path p) {
        return dataDir.relativize(p).toString().replace('\\', '/');
    }

    /** Whether the target still takes a block from {@code layer} that is not written or in place yet. */
    private boolean needs(String layer) {
        for (FileList.Entry e : target.values()) {
            for (int i = 0; i < e.blocks().size(); i++) {
                if (e.blocks().get(i).holder().equals(layer) && !found(e, i)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A block's entry in {@link #done}: its path, a NUL, its index. */
    private static String key(FileList.Entry e, int index) {
        return e.path() + "\u0000" + index;
    }

    private boolean found(FileList.Entry e, int index) {
        return done.contains(key(e, index));
    }

    /** Creates the directories, symlinks and files of the target (a delta restore keeps those that are there). */
    private void layout() throws IOException {
        for (FileList.Entry e : target.values()) {
            Path out = resolve(e.path());
            boolean there = Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS); // prune() left only the right kind
            switch (e.type()) {
                case DIR -> {
                    Files.createDirectories(out);
                    Files.setPosixFilePermissions(out, RestoreWriter.DIR_MODE);
                }
                case SYMLINK -> {
                    if (!there) {
                        Files.createDirectories(out.getParent());
                        Files.createSymbolicLink(out, Path.of(e.link()));
                    }
                }
                case FILE -> {
                    Files.createDirectories(out.getParent());
                    if (there) {
                        Files.setPosixFilePermissions(out, RestoreWriter.FILE_MODE.value());
                    } else {
                        Files.createFile(out, RestoreWriter.FILE_MODE);
                    }
                }
            }
        }
    }

    /** A full backup: its pg_basebackup tar, read block by block; blocks the target takes elsewhere are skipped. */
    private void fromTar(String layer, BackupReader reader) throws IOException {
        if (fromFrames(layer, reader)) {
            return;
        }
        byte[] block = new byte[FileList.MAX_BLOCK_SIZE];
        try (InputStream in = reader.stream("base.tar"); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                FileList.Entry wanted = target.get(e.getName());
                if (!e.isFile() || wanted == null || wanted.type() != FileList.Type.FILE) {
                    continue;
                }
                int size = wanted.blockSize(); // the target's blocks, whatever the size of this layer's own list
                int count = FileList.Entry.blockCount(e.getSize(), size);
                for (int i = 0; i < count && i < wanted.blocks().size(); i++) {
                    int length = (int) Math.min(size, e.getSize() - (long) i * size);
                    if (tar.readNBytes(block, 0, length) != length) {
                        throw new IOException("backup " + layer + " ends inside " + e.getName());
                    }
                    if (wanted.blocks().get(i).holder().equals(layer)) {
                        write(wanted, i, block, length, layer);
                    }
                }
            }
        }
    }

    /** A block the target takes from a full backup: where it lies in that backup's tar. */
    private record TarBlock(FileList.Entry entry, int index, long offset, int length) {
    }

    /**
     * A full backup that Keel read from the data directory, which stores a {@link FrameIndex} of its tar: only the
     * frames holding a block the target still takes from it are fetched, decrypted and decompressed. Returns false,
     * having read nothing of the tar, when the backup has no index, when every frame is needed (then the tar is read
     * whole, as without an index), or when the backup's own file list does not lay its tar out as the index says.
     */
    private boolean fromFrames(String layer, BackupReader reader) throws IOException {
        List<String> streams = reader.streams();
        if (!streams.contains(FrameIndex.STREAM) || !streams.contains(FileList.STREAM)) {
            return false;
        }
        FrameIndex frames = FrameIndex.read(reader.stream(FrameIndex.STREAM), layer);
        Map<String, FileList.Entry> own = FileList.read(reader.stream(FileList.STREAM), layer);
        List<TarBlock> blocks = new ArrayList<>();
        long at = 0; // the tar holds the list's entries in its order, each a header and its padded bytes
        for (FileList.Entry e : own.values()) {
            at += DirectBackup.TAR_BLOCK;
            FileList.Entry wanted = target.get(e.path());
            if (e.type() == FileList.Type.FILE && wanted != null && wanted.type() == FileList.Type.FILE) {
                int size = wanted.blockSize(); // the target's blocks, whatever the size of this layer's own list
                int count = FileList.Entry.blockCount(e.size(), size);
                for (int i = 0; i < count && i < wanted.blocks().size(); i++) {
                    if (wanted.blocks().get(i).holder().equals(layer) && !found(wanted, i)) {
                        blocks.add(new TarBlock(wanted, i, at + (long) i * size,
                                (int) Math.min(size, e.size() - (long) i * size)));
                    }
                }
            }
            at += DirectBackup.padded(e.size());
        }
        if (at + 2 * DirectBackup.TAR_BLOCK != frames.tarBytes()) {
            return false; // not the tar the index describes: read it whole
        }
        java.util.BitSet needed = new java.util.BitSet(frames.count());
        for (TarBlock b : blocks) {
            if (b.length() > 0) {
                needed.set(frames.frameAt(b.offset()), frames.frameAt(b.offset() + b.length() - 1) + 1);
            }
        }
        if (needed.cardinality() == frames.count()) {
            return false;
        }
        java.util.BitSet chunks = storedChunks(frames, needed, reader.chunkSizes("base.tar"));
        FrameCursor cursor = new FrameCursor(frames, needed, reader.framing("base.tar"));
        byte[] block = new byte[FileList.MAX_BLOCK_SIZE];
        try (InputStream in = reader.storedStream("base.tar", chunks)) {
            for (TarBlock b : blocks) {
                cursor.read(in, b.offset(), block, b.length());
                write(b.entry(), b.index(), block, b.length(), layer);
            }
        }
        return true;
    }

    /** The chunks (of these sizes) holding at least one stored byte of a {@code needed} frame. */
    private static java.util.BitSet storedChunks(FrameIndex frames, java.util.BitSet needed, long[] chunkSizes) {
        ChunkMarks marks = new ChunkMarks(chunkSizes);
        for (int f = needed.nextSetBit(0); f >= 0; f = needed.nextSetBit(f + 1)) {
            marks.add(frames.storedOffset(f), frames.storedOffset(f) + frames.storedLength(f));
        }
        return marks.marked;
    }

    /** The chunks of a stream (of these sizes) that hold a byte of the ranges added, which come in ascending order. */
    private static final class ChunkMarks {
        private final long[] sizes;
        final java.util.BitSet marked;
        private int chunk; // the first chunk that may hold the next range
        private long chunkStart;

        ChunkMarks(long[] sizes) {
            this.sizes = sizes;
            this.marked = new java.util.BitSet(sizes.length);
        }

        /** Marks the chunks holding bytes {@code [from, to)}: the one at {@code from}, and any the range runs on into. */
        void add(long from, long to) {
            while (chunk < sizes.length && chunkStart + sizes[chunk] <= from) {
                chunkStart += sizes[chunk++];
            }
            long at = chunkStart;
            for (int c = chunk; c < sizes.length && at < to; at += sizes[c++]) {
                marked.set(c);
            }
        }
    }

    /**
     * Reads tar bytes at ascending offsets out of a full backup's stored stream: each frame it needs is read and
     * decompressed whole once; the frames before it are skipped unread.
     */
    private static final class FrameCursor {
        private final FrameIndex frames;
        private final java.util.BitSet needed;
        private final Framing framing; // null: stored as it is
        private int next; // the first frame not yet passed in the stream
        private int current = -1;
        private byte[] stored = new byte[0];
        private byte[] decoded = new byte[0];

        FrameCursor(FrameIndex frames, java.util.BitSet needed, Framing framing) {
            this.frames = frames;
            this.needed = needed;
            this.framing = framing;
        }

        /** Copies tar bytes {@code [offset, offset + length)} into {@code dst}. */
        void read(InputStream in, long offset, byte[] dst, int length) throws IOException {
            for (int done = 0; done < length; ) {
                long at = offset + done;
                int f = frames.frameAt(at);
                load(in, f);
                int from = (int) (at - frames.tarOffset(f));
                int n = Math.min(length - done, frames.rawLength(f) - from);
                System.arraycopy(decoded, from, dst, done, n);
                done += n;
            }
        }

        private void load(InputStream in, int f) throws IOException {
            if (f == current) {
                return;
            }
            if (f < next || !needed.get(f)) {
                throw new IllegalStateException("frame " + f + " was not planned to be read");
            }
            in.skipNBytes(frames.storedOffset(f) - frames.storedOffset(next));
            int storedLength = frames.storedLength(f);
            int rawLength = frames.rawLength(f);
            if (decoded.length < rawLength) {
                decoded = new byte[rawLength];
            }
            if (framing == null) {
                if (storedLength != rawLength) {
                    throw new IOException("frame " + f + " of an uncompressed tar is stored in " + storedLength
                            + " bytes, not " + rawLength);
                }
                readFully(in, decoded, rawLength, f);
            } else {
                if (stored.length < storedLength) {
                    stored = new byte[storedLength];
                }
                readFully(in, stored, storedLength, f);
                framing.decodeFrame(stored, storedLength, decoded, rawLength);
            }
            current = f;
            next = f + 1;
        }

        private static void readFully(InputStream in, byte[] into, int length, int frame) throws IOException {
            if (in.readNBytes(into, 0, length) != length) {
                throw new IOException("the tar ends inside frame " + frame);
            }
        }
    }

    /**
     * An incremental: its blocks stream holds, in file-list order, exactly the blocks its own list says it holds. Only
     * the chunks holding a block the target takes from this layer are fetched and decrypted: in a long chain most
     * blocks of an older incremental were replaced by a later one.
     */
    private void fromBlocks(String layer, BackupReader reader) throws IOException {
        Map<String, FileList.Entry> own = FileList.read(reader.stream(FileList.STREAM), layer);
        byte[] block = new byte[FileList.MAX_BLOCK_SIZE];
        try (InputStream in = reader.stream(BaseBackups.BLOCKS_STREAM, wantedChunks(own, layer,
                reader.chunkSizes(BaseBackups.BLOCKS_STREAM)))) {
            for (FileList.Entry e : own.values()) {
                FileList.Entry wanted = target.get(e.path());
                for (int i = 0; i < e.blocks().size(); i++) {
                    if (!e.blocks().get(i).holder().equals(layer)) {
                        continue;
                    }
                    int length = e.blockLength(i);
                    if (in.readNBytes(block, 0, length) != length) {
                        throw new IOException("the blocks of backup " + layer + " end inside " + e.path());
                    }
                    if (takes(wanted, e, i, layer)) {
                        write(wanted, i, block, length, layer);
                    }
                }
            }
            if (in.read() != -1) {
                throw new IOException("the blocks of backup " + layer + " go on past its file list");
            }
        }
    }

    /**
     * Whether the target takes block {@code index} of {@code own} (the entry of the layer's list) from {@code layer}:
     * its entry {@code wanted} (null: not in the target) names the layer as the block's holder, with blocks of the same
     * size (an incremental only ever names holders whose lists cut files as its own does).
     */
    private static boolean takes(FileList.Entry wanted, FileList.Entry own, int index, String layer) {
        return wanted != null && wanted.type() == FileList.Type.FILE && wanted.blockSize() == own.blockSize()
                && index < wanted.blocks().size() && wanted.blocks().get(index).holder().equals(layer);
    }

    /**
     * The chunks of {@code layer}'s blocks stream (of these sizes) that hold at least one byte of a block the target
     * takes from it: the blocks lie in the stream one after the other, in {@code own} list order.
     */
    private java.util.BitSet wantedChunks(Map<String, FileList.Entry> own, String layer, long[] chunkSizes) {
        ChunkMarks marks = new ChunkMarks(chunkSizes);
        long offset = 0;
        for (FileList.Entry e : own.values()) {
            FileList.Entry t = target.get(e.path());
            for (int i = 0; i < e.blocks().size(); i++) {
                if (!e.blocks().get(i).holder().equals(layer)) {
                    continue;
                }
                long end = offset + e.blockLength(i);
                if (takes(t, e, i, layer) && !found(t, i)) {
                    marks.add(offset, end);
                }
                offset = end;
            }
        }
        return marks.marked;
    }

    private void write(FileList.Entry e, int index, byte[] block, int length, String layer) throws IOException {
        if (found(e, index)) {
            return; // kept from the data directory by a delta restore
        }
        if (length != e.blockLength(index)) {
            throw mismatch(e, index, layer);
        }
        if (checkFailure != null) {
            throw checkFailure;
        }
        // One copy serves the check and the writer: the caller reuses its block array.
        byte[] copy = java.util.Arrays.copyOf(block, length);
        check(e, index, copy, layer);
        if (!e.path().equals(openPath)) {
            if (open != null) {
                open.release(); // closed once its last write is done
            }
            open = writer.open(resolve(e.path()), Set.of(StandardOpenOption.WRITE));
            openPath = e.path();
        }
        writer.write(open, copy, 0, length, e.blockOffset(index));
        if (done.add(key(e, index))) {
            blocksWritten++;
        }
        written += length;
        progress.set(written);
    }

    private void check(FileList.Entry e, int index, byte[] copy, String layer) throws IOException {
        FileList.Block expected = e.blocks().get(index);
        try {
            checks.acquire();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while restoring " + e.path());
        }
        checker.execute(() -> {
            try {
                if (!expected.isHashOf(copy, 0, copy.length)) {
                    checkFailure = mismatch(e, index, layer);
                }
            } finally {
                checks.release();
            }
        });
    }

    private BackupException mismatch(FileList.Entry e, int index, String layer) {
        return BackupException.runtime("block " + index + " of " + e.path() + " in backup " + layer
                        + " does not match the hash the restored backup recorded",
                "the chain is inconsistent; run keel backup verify on it and restore an older backup", null);
    }

    private Path resolve(String name) {
        return RestoreWriter.inside(dataDir, name).orElseThrow(() -> BackupException.runtime(
                "a backup holds a path outside the data directory: " + name));
    }
}
