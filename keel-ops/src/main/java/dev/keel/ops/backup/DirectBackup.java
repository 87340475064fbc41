package dev.keel.ops.backup;

import dev.keel.core.progress.Progress;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Full backups that read the data directory themselves, as pgBackRest does, instead of through pg_basebackup: the
 * server is put into backup mode ({@code pg_backup_start}, with a fast checkpoint), Keel reads the files, and
 * {@code pg_backup_stop} returns the backup label; the WAL from the start to the stop point is then copied from
 * {@code pg_wal}. Used where Keel runs on the database's own machine and can read its data directory (the embedded
 * default is the common case); otherwise pg_basebackup streams the backup ({@code backup.engine}).
 *
 * <p>What is stored is what pg_basebackup {@code -X fetch} would have sent, in the same format: stream
 * {@code base.tar} holds a tar of the data directory (the files pg_basebackup leaves out are left out here too),
 * then the backup label, the WAL segments with their {@code .done} markers and the timeline history files; it is
 * compressed into frames of the backup's compression, so every restore path reads it as it reads a
 * server-compressed tar. The file list and PostgreSQL's {@code backup_manifest} are built from the same pass.
 *
 * <p>Why it is faster: pg_basebackup sends the tar through one server process, which also compresses it (two zstd
 * threads at most), and Keel then decompresses a copy to index it. Here the tar is cut into pieces of
 * {@value #PIECE} bytes (a file of its own, or several small files), and each of a few threads reads a piece, hashes
 * its file-list blocks (XXH64) and the piece (CRC-32C, combined into each file's), and compresses it into frames of
 * whole blocks ({@value #FRAME} bytes or a little more); one thread appends the frames in order to the encrypted
 * stream and records where each lies ({@link FrameIndex}, stored beside). Nothing is decompressed again.
 *
 * <p>Files that change during the copy are read as they are, like pg_basebackup reads them: torn pages are
 * rewritten by the full-page images that backup mode forces into the WAL. A file that shrank is padded with zeros
 * to the size its tar header promised (WAL replay truncates it again); one that vanished before its first byte was
 * read is left out, with every piece of it.
 */
final class DirectBackup {

    /** The tar bytes one thread reads, hashes and compresses at a time: 4 MiB, a whole number of file-list blocks. */
    static final int PIECE = 4 << 20;
    /**
     * The least tar bytes in a frame but the last of a task: one file-list block. A frame ends only where a block
     * does, so a restore that needs a few blocks of a full backup decompresses only their frames ({@link FrameIndex}).
     */
    static final int FRAME = FileList.BLOCK_SIZE;
    /** Room for the headers and padding of the files packed into a piece. */
    private static final int CAPACITY = PIECE + 2048;
    static final int TAR_BLOCK = 512;
    /** pg_basebackup's limit: PostgreSQL's tar headers have no long-name extension. */
    private static final int MAX_NAME = 99;

    /** Directories whose contents pg_basebackup leaves out (by name, at any depth, as the server matches them). */
    private static final Set<String> EXCLUDED_CONTENTS = Set.of("pg_stat_tmp", "pg_replslot", "pg_dynshmem",
            "pg_notify", "pg_serial", "pg_snapshots", "pg_subtrans");
    /** Files pg_basebackup leaves out (the label and map are written from pg_backup_stop's result). */
    private static final Set<String> EXCLUDED_FILES = Set.of("postgresql.auto.conf.tmp", "current_logfiles.tmp",
            "backup_label", "tablespace_map", "backup_manifest", "postmaster.pid", "postmaster.opts");
    private static final Pattern RELATION = Pattern.compile("(\\d+)(_(fsm|vm|init))?(\\.\\d+)?");
    private static final Pattern TEMP_RELATION = Pattern.compile("t\\d+_\\d+(_(fsm|vm|init))?(\\.\\d+)?");
    private static final Pattern HISTORY = Pattern.compile("[0-9A-F]{8}\\.history");
    private static final Pattern LABEL_TIMELINE = Pattern.compile("START TIMELINE: (\\d+)");

    /** A data directory this process can read, of the server a connection is open to. */
    record Source(Path dataDir, long segmentSize) {
    }

    /**
     * What the copy recorded; {@code tarBytes} is the tar's length, whether it was stored or only read; {@code frames}
     * where each frame of a stored tar lies (null for an incremental, which stores no tar).
     */
    record Copied(String startLsn, String stopLsn, String timeline, long tarBytes, FrameIndex frames) {
    }

    /**
     * For an incremental backup: the older backup that already holds block {@code index} of {@code path} with this
     * hash and length, or null when this backup must store it.
     */
    interface Unchanged {
        String holder(String path, int index, String hash, int length);
    }

    private DirectBackup() {
    }

    /** Either a data directory Keel can read, or why it cannot. */
    record Probe(Source source, String why) {
    }

    /**
     * Whether Keel can back up {@code c}'s server, PostgreSQL 15 or later (the caller knows the version without a
     * query), by reading its data directory: a primary, no tablespaces, the right to run pg_backup_start, and its
     * data directory readable here and holding the same cluster (the system identifier in {@code global/pg_control}
     * is the server's).
     */
    static Probe probe(Connection c) {
        String dir;
        String systemId;
        long segmentSize;
        try (Statement st = c.createStatement()) {
            // The backup runs in this session, which sits idle while the files are read, before and in backup
            // mode: a server-wide idle_session_timeout or statement_timeout must not end it part-way.
            st.execute("set idle_session_timeout = 0; set statement_timeout = 0");
        } catch (SQLException e) {
            return unusable("its session settings cannot be changed (" + e.getMessage().strip() + ")");
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "select pg_is_in_recovery(), "
                        + "(select count(*) from pg_tablespace where spcname not in ('pg_default', 'pg_global')), "
                        + "has_function_privilege('pg_backup_start(text, boolean)', 'execute'), "
                        + "current_setting('data_directory'), (select system_identifier::text from pg_control_system()), "
                        + "pg_size_bytes(current_setting('wal_segment_size'))")) {
            rs.next();
            if (rs.getBoolean(1)) {
                return unusable("the server is a standby");
            }
            if (rs.getLong(2) > 0) {
                return unusable("the cluster has tablespaces");
            }
            if (!rs.getBoolean(3)) {
                return unusable("the user may not run pg_backup_start");
            }
            dir = rs.getString(4);
            systemId = rs.getString(5);
            segmentSize = rs.getLong(6);
        } catch (SQLException e) {
            return unusable("its settings cannot be read (" + e.getMessage().strip() + ")");
        }
        Path dataDir = Path.of(dir);
        ByteBuffer first = ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder());
        try (FileChannel ch = FileChannel.open(dataDir.resolve("global/pg_control"))) {
            while (first.hasRemaining() && ch.read(first) > 0) {
                // the system identifier comes first
            }
        } catch (IOException e) {
            return unusable("its data directory " + dataDir + " cannot be read on this machine ("
                    + e.getClass().getSimpleName() + ")");
        }
        if (first.hasRemaining()) {
            return unusable(dataDir + "/global/pg_control is truncated");
        }
        String id = Long.toUnsignedString(first.getLong(0));
        if (!id.equals(systemId)) {
            return unusable(dataDir + " on this machine holds another cluster (system identifier " + id
                    + ", the server's is " + systemId + ")");
        }
        if (!Files.isReadable(dataDir.resolve("pg_wal"))) {
            return unusable(dataDir + "/pg_wal cannot be read on this machine");
        }
        return new Probe(new Source(dataDir, segmentSize), null);
    }

    private static Probe unusable(String why) {
        return new Probe(null, why);
    }

    /**
     * Copies the data directory of {@code source} (from {@link #probe}, on the same connection {@code c}) into
     * {@code out}: backup mode, the files, the label and the WAL. With {@code unchanged} null (a full backup),
     * {@code out} receives the tar, in frames of {@code framing} (null: uncompressed, the writer then compresses it),
     * and {@code maxBytesPerSecond} above 0 paces what is stored. With {@code unchanged} (an incremental backup),
     * {@code out} receives only the blocks no older backup holds, concatenated in tar order and uncompressed, and the
     * rate paces what is read. {@code sink} receives every entry in tar order.
     */
    static Copied copy(Connection c, Source source, String backupId, OutputStream out, Framing framing,
                       Unchanged unchanged, TarIndexer.EntrySink sink, Progress progress, long maxBytesPerSecond)
            throws IOException {
        if (unchanged != null && framing != null) {
            throw new IllegalArgumentException("an incremental backup's blocks are not framed");
        }
        // While the server checkpoints for pg_backup_start, two other threads get ready for the copy: one walks the
        // data directory, only to warm up (warmUpWalk), and one builds the pipeline, whose buffers (about 50 MB, each
        // page touched for the first time) took 35 ms of a 1.7 s backup.
        java.util.concurrent.atomic.AtomicBoolean stopWarmUp = new java.util.concurrent.atomic.AtomicBoolean();
        Thread warmUp = warmUpWalk(source.dataDir(), stopWarmUp);
        java.util.concurrent.FutureTask<Pipeline> making = new java.util.concurrent.FutureTask<>(() -> new Pipeline(out,
                framing, unchanged, backupId, sink, progress, new Throttle(maxBytesPerSecond), Workers.count()));
        Thread maker = new Thread(making, "keel-backup-setup");
        maker.setDaemon(true);
        maker.start();
        String startLsn;
        try (PreparedStatement st = c.prepareStatement("select pg_backup_start(?, true)::text")) {
            st.setString(1, "keel " + backupId);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                startLsn = rs.getString(1);
            }
        } catch (SQLException e) {
            stopWarmUp.set(true);
            try {
                made(making).close();
            } catch (IOException | RuntimeException ignored) {
                // the failed start is what counts
            }
            throw new IOException("pg_backup_start failed: " + e.getMessage().strip(), e);
        }
        finishWarmUp(warmUp, stopWarmUp);
        try (Pipeline pipeline = made(making)) {
            List<Item> files = walk(source.dataDir());
            pipeline.run(tasks(files));
            String stopLsn;
            String labelFile;
            String mapFile;
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select lsn::text, labelfile, spcmapfile from pg_backup_stop(false)")) {
                rs.next();
                stopLsn = rs.getString(1);
                labelFile = rs.getString(2);
                mapFile = rs.getString(3);
            } catch (SQLException e) {
                throw new IOException("pg_backup_stop failed: " + e.getMessage().strip(), e);
            }
            Matcher tli = LABEL_TIMELINE.matcher(labelFile);
            if (!tli.find()) {
                throw new IOException("pg_backup_stop returned a label without its timeline");
            }
            int timeline = Integer.parseInt(tli.group(1));
            long now = System.currentTimeMillis() / 1000;
            List<Item> last = new ArrayList<>();
            last.add(Item.content("backup_label", labelFile, now));
            if (mapFile != null) { // empty without tablespaces; pg_basebackup's tar holds it all the same
                last.add(Item.content("tablespace_map", mapFile, now));
            }
            last.addAll(wal(source, timeline, WalArchive.parseLsn(startLsn), WalArchive.parseLsn(stopLsn), now));
            pipeline.run(tasks(last));
            pipeline.end();
            return new Copied(startLsn, stopLsn, String.valueOf(timeline), pipeline.tarBytes(),
                    unchanged == null ? pipeline.frames() : null);
        }
    }

    /**
     * Walks {@code dataDir} on a daemon thread, for nothing but speed, while the server checkpoints for
     * pg_backup_start; it stops where it is once {@code stop} is set. The walk that counts must come after
     * pg_backup_start (a file it missed would be missing from the backup), and its code, run cold, took 55-80 ms of
     * a 1.7 s backup where the same walk warm takes 10. What the early walk finds, or fails on, is thrown away.
     */
    private static Thread warmUpWalk(Path dataDir, java.util.concurrent.atomic.AtomicBoolean stop) {
        Thread t = new Thread(() -> {
            try {
                walk(dataDir, stop::get);
            } catch (IOException | RuntimeException ignored) {
                // the real walk reports it
            }
        }, "keel-walk-warmup");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Gives the early walk up to {@value #WARM_UP_WAIT_MS} ms more to finish (a data directory of many files: less), then stops it. */
    private static void finishWarmUp(Thread warmUp, java.util.concurrent.atomic.AtomicBoolean stop) {
        try {
            warmUp.join(WARM_UP_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stop.set(true);
        }
    }

    private static final long WARM_UP_WAIT_MS = 100;

    /** The pipeline {@code making} built, once it has; what failed there is thrown here. */
    private static Pipeline made(java.util.concurrent.FutureTask<Pipeline> making) throws IOException {
        try {
            return making.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while preparing the backup");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IOException(e.getCause());
        }
    }

    /** One tar entry: a directory, a symlink, or a file read from {@code source} or holding {@code content}. */
    record Item(String path, FileList.Type type, int mode, long size, long mtime, Path source, byte[] content,
                String link) {
        static Item content(String path, String text, long mtime) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            return new Item(path, FileList.Type.FILE, 0600, bytes.length, mtime, null, bytes, null);
        }
    }

    /** The entries of the data directory, in the order of a walk, pg_control last. */
    static List<Item> walk(Path dataDir) throws IOException {
        return walk(dataDir, () -> false);
    }

    /** As {@link #walk(Path)}; once {@code stop} says so, the walk ends where it is with an IOException. */
    private static List<Item> walk(Path dataDir, java.util.function.BooleanSupplier stop) throws IOException {
        List<Item> items = new ArrayList<>();
        Item[] control = {null};
        Files.walkFileTree(dataDir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (stop.getAsBoolean()) {
                    throw new IOException("walk stopped");
                }
                if (dir.equals(dataDir)) {
                    return FileVisitResult.CONTINUE;
                }
                String name = dir.getFileName().toString();
                if (name.startsWith("pgsql_tmp")) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                String rel = relative(dataDir, dir);
                items.add(new Item(rel, FileList.Type.DIR, mode(dir, attrs), 0, mtime(attrs), null, null, null));
                if (rel.equals("pg_wal")) {
                    items.add(new Item("pg_wal/archive_status", FileList.Type.DIR, 0700, 0, mtime(attrs), null, null, null));
                    return FileVisitResult.SKIP_SUBTREE; // its WAL is copied after pg_backup_stop
                }
                return EXCLUDED_CONTENTS.contains(name) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (stop.getAsBoolean()) {
                    throw new IOException("walk stopped");
                }
                String name = file.getFileName().toString();
                String rel = relative(dataDir, file);
                if (attrs.isSymbolicLink()) {
                    if (rel.equals("pg_wal")) { // pg_wal elsewhere (initdb -X): stored as a directory, as pg_basebackup does
                        items.add(new Item(rel, FileList.Type.DIR, 0700, 0, mtime(attrs), null, null, null));
                        items.add(new Item("pg_wal/archive_status", FileList.Type.DIR, 0700, 0, mtime(attrs), null, null, null));
                    } else {
                        items.add(new Item(rel, FileList.Type.SYMLINK, 0777, 0, mtime(attrs), null, null,
                                Files.readSymbolicLink(file).toString()));
                    }
                } else if (attrs.isRegularFile() && !EXCLUDED_FILES.contains(name) && !name.startsWith("pg_internal.init")
                        && !name.startsWith("pgsql_tmp") && !(inDatabase(rel) && TEMP_RELATION.matcher(name).matches())) {
                    Item item = new Item(rel, FileList.Type.FILE, mode(file, attrs), attrs.size(), mtime(attrs), file, null, null);
                    if (rel.equals("global/pg_control")) {
                        control[0] = item;
                    } else {
                        items.add(item);
                    }
                }
                return FileVisitResult.CONTINUE; // sockets and the like are left out, as pg_basebackup does
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE; // dropped meanwhile
                }
                throw new IOException("could not read " + file + " (" + reason(e) + ")", e);
            }
        });
        if (control[0] == null) {
            throw new IOException(dataDir + " has no global/pg_control");
        }
        List<Item> kept = withoutUnlogged(items);
        kept.add(control[0]); // after everything else, as pg_basebackup sends it
        for (Item i : kept) {
            if (i.path().getBytes(StandardCharsets.UTF_8).length > MAX_NAME) {
                throw new IOException("the data directory holds a path longer than " + MAX_NAME
                        + " bytes, which a PostgreSQL base backup cannot hold: " + i.path());
            }
        }
        return kept;
    }

    /** Whether {@code rel} is directly in a database's directory ({@code base/OID/...}). */
    private static boolean inDatabase(String rel) {
        return rel.startsWith("base/") && rel.indexOf('/', 5) > 0 && rel.indexOf('/', rel.indexOf('/', 5) + 1) < 0;
    }

    /**
     * Drops the forks of unlogged relations but their init fork, as pg_basebackup does: a restored unlogged table
     * starts empty.
     */
    private static List<Item> withoutUnlogged(List<Item> items) {
        Set<String> unlogged = new HashSet<>();
        for (Item i : items) {
            Fork f = Fork.of(i);
            if (f != null && f.init()) {
                unlogged.add(f.relation());
            }
        }
        List<Item> kept = new ArrayList<>(items.size());
        for (Item i : items) {
            Fork f = Fork.of(i);
            if (f == null || f.init() || !unlogged.contains(f.relation())) {
                kept.add(i);
            }
        }
        return kept;
    }

    /** A file of a relation in a database's directory: {@code base/OID/RELFILENODE}, and whether it is the init fork. */
    private record Fork(String relation, boolean init) {
        /** The fork {@code i} is, or null for any other entry. */
        static Fork of(Item i) {
            if (i.type() != FileList.Type.FILE || !inDatabase(i.path())) {
                return null;
            }
            int slash = i.path().lastIndexOf('/');
            Matcher m = RELATION.matcher(i.path().substring(slash + 1));
            return m.matches() ? new Fork(i.path().substring(0, slash + 1) + m.group(1), "init".equals(m.group(3))) : null;
        }
    }

    /**
     * The WAL a backup from {@code start} to {@code stop} needs, as pg_basebackup {@code -X fetch} includes it: every
     * segment of the range, each with an archive_status {@code .done} marker (so a restored server does not archive
     * it again), and every timeline history file.
     */
    static List<Item> wal(Source source, int timeline, long start, long stop, long now) throws IOException {
        Path walDir = source.dataDir().resolve("pg_wal");
        long size = source.segmentSize();
        List<Item> items = new ArrayList<>();
        List<String> done = new ArrayList<>();
        for (long seg = start / size; seg <= (stop - 1) / size; seg++) {
            String name = WalArchive.segmentName(timeline, seg * size, size);
            Path file = walDir.resolve(name);
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(file, BasicFileAttributes.class);
            } catch (NoSuchFileException e) {
                throw new IOException("WAL segment " + name + " was removed before Keel could copy it; raise "
                        + "wal_keep_size so the server keeps the WAL of a backup until it ends", e);
            }
            if (attrs.size() != size) {
                throw new IOException("WAL segment " + name + " has " + attrs.size() + " bytes, not " + size);
            }
            items.add(new Item("pg_wal/" + name, FileList.Type.FILE, mode(file, attrs), size, mtime(attrs), file, null, null));
            done.add(name);
        }
        try (var list = Files.list(walDir)) {
            for (Path p : (Iterable<Path>) list.sorted()::iterator) {
                String name = p.getFileName().toString();
                if (HISTORY.matcher(name).matches()) {
                    BasicFileAttributes attrs = Files.readAttributes(p, BasicFileAttributes.class);
                    items.add(new Item("pg_wal/" + name, FileList.Type.FILE, mode(p, attrs), attrs.size(), mtime(attrs), p,
                            null, null));
                    done.add(name);
                }
            }
        }
        for (String name : done) {
            items.add(Item.content("pg_wal/archive_status/" + name + ".done", "", now));
        }
        return items;
    }

    /** Why a file could not be read, in a few words ({@code AccessDeniedException}'s message is only the path). */
    static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException fse) {
            return fse.getReason() != null ? fse.getReason() : e.getClass().getSimpleName();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static String relative(Path root, Path p) {
        return root.relativize(p).toString().replace('\\', '/');
    }

    private static long mtime(BasicFileAttributes attrs) {
        return attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.SECONDS);
    }

    private static int mode(Path p, BasicFileAttributes attrs) throws IOException {
        Set<PosixFilePermission> perms = attrs instanceof PosixFileAttributes posix ? posix.permissions()
                : Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).permissions();
        int mode = 0;
        for (PosixFilePermission perm : perms) {
            mode |= 1 << (8 - perm.ordinal()); // OWNER_READ is 0400, ..., OTHERS_EXECUTE 01
        }
        return mode;
    }

    /** Part of one entry: its header when {@code first}, {@code length} bytes from {@code offset}, padding when {@code last}. */
    record Piece(Item item, long offset, int length, boolean first, boolean last) {
    }

    /**
     * The entries cut into pieces of work: a file larger than {@value #PIECE} bytes in pieces of that size, each a
     * task of its own; smaller entries packed into tasks of up to {@value #PIECE} tar bytes.
     */
    static List<List<Piece>> tasks(List<Item> items) {
        List<List<Piece>> tasks = new ArrayList<>();
        List<Piece> pack = new ArrayList<>();
        long packed = 0;
        for (Item i : items) {
            if (i.type() == FileList.Type.FILE && i.size() > PIECE) {
                for (long off = 0; off < i.size(); off += PIECE) {
                    int n = (int) Math.min(PIECE, i.size() - off);
                    tasks.add(List.of(new Piece(i, off, n, off == 0, off + n == i.size())));
                }
                continue;
            }
            long bytes = TAR_BLOCK + padded(i.size());
            if (packed + bytes > PIECE && !pack.isEmpty()) {
                tasks.add(pack);
                pack = new ArrayList<>();
                packed = 0;
            }
            pack.add(new Piece(i, 0, (int) i.size(), true, true));
            packed += bytes;
        }
        if (!pack.isEmpty()) {
            tasks.add(pack);
        }
        return tasks;
    }

    /** {@code size} rounded up to whole tar blocks. */
    static long padded(long size) {
        return (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
    }

    /**
     * The CRC-32C of two byte sequences one after the other, from the CRC-32C of each and the second's length
     * (zlib's crc32_combine, with CRC-32C's polynomial): each piece of a file is checksummed on its own thread.
     */
    static int crc32cCombine(int crc1, int crc2, long length2) {
        if (length2 <= 0) {
            return crc1;
        }
        int[] even = new int[32];
        int[] odd = new int[32];
        odd[0] = 0x82F63B78; // the reflected polynomial: the operator for one zero bit
        int row = 1;
        for (int n = 1; n < 32; n++) {
            odd[n] = row;
            row <<= 1;
        }
        square(even, odd); // two zero bits
        square(odd, even); // four
        long len = length2;
        do { // apply len zero bytes to crc1
            square(even, odd);
            if ((len & 1) != 0) {
                crc1 = times(even, crc1);
            }
            len >>>= 1;
            if (len == 0) {
                break;
            }
            square(odd, even);
            if ((len & 1) != 0) {
                crc1 = times(odd, crc1);
            }
            len >>>= 1;
        } while (len != 0);
        return crc1 ^ crc2;
    }

    private static int times(int[] matrix, int vector) {
        int sum = 0;
        for (int i = 0; vector != 0; i++, vector >>>= 1) {
            if ((vector & 1) != 0) {
                sum ^= matrix[i];
            }
        }
        return sum;
    }

    private static void square(int[] square, int[] matrix) {
        for (int n = 0; n < 32; n++) {
            square[n] = times(matrix, matrix[n]);
        }
    }

    /** A piece as read: whether its file had vanished, its blocks' XXH64, its CRC-32C, where its bytes start in the slot. */
    private record Read(boolean vanished, long[] blocks, int crc, int at) {
    }

    /**
     * A task's buffers and compressor, used by one thread at a time. The tar bytes are read into a direct buffer,
     * where the hashes and the compressor read them in place: reading into a heap array costs the JDK a copy through
     * a direct buffer of its own, 2 GB of copying for a 2 GB backup.
     */
    private static final class Slot implements AutoCloseable {
        private static final byte[] ZEROS = new byte[64 * 1024];
        final ByteBuffer raw = ByteBuffer.allocateDirect(CAPACITY);
        final Framing.Encoder encoder;
        ByteBuffer frame;
        byte[] stored; // what goes to the stream: the frames, or the tar itself without compression
        final byte[] header = new byte[TAR_BLOCK];
        final net.jpountz.xxhash.XXHash64 xxh = net.jpountz.xxhash.XXHashFactory.fastestInstance().hash64();
        final CRC32C crc = new CRC32C();
        // filled by the task
        int rawLength;
        int storedLength;
        Read[] reads;
        // the task's frames: frame i holds tar bytes [cuts[i - 1], cuts[i]) (from 0 for the first), in frameStored[i]
        // stored bytes
        int[] cuts = new int[32];
        int[] frameStored = new int[32];
        int frameCount;

        Slot(Framing framing) {
            this.encoder = framing == null ? null : framing.encoder();
            // each frame has its own overhead: room for a frame per block beyond the bound of one (seal grows it if a
            // task's frames could need more)
            this.frame = encoder == null ? null : ByteBuffer.allocateDirect(encoder.maxFrame(CAPACITY) + 64 * 1024);
            this.stored = new byte[encoder == null ? CAPACITY : frame.capacity()];
        }

        /** Where frame {@code i} of the task starts in its tar bytes. */
        int frameStart(int i) {
            return i == 0 ? 0 : cuts[i - 1];
        }

        /** The tar bytes frame {@code i} of the task holds. */
        int frameLength(int i) {
            return cuts[i] - frameStart(i);
        }

        /**
         * Ends a frame at tar byte {@code at} of the task when it would hold at least {@value #FRAME} bytes, or
         * whenever {@code last} (the task's end).
         */
        void cut(int at, boolean last) {
            int from = frameStart(frameCount);
            if (at - from >= FRAME || (last && at > from)) {
                if (frameCount == cuts.length) {
                    cuts = java.util.Arrays.copyOf(cuts, frameCount * 2);
                    frameStored = java.util.Arrays.copyOf(frameStored, frameCount * 2);
                }
                cuts[frameCount++] = at;
            }
        }

        /** The tar bytes {@code [0, length)} compressed (or not) frame by frame into {@link #stored}. */
        void seal(int length) {
            cut(length, true);
            rawLength = length;
            if (encoder == null) {
                raw.get(0, stored, 0, length);
                storedLength = length;
                for (int i = 0; i < frameCount; i++) {
                    frameStored[i] = frameLength(i);
                }
                return;
            }
            long bound = 0;
            for (int i = 0; i < frameCount; i++) {
                bound += encoder.maxFrame(frameLength(i));
            }
            if (bound > frame.capacity()) { // many frames of incompressible data: room for the worst case
                zero(frame, stored);
                frame = ByteBuffer.allocateDirect((int) bound);
                stored = new byte[(int) bound];
            }
            int out = 0;
            for (int i = 0; i < frameCount; i++) {
                int n = frameLength(i);
                frameStored[i] = encoder.frame(raw.slice(frameStart(i), n), n, frame.slice(out, frame.capacity() - out));
                out += frameStored[i];
            }
            storedLength = out;
            frame.get(0, stored, 0, storedLength);
        }

        /** {@code raw[from, to)} set to zeros. */
        void zero(int from, int to) {
            zero(raw, from, to);
        }

        private static void zero(ByteBuffer buffer, int from, int to) {
            for (int at = from; at < to; at += ZEROS.length) {
                buffer.put(at, ZEROS, 0, Math.min(ZEROS.length, to - at));
            }
        }

        /** No compressed data left behind in buffers the JVM frees later. */
        private static void zero(ByteBuffer frame, byte[] stored) {
            if (frame != null) {
                zero(frame, 0, frame.capacity());
            }
            java.util.Arrays.fill(stored, (byte) 0);
        }

        @Override
        public void close() {
            if (encoder != null) {
                encoder.close();
            }
            zero(0, CAPACITY); // no plain data left behind in memory the JVM frees later
            zero(frame, stored);
        }
    }

    /**
     * Runs tasks on a few threads and appends their output in order; the file list is built as each task's turn
     * comes. At most two tasks more than there are threads are under way, each in a slot of its own, so memory stays
     * at a few pieces. For a full backup the output is the tar; for an incremental ({@code unchanged} given), the
     * blocks that no older backup holds.
     */
    static final class Pipeline implements AutoCloseable {
        private final OutputStream out;
        private final Unchanged unchanged;
        private final TarIndexer.EntrySink sink;
        private final Progress progress;
        private final Throttle throttle;
        private final ExecutorService pool;
        private final Deque<Slot> free = new ArrayDeque<>();
        private final List<Slot> all = new ArrayList<>();
        private final HexFormat hex = HexFormat.of();
        private long tarBytes;
        // the file whose pieces are being appended
        private Item current;
        private boolean dropped;
        private final MessageDigest whole = TarIndexer.sha256();
        private final List<FileList.Block> blocks = new ArrayList<>();
        private int crc;
        private final String holder; // the backup holding every block
        private final FrameIndex frames = new FrameIndex(); // of the tar, for a full backup

        Pipeline(OutputStream out, Framing framing, Unchanged unchanged, String holder, TarIndexer.EntrySink sink,
                 Progress progress, Throttle throttle, int threads) {
            this.out = out;
            this.unchanged = unchanged;
            this.holder = holder;
            this.sink = sink;
            this.progress = progress;
            this.throttle = throttle;
            this.pool = Workers.pool(threads, "keel-backup-read");
            for (int i = 0; i < threads + 2; i++) {
                Slot s = new Slot(framing);
                all.add(s);
                free.add(s);
            }
        }

        void run(List<List<Piece>> tasks) throws IOException {
            Deque<Future<Slot>> running = new ArrayDeque<>();
            Deque<List<Piece>> order = new ArrayDeque<>();
            int next = 0;
            while (next < tasks.size() || !running.isEmpty()) {
                while (next < tasks.size() && !free.isEmpty()) {
                    List<Piece> task = tasks.get(next++);
                    Slot slot = free.poll();
                    running.add(pool.submit(() -> fill(slot, task)));
                    order.add(task);
                }
                Slot done;
                try {
                    done = running.poll().get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted during the backup");
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof IOException io) {
                        throw io;
                    }
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new IOException(cause);
                }
                append(order.poll(), done);
                free.add(done);
            }
        }

        /** Writes a task's output and records its entries. */
        private void append(List<Piece> task, Slot slot) throws IOException {
            Piece head = task.get(0);
            if (!head.first() && head.item() == current && dropped) {
                return; // a later piece of a file that had vanished: its header was never written
            }
            if (unchanged == null) {
                throttle.acquire(slot.storedLength);
                out.write(slot.stored, 0, slot.storedLength);
                for (int i = 0; i < slot.frameCount; i++) {
                    frames.add(slot.frameLength(i), slot.frameStored[i]);
                }
            } else {
                throttle.acquire(slot.rawLength);
            }
            tarBytes += slot.rawLength;
            progress.set(tarBytes);
            for (int p = 0; p < task.size(); p++) {
                Piece piece = task.get(p);
                Read read = slot.reads[p];
                if (piece.first()) {
                    current = piece.item();
                    dropped = read.vanished();
                    whole.reset();
                    blocks.clear();
                }
                if (dropped) {
                    continue;
                }
                long[] hashes = read.blocks();
                for (int b = 0; b < hashes.length; b++) {
                    byte[] digest = FileList.BlockHash.xxh64Digest(hashes[b]);
                    whole.update(digest);
                    String hash = hex.formatHex(digest);
                    blocks.add(new FileList.Block(hash, unchanged == null ? holder : holderOf(slot, piece, read, b, hash)));
                }
                crc = piece.first() ? read.crc() : crc32cCombine(crc, read.crc(), piece.length());
                if (piece.last()) {
                    Item i = piece.item();
                    sink.accept(switch (i.type()) {
                        case DIR -> new FileList.Entry(i.path(), FileList.Type.DIR, i.mode(), 0, null, null, List.of());
                        case SYMLINK -> new FileList.Entry(i.path(), FileList.Type.SYMLINK, i.mode(), 0, null, i.link(),
                                List.of());
                        case FILE -> new FileList.Entry(i.path(), FileList.Type.FILE, i.mode(), i.size(),
                                hex.formatHex(whole.digest()), null, blocks, PgBackupManifest.checksum(crc), i.mtime());
                    });
                }
            }
        }

        /** For an incremental: the backup holding a block of {@code piece}, after storing it if that is this one. */
        private String holderOf(Slot slot, Piece piece, Read read, int b, String hash) throws IOException {
            int offset = b * FileList.BLOCK_SIZE;
            int length = Math.min(FileList.BLOCK_SIZE, piece.length() - offset);
            String older = unchanged.holder(piece.item().path(), (int) (piece.offset() / FileList.BLOCK_SIZE) + b, hash,
                    length);
            if (older != null) {
                return older;
            }
            slot.raw.get(read.at() + offset, slot.stored, 0, length);
            out.write(slot.stored, 0, length);
            return holder;
        }

        /** Reads, hashes and compresses one task into {@code slot}, on a pool thread. */
        private Slot fill(Slot slot, List<Piece> task) throws IOException {
            ByteBuffer raw = slot.raw;
            int at = 0;
            slot.reads = new Read[task.size()];
            slot.frameCount = 0;
            for (int p = 0; p < task.size(); p++) {
                Piece piece = task.get(p);
                Item item = piece.item();
                FileChannel channel = null;
                try {
                    if (item.source() != null) {
                        try {
                            channel = FileChannel.open(item.source(), StandardOpenOption.READ);
                        } catch (NoSuchFileException e) {
                            if (piece.first()) { // gone before its header: left out, as pg_basebackup does
                                slot.reads[p] = new Read(true, new long[0], 0, at);
                                continue;
                            } // gone part-way: the rest is zeros, which WAL replay removes with the file
                        }
                    }
                    if (piece.first()) {
                        header(slot, item);
                        raw.put(at, slot.header);
                        at += TAR_BLOCK;
                    }
                    int n = piece.length();
                    if (item.content() != null) {
                        raw.put(at, item.content());
                    } else if (n > 0) {
                        int got = 0;
                        if (channel != null) {
                            ByteBuffer into = raw.duplicate().limit(at + n).position(at);
                            for (int r; into.hasRemaining() && (r = channel.read(into, piece.offset() + got)) > 0; ) {
                                got += r;
                            }
                        }
                        slot.zero(at + got, at + n); // shrank meanwhile: zeros, as pg_basebackup sends
                    }
                    long[] hashes = new long[FileList.Entry.blockCount(n)];
                    for (int b = 0; b < hashes.length; b++) {
                        int off = b * FileList.BLOCK_SIZE;
                        hashes[b] = slot.xxh.hash(raw, at + off, Math.min(FileList.BLOCK_SIZE, n - off), 0L);
                    }
                    slot.crc.reset();
                    slot.crc.update(raw.duplicate().limit(at + n).position(at));
                    slot.reads[p] = new Read(false, hashes, (int) slot.crc.getValue(), at);
                    int start = at;
                    at += n;
                    if (piece.last()) {
                        int pad = (int) (padded(item.size()) - item.size());
                        slot.zero(at, at + pad);
                        at += pad;
                    }
                    for (int b = 0; b < hashes.length; b++) { // a frame ends only where a block does
                        slot.cut(b == hashes.length - 1 ? at : start + (b + 1) * FileList.BLOCK_SIZE, false);
                    }
                } catch (IOException e) {
                    throw new IOException("could not read " + item.source() + " (" + reason(e) + ")", e);
                } finally {
                    if (channel != null) {
                        channel.close();
                    }
                }
            }
            if (unchanged == null) {
                slot.seal(at);
            } else { // an incremental stores single blocks, picked as the pieces are appended
                slot.rawLength = at;
                slot.storedLength = 0;
            }
            return slot;
        }

        /** The tar header of {@code item}, as PostgreSQL writes one (permission bits only, owner 0). */
        private static void header(Slot slot, Item item) {
            TarArchiveEntry e = switch (item.type()) {
                case DIR -> new TarArchiveEntry(item.path() + "/", TarConstants.LF_DIR, true);
                case SYMLINK -> {
                    TarArchiveEntry link = new TarArchiveEntry(item.path(), TarConstants.LF_SYMLINK, true);
                    link.setLinkName(item.link());
                    yield link;
                }
                case FILE -> {
                    TarArchiveEntry file = new TarArchiveEntry(item.path(), TarConstants.LF_NORMAL, true);
                    file.setSize(item.size());
                    yield file;
                }
            };
            e.setMode(item.mode());
            e.setModTime(FileTime.from(item.mtime(), java.util.concurrent.TimeUnit.SECONDS));
            java.util.Arrays.fill(slot.header, (byte) 0);
            e.writeEntryHeader(slot.header);
        }

        /** The tar's length so far. */
        long tarBytes() {
            return tarBytes;
        }

        /** Where each frame of the tar lies, so far (a full backup's). */
        FrameIndex frames() {
            return frames;
        }

        /** Ends the tar with its two zero blocks (an incremental's blocks need no end). */
        void end() throws IOException {
            if (unchanged != null) {
                return;
            }
            Slot slot = free.peek();
            slot.zero(0, 2 * TAR_BLOCK);
            slot.frameCount = 0;
            slot.seal(2 * TAR_BLOCK);
            out.write(slot.stored, 0, slot.storedLength);
            frames.add(2 * TAR_BLOCK, slot.storedLength);
            tarBytes += 2 * TAR_BLOCK;
        }

        @Override
        public void close() {
            pool.shutdownNow();
            try {
                pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            all.forEach(Slot::close);
        }
    }
}
