package dev.keel.ops.backup;

import dev.keel.core.KeelException;
import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.connect.Secrets;
import dev.keel.core.progress.Progress;
import dev.keel.embedded.Directories;
import dev.keel.embedded.BinaryLocator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Physical backups: pg_basebackup's tar stream (with the WAL it needs, {@code -X fetch}) read straight from the
 * pipe into the encrypted repository, so nothing unencrypted touches the disk; and restores of such a backup into
 * a data directory. A backup is complete only once every chunk is durable and its manifest written.
 *
 * <p>Implementation notes. Every physical backup also stores its {@link FileList} (stream
 * {@value FileList#STREAM}): each file cut into blocks of {@value FileList#BLOCK_SIZE} bytes with their XXH64
 * hashes, computed while the tar streams past. A full backup keeps pg_basebackup's tar byte for byte (stream
 * {@code base.tar}) and holds all its blocks.
 * An incremental reads every file the same way, since PostgreSQL 15 has no incremental base backup (from the data
 * directory where {@link DirectBackup} can, else through pg_basebackup), but keeps only the blocks whose path,
 * position and hash differ from its parent's list (stream {@value #BLOCKS_STREAM}, the blocks concatenated in list
 * order); its list names the older backup that holds every other block.
 * {@code backup_label}, {@code backup_manifest}, {@code tablespace_map} and everything under {@code pg_wal/} are
 * always stored. Why blocks and not whole files: the decision is taken as each block is read, so memory stays at
 * one block, no file is ever buffered or spilled to disk (a table segment can be 1 GiB), and a table that grew
 * by a few rows costs one block, not its whole segment. A restore of an incremental writes each block from the
 * backup that holds it and checks it against the list's hash, so it yields exactly the bytes read for the
 * incremental, which its own {@code backup_manifest} then verifies (pg_basebackup's, in its tar, or Keel's, stored
 * beside the blocks when Keel read the files).
 *
 * <p>Taking an incremental needs the private key: the parent's list is encrypted like everything else, and
 * comparing against it without a secret would mean storing plain (guessable) hashes of the data in the
 * repository. A full backup still needs only the public key.
 */
public final class BaseBackups {

    /**
     * What a backup recorded; {@code rawBytes} is what this backup stores before compression, {@code engine} how it
     * read the server ({@link Engine#DIRECT} or {@link Engine#PG_BASEBACKUP}).
     */
    public record Result(String id, String startLsn, String stopLsn, String timeline, long rawBytes, long millis,
                         Engine engine) {
    }

    /**
     * What an incremental backup recorded.
     *
     * @param sourceBytes  what pg_basebackup sent, i.e. what a full backup would have stored
     * @param storedBytes  what the repository holds for it, compressed and encrypted
     * @param changedFiles files whose content differs from the parent's (new ones included)
     * @param skippedFiles files identical to the parent's, stored by reference only
     */
    public record IncrementalResult(Result backup, String parent, int changedFiles, int skippedFiles,
                                    long sourceBytes, long storedBytes) {
    }

    static final String BLOCKS_STREAM = "base.tar.blocks";
    private static final Set<String> ALWAYS_STORED = Set.of("backup_label", "backup_manifest", "tablespace_map");
    private static final Pattern START = Pattern.compile("(?:write-ahead log start point|starting point): ([0-9A-F]+/[0-9A-F]+) on timeline (\\d+)");
    private static final Pattern STOP = Pattern.compile("write-ahead log end point: ([0-9A-F]+/[0-9A-F]+)");
    private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private BaseBackups() {
    }

    /**
     * The size of the cluster a base backup of {@code c}'s server streams, for a progress bar: the sum of its
     * databases (WAL and configuration come on top); -1 when it cannot be read.
     */
    public static long clusterBytes(java.sql.Connection c) {
        try (var st = c.createStatement(); var rs = st.executeQuery("select sum(pg_database_size(oid))::bigint from pg_database")) {
            return rs.next() ? rs.getLong(1) : -1;
        } catch (java.sql.SQLException e) {
            return -1;
        }
    }

    /** Takes a full backup of the server {@code spec} points at with {@code pgBasebackup}. */
    public static Result full(ConnectionSpec spec, Path pgBasebackup, Repository repository, Compression compression,
                              String serverVersion, Progress progress) {
        return full(spec, pgBasebackup, repository, compression, serverVersion, progress, null, 0);
    }

    /**
     * How a full backup reads the server ({@code backup.engine}): Keel reading the data directory itself where it
     * can ({@link DirectBackup}: on the database's machine, PostgreSQL 15 or later, a primary without tablespaces),
     * or pg_basebackup streaming it over a replication connection.
     */
    public enum Engine {
        /** Keel's own reading where it can, pg_basebackup elsewhere. */
        AUTO,
        /** Always pg_basebackup. */
        PG_BASEBACKUP,
        /** Always Keel's own reading; a server where it cannot is refused, saying why. */
        DIRECT;

        /** {@code auto}, {@code pg_basebackup} or {@code direct}. */
        public static Engine of(String name) {
            for (Engine e : values()) {
                if (e.id().equals(name)) {
                    return e;
                }
            }
            throw BackupException.usage("unknown backup engine '" + name + "'", "use auto, pg_basebackup or direct");
        }

        /** The name keel.yaml uses. */
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** How a backup taken this way reached the repository, for a sentence: "read from the data directory". */
        public String how() {
            return switch (this) {
                case DIRECT -> "read from the data directory";
                case PG_BASEBACKUP -> "streamed by pg_basebackup";
                case AUTO -> "read from the data directory where Keel can, else streamed by pg_basebackup";
            };
        }
    }

    /** What to do when Keel cannot read a server's data directory itself and {@code backup.engine} says it must. */
    private static final String OTHER_ENGINE = "set backup.engine: auto or pg_basebackup in keel.yaml (or --engine)";

    /**
     * What a restore did to the data directory: the bytes of file data it found in place (a delta restore's), and
     * those it wrote. Together they are the files' bytes, whatever the backup's tar held besides.
     */
    public record Restored(long keptBytes, long writtenBytes) {
    }

    /**
     * Takes a full backup; with a {@code stateDir}, its file list is also kept there (see {@link FileListCache}),
     * so the next incremental backup needs no private key. {@code maxRateKb} above 0 caps what the server sends
     * per second ({@code backup.max-rate}; with server-side compression, the compressed bytes).
     */
    public static Result full(ConnectionSpec spec, Path pgBasebackup, Repository repository, Compression compression,
                              String serverVersion, Progress progress, Path stateDir, long maxRateKb) {
        return full(spec, pgBasebackup, repository, compression, serverVersion, progress, stateDir, maxRateKb, Engine.AUTO);
    }

    /**
     * As {@link #full(ConnectionSpec, Path, Repository, Compression, String, Progress, Path, long)}, read by
     * {@code engine}. With {@link Engine#AUTO}, a server Keel cannot read itself (or cannot open a plain connection
     * to) goes to pg_basebackup; with {@link Engine#DIRECT} it is refused, saying why.
     */
    public static Result full(ConnectionSpec spec, Path pgBasebackup, Repository repository, Compression compression,
                              String serverVersion, Progress progress, Path stateDir, long maxRateKb, Engine engine) {
        return full(spec, null, pgBasebackup, repository, compression, serverVersion, progress, stateDir, maxRateKb,
                engine);
    }

    /**
     * As {@link #full(ConnectionSpec, Path, Repository, Compression, String, Progress, Path, long, Engine)}, with
     * {@code open} (when not null) a connection to the same server that the backup takes over and closes, so that
     * Keel's own reading needs no second one (each costs an authentication).
     */
    public static Result full(ConnectionSpec spec, java.sql.Connection open, Path pgBasebackup, Repository repository,
                              Compression compression, String serverVersion, Progress progress, Path stateDir,
                              long maxRateKb, Engine engine) {
        Objects.requireNonNull(engine, "null engine");
        if (engine == Engine.PG_BASEBACKUP) {
            closeQuietly(open); // only Keel's own reading uses it
        } else {
            java.util.Optional<Result> direct = tryDirect(spec, open, serverVersion, engine == Engine.DIRECT,
                    (c, source) -> directFull(c, source, repository, compression, serverVersion, progress, stateDir,
                            maxRateKb));
            if (direct.isPresent()) {
                return direct.get();
            }
        }
        String id = newId(repository, "full");
        try (FileListCache.Copy listCopy = FileListCache.Copy.of(stateDir, id)) { // a failed backup leaves no copy
            long t0 = System.nanoTime();
            BackupWriter writer = BackupWriter.open(repository, id, compression); // no key yet: refused before pg_basebackup
            long[] raw = {0};
            java.util.Optional<Framing> framing = serverCompresses(serverVersion, pgBasebackup)
                    ? Framing.of(compression) : java.util.Optional.empty();
            String log;
            PgBackupManifest pgManifest = new PgBackupManifest();
            if (framing.isPresent()) {
                log = basebackup(spec, pgBasebackup, id, maxRateKb, serverCompression(framing.get()), in -> {
                    try (BackupWriter.ChunkOutputStream tar = writer.stream("base.tar", framing.get());
                         FileList.Writer list = new FileList.Writer(listCopy.tee(writer.stream(FileList.STREAM)), id)) {
                        raw[0] = storeFramed(in, tar, framing.get(), entry -> {
                            list.add(entry);
                            pgManifest.add(entry);
                        }, id, progress);
                    }
                });
            } else {
                log = basebackup(spec, pgBasebackup, id, maxRateKb, List.of(), in -> {
                    try (OutputStream tar = writer.stream("base.tar");
                         FileList.Writer list = new FileList.Writer(listCopy.tee(writer.stream(FileList.STREAM)), id)) {
                        // The tar is stored exactly as sent; the index reads the same bytes on their way through.
                        CountingInputStream through = new CountingInputStream(in, tar, n -> progress.set(raw[0] = n));
                        TarIndexer.index(through, (path, index, hash, block, length) -> id, list::add);
                        through.transferTo(OutputStream.nullOutputStream());
                    }
                });
            }
            Map<String, String> meta = metadata("full", log, serverVersion, t0);
            meta.put("engine", Engine.PG_BASEBACKUP.id());
            // An uncompressed tar holds pg_basebackup's own backup_manifest; a compressed one does not, so Keel's is stored.
            return completeFull(writer, meta, framing.isPresent() ? pgManifest : null, listCopy, raw[0]);
        }
    }

    /** A backup taken by {@link DirectBackup} over an open connection, from the source its probe found. */
    private interface DirectTaker<R> {
        R take(java.sql.Connection c, DirectBackup.Source source);
    }

    /**
     * A backup read by {@link DirectBackup}, when the server allows it: PostgreSQL 15 or later (known from
     * {@code serverVersion}, without a connection), a plain connection, and {@link DirectBackup#probe}'s conditions.
     * Otherwise empty, or with {@code required} a usage error that says which condition failed.
     */
    private static <R> java.util.Optional<R> tryDirect(ConnectionSpec spec, java.sql.Connection open,
                                                       String serverVersion, boolean required, DirectTaker<R> taker) {
        if (major(serverVersion) < 15) {
            closeQuietly(open);
            if (required) {
                throw BackupException.usage("Keel reads a data directory itself only from PostgreSQL 15 on, and "
                        + spec.address() + " runs " + serverVersion, OTHER_ENGINE);
            }
            return java.util.Optional.empty();
        }
        java.sql.Connection c = open;
        try {
            if (c == null) {
                c = dev.keel.core.connect.Connections.open(spec);
            }
        } catch (KeelException e) {
            if (required) {
                throw e;
            }
            return java.util.Optional.empty(); // a user allowed replication connections only: pg_basebackup may get in
        }
        try {
            DirectBackup.Probe probe = DirectBackup.probe(c);
            if (probe.source() != null) {
                return java.util.Optional.of(taker.take(c, probe.source()));
            }
            if (required) {
                throw BackupException.usage("Keel cannot read the data directory of " + spec.address() + " itself: "
                        + probe.why(), OTHER_ENGINE);
            }
            return java.util.Optional.empty();
        } finally {
            closeQuietly(c); // ends backup mode if the copy failed part-way
        }
    }

    private static void closeQuietly(java.sql.Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (java.sql.SQLException ignored) {
            // the backup's own outcome is what counts
        }
    }

    /** A full backup read by {@link DirectBackup} from {@code source}, over {@code c}. */
    private static Result directFull(java.sql.Connection c, DirectBackup.Source source, Repository repository,
                                     Compression compression, String serverVersion, Progress progress, Path stateDir,
                                     long maxRateKb) {
        String id = newId(repository, "full");
        try (FileListCache.Copy listCopy = FileListCache.Copy.of(stateDir, id)) { // a failed backup leaves no copy
            long t0 = System.nanoTime();
            BackupWriter writer = BackupWriter.open(repository, id, compression);
            Framing framing = Framing.of(compression).orElse(null);
            PgBackupManifest pgManifest = new PgBackupManifest();
            DirectBackup.Copied copied;
            try (OutputStream tar = framing != null ? writer.stream("base.tar", framing) : writer.stream("base.tar");
                 FileList.Writer list = new FileList.Writer(listCopy.tee(writer.stream(FileList.STREAM)), id)) {
                copied = DirectBackup.copy(c, source, id, tar, framing, null, entry -> {
                    list.add(entry);
                    pgManifest.add(entry);
                }, progress, maxRateKb * 1024);
                if (framing != null) {
                    ((BackupWriter.ChunkOutputStream) tar).decodedBytes(copied.tarBytes());
                }
                // The frame index and PostgreSQL's manifest are stored while the tar's last chunks are still being
                // sealed on their own threads; closing the tar waits for those.
                try (OutputStream frames = writer.stream(FrameIndex.STREAM)) {
                    copied.frames().write(frames);
                }
                storePgManifest(writer, pgManifest, copied.timeline(), copied.startLsn(), copied.stopLsn());
            } catch (IOException e) {
                throw copyFailed(id, source, e);
            }
            Map<String, String> meta = metadata("full", copied.startLsn(), copied.stopLsn(), copied.timeline(), serverVersion, t0);
            meta.put("engine", Engine.DIRECT.id());
            return completeFull(writer, meta, null, listCopy, copied.tarBytes());
        }
    }

    /** Stores PostgreSQL's manifest (when given, and not stored yet) and marks a full backup complete. */
    private static Result completeFull(BackupWriter writer, Map<String, String> meta, PgBackupManifest pgManifest,
                                       FileListCache.Copy listCopy, long rawBytes) {
        String id = writer.backupId();
        if (pgManifest != null) {
            storePgManifest(writer, pgManifest, meta.get("timeline"), meta.get("startLsn"), meta.get("stopLsn"));
        }
        meta.put(FileListCache.SHA_KEY, listCopy.sha256());
        writer.complete(meta);
        listCopy.keep();
        return result(id, meta, rawBytes);
    }

    /** A direct backup that failed part-way: nothing is complete, and pg_basebackup is the way round. */
    private static BackupException copyFailed(String id, DirectBackup.Source source, IOException e) {
        return BackupException.runtime("backup " + id + " of " + source.dataDir() + " failed: " + e.getMessage(),
                "nothing was marked complete (the next backup removes what was stored); --engine pg_basebackup "
                        + "streams the backup through the server instead", e);
    }

    /** Stores PostgreSQL's backup_manifest beside the backup's files (a restore writes it into the data directory). */
    private static void storePgManifest(BackupWriter writer, PgBackupManifest pgManifest, String timeline,
                                        String startLsn, String stopLsn) {
        pgManifest.finish(timeline, startLsn, stopLsn).ifPresent(m -> {
            try (OutputStream out = writer.stream(PgBackupManifest.NAME)) {
                out.write(m);
            } catch (IOException e) {
                throw BackupException.runtime("could not store the backup_manifest of backup " + writer.backupId() + ": "
                        + e.getMessage(), "check the repository's disk", e);
            }
        });
    }

    /**
     * Takes an incremental backup on top of the latest complete full or incremental backup; {@code key} opens
     * that parent's file list. Without any full backup yet this is refused.
     */
    public static IncrementalResult incremental(ConnectionSpec spec, Path pgBasebackup, Repository repository,
                                                Compression compression, String serverVersion, PrivateKey key,
                                                Progress progress) {
        Objects.requireNonNull(repository, "null repository");
        String parent = BackupChain.latestPhysical(repository).orElseThrow(() -> BackupException.usage(
                "there is no complete full backup to take an incremental backup on", "run keel backup full first"));
        return incremental(spec, pgBasebackup, repository, compression, serverVersion, key, parent, progress);
    }

    /** Takes an incremental backup on top of backup {@code parentId}, a complete full or incremental backup. */
    public static IncrementalResult incremental(ConnectionSpec spec, Path pgBasebackup, Repository repository,
                                                Compression compression, String serverVersion, PrivateKey key,
                                                String parentId, Progress progress) {
        Objects.requireNonNull(key, "null key");
        return incremental(spec, pgBasebackup, repository, compression, serverVersion, key, parentId, progress, null, 0);
    }

    /**
     * Takes an incremental backup on top of {@code parentId} (null: the latest physical backup). The parent's
     * file list comes from {@code stateDir} when this machine took the parent (checked against the SHA-256 the
     * parent's manifest records), else from the repository, which needs {@code key}. {@code maxRateKb}: as for
     * {@link #full(ConnectionSpec, Path, Repository, Compression, String, Progress, Path, long)}.
     */
    public static IncrementalResult incremental(ConnectionSpec spec, Path pgBasebackup, Repository repository,
                                                Compression compression, String serverVersion, PrivateKey key,
                                                String parentId, Progress progress, Path stateDir, long maxRateKb) {
        return incremental(spec, pgBasebackup, repository, compression, serverVersion, key, parentId, progress, stateDir,
                maxRateKb, Engine.AUTO);
    }

    /**
     * As {@link #incremental(ConnectionSpec, Path, Repository, Compression, String, PrivateKey, String, Progress,
     * Path, long)}, read by {@code engine}, as a full backup is: the files read from the data directory where Keel
     * can (only the changed blocks are stored either way), else streamed by pg_basebackup.
     */
    public static IncrementalResult incremental(ConnectionSpec spec, Path pgBasebackup, Repository repository,
                                                Compression compression, String serverVersion, PrivateKey key,
                                                String parentId, Progress progress, Path stateDir, long maxRateKb,
                                                Engine engine) {
        return incremental(spec, null, pgBasebackup, repository, compression, serverVersion, key, parentId, progress,
                stateDir, maxRateKb, engine);
    }

    /**
     * As {@link #incremental(ConnectionSpec, Path, Repository, Compression, String, PrivateKey, String, Progress,
     * Path, long, Engine)}, with {@code open} (when not null) a connection to the same server that the backup takes
     * over and closes, as {@link #full(ConnectionSpec, java.sql.Connection, Path, Repository, Compression, String,
     * Progress, Path, long, Engine)} does.
     */
    public static IncrementalResult incremental(ConnectionSpec spec, java.sql.Connection open, Path pgBasebackup,
                                                Repository repository, Compression compression, String serverVersion,
                                                PrivateKey key, String parentId, Progress progress, Path stateDir,
                                                long maxRateKb, Engine engine) {
        Objects.requireNonNull(repository, "null repository");
        Objects.requireNonNull(engine, "null engine");
        if (engine == Engine.PG_BASEBACKUP) {
            closeQuietly(open); // only Keel's own reading uses it
        }
        if (parentId == null) {
            parentId = BackupChain.latestPhysical(repository).orElseThrow(() -> BackupException.usage(
                    "there is no complete full backup to take an incremental backup on", "run keel backup full first"));
        }
        Names.check("backup id", parentId);
        BackupChain.of(repository, parentId); // a broken parent chain would make the new backup unrestorable
        Map<String, FileList.Entry> before = FileListCache.load(stateDir, repository, parentId).orElse(null);
        if (before == null) {
            if (key == null) {
                throw BackupException.usage("the file list of backup " + parentId + " is not kept on this machine ("
                                + (stateDir == null ? "no state directory" : stateDir) + "), and reading it from the repository needs the private key",
                        "pass --key-file FILE or set KEEL_BACKUP_KEY, or take a full backup first");
            }
            BackupReader parent = BackupReader.open(repository, parentId, key);
            if (!parent.streams().contains(FileList.STREAM)) {
                throw BackupException.usage("backup " + parentId + " has no file list (an older Keel took it), so an "
                        + "incremental backup cannot build on it", "run keel backup full first");
            }
            before = FileList.read(parent.stream(FileList.STREAM), parentId);
        }
        Increment increment = new Increment(newId(repository, "incr"), parentId, before);
        if (engine != Engine.PG_BASEBACKUP) {
            java.util.Optional<IncrementalResult> direct = tryDirect(spec, open, serverVersion, engine == Engine.DIRECT,
                    (c, source) -> directIncremental(c, source, repository, compression, serverVersion, increment,
                            progress, stateDir, maxRateKb));
            if (direct.isPresent()) {
                return direct.get();
            }
        }
        String id = increment.id;
        try (FileListCache.Copy listCopy = FileListCache.Copy.of(stateDir, id)) { // a failed backup leaves no copy
            long t0 = System.nanoTime();
            BackupWriter writer = BackupWriter.open(repository, id, compression);
            String log = basebackup(spec, pgBasebackup, id, maxRateKb, List.of(), in -> {
                try (OutputStream blocks = writer.stream(BLOCKS_STREAM);
                     FileList.Writer list = new FileList.Writer(listCopy.tee(writer.stream(FileList.STREAM)), id)) {
                    CountingInputStream counted = new CountingInputStream(in, null, n -> progress.set(increment.sourceBytes = n));
                    TarIndexer.index(counted, (path, index, hash, block, length) -> {
                        String older = increment.unchanged(path, index, hash, length);
                        if (older != null) {
                            return older;
                        }
                        blocks.write(block, 0, length);
                        return id;
                    }, entry -> {
                        list.add(entry);
                        increment.count(entry);
                    });
                    counted.transferTo(OutputStream.nullOutputStream());
                }
            });
            Map<String, String> meta = metadata("incr", log, serverVersion, t0);
            meta.put("engine", Engine.PG_BASEBACKUP.id());
            return increment.complete(repository, writer, meta, listCopy);
        }
    }

    /** An incremental backup read by {@link DirectBackup}: every file read, only the changed blocks stored. */
    private static IncrementalResult directIncremental(java.sql.Connection c, DirectBackup.Source source,
                                                       Repository repository, Compression compression,
                                                       String serverVersion, Increment increment, Progress progress,
                                                       Path stateDir, long maxRateKb) {
        String id = increment.id;
        try (FileListCache.Copy listCopy = FileListCache.Copy.of(stateDir, id)) { // a failed backup leaves no copy
            long t0 = System.nanoTime();
            BackupWriter writer = BackupWriter.open(repository, id, compression);
            PgBackupManifest pgManifest = new PgBackupManifest();
            DirectBackup.Copied copied;
            try (OutputStream blocks = writer.stream(BLOCKS_STREAM);
                 FileList.Writer list = new FileList.Writer(listCopy.tee(writer.stream(FileList.STREAM)), id)) {
                copied = DirectBackup.copy(c, source, id, blocks, null, increment::unchanged, entry -> {
                    list.add(entry);
                    pgManifest.add(entry);
                    increment.count(entry);
                }, progress, maxRateKb * 1024);
                // stored while the blocks' last chunks are still being sealed, as a full backup's is
                storePgManifest(writer, pgManifest, copied.timeline(), copied.startLsn(), copied.stopLsn());
            } catch (IOException e) {
                throw copyFailed(id, source, e);
            }
            increment.sourceBytes = copied.tarBytes();
            Map<String, String> meta = metadata("incr", copied.startLsn(), copied.stopLsn(), copied.timeline(), serverVersion, t0);
            meta.put("engine", Engine.DIRECT.id());
            return increment.complete(repository, writer, meta, listCopy);
        }
    }

    /**
     * What an incremental backup compares with its parent's file list, and counts: a block is stored unless the
     * parent's list has the same hash and length at the same place (files that every backup stores aside).
     */
    private static final class Increment {
        final String id;
        final String parentId;
        final Map<String, FileList.Entry> before;
        long sourceBytes;
        long storedBytes;
        int changedFiles;
        int skippedFiles;

        Increment(String id, String parentId, Map<String, FileList.Entry> before) {
            this.id = id;
            this.parentId = parentId;
            this.before = before;
        }

        /** The older backup holding this block, or null when this one must store it (counted as stored). */
        String unchanged(String path, int index, String hash, int length) {
            FileList.Entry old = before.get(path);
            if (!alwaysStored(path) && old != null && old.type() == FileList.Type.FILE
                    && old.blockSize() == FileList.BLOCK_SIZE // a parent listed by older Keel in 1 MiB blocks: none match
                    && index < old.blocks().size() && old.blockLength(index) == length
                    && old.blocks().get(index).hashIs(hash)) {
                return old.blocks().get(index).holder();
            }
            storedBytes += length;
            return null;
        }

        void count(FileList.Entry entry) {
            if (entry.type() == FileList.Type.FILE) {
                FileList.Entry old = before.get(entry.path());
                boolean same = old != null && old.type() == FileList.Type.FILE && !alwaysStored(entry.path())
                        && entry.sha256().equals(old.sha256());
                if (same) {
                    skippedFiles++;
                } else {
                    changedFiles++;
                }
            }
        }

        IncrementalResult complete(Repository repository, BackupWriter writer, Map<String, String> meta,
                                   FileListCache.Copy listCopy) {
            meta.put("parent", parentId);
            meta.put("changedFiles", String.valueOf(changedFiles));
            meta.put("skippedFiles", String.valueOf(skippedFiles));
            meta.put("changedBytes", String.valueOf(storedBytes));
            meta.put("sourceBytes", String.valueOf(sourceBytes));
            meta.put(FileListCache.SHA_KEY, listCopy.sha256());
            writer.complete(meta);
            listCopy.keep();
            Map<String, String> stored = BackupReader.metadataOf(repository, id);
            return new IncrementalResult(result(id, meta, Long.parseLong(stored.get("rawBytes"))), parentId,
                    changedFiles, skippedFiles, sourceBytes, Long.parseLong(stored.get("storedBytes")));
        }
    }

    /**
     * The backups needed to restore {@code id}, its full backup first and {@code id} last: just {@code id} for a
     * full backup. A broken chain (a parent missing or incomplete) is refused naming the missing backup.
     */
    public static List<String> chain(Repository repository, String id) {
        Objects.requireNonNull(repository, "null repository");
        Names.check("backup id", id);
        return BackupChain.of(repository, id);
    }

    /** A time-stamped id; one second after another backup (an incremental can take less) waits for the next. */
    private static String newId(Repository repository, String type) {
        for (int attempt = 0; ; attempt++) {
            String id = ID.format(Instant.now()) + "-" + type;
            if (attempt == 3 || !repository.exists(Names.complete(id))) {
                return id; // after three tries BackupWriter reports the clash
            }
            try {
                Thread.sleep(1000 - Instant.now().toEpochMilli() % 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw BackupException.runtime("interrupted before backup " + id, null, e);
            }
        }
    }

    /**
     * Whether PostgreSQL compresses the backup itself ({@code pg_basebackup --compress=server-...}, new in 15): both
     * the server and pg_basebackup must be 15 or newer. Then the tar arrives compressed, is stored as it comes, and
     * only the file list is computed here, from a decompressed copy.
     */
    static boolean serverCompresses(String serverVersion, Path pgBasebackup) {
        return major(serverVersion) >= 15 && BinaryLocator.majorVersion(pgBasebackup).orElse(0) >= 15;
    }

    /** The leading number of a version such as {@code 15.18 (Debian 15.18-1)}, or 0. */
    static int major(String version) {
        Matcher m = Pattern.compile("^\\s*(\\d+)").matcher(version == null ? "" : version);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /**
     * pg_basebackup's options for server-side compression. pg_basebackup can only put its own backup_manifest into
     * an uncompressed tar, so Keel writes one ({@link PgBackupManifest}) and stores it beside the tar. zstd runs on
     * two server threads (level 1: see bench/RESULTS.md); lz4 on one, at its fastest level.
     */
    private static List<String> serverCompression(Framing framing) {
        return List.of("--no-manifest", switch (framing) {
            case ZSTD -> "--compress=server-zstd:level=1,workers=2";
            case LZ4 -> "--compress=server-lz4";
        });
    }

    /** The arrays in which a server-compressed tar goes to its indexing thread. */
    private static final int COPY = 1 << 20;

    /**
     * Stores the compressed tar from {@code in} into {@code tar} as it comes, while a second thread decompresses a
     * copy and indexes it into {@code list}. Returns the decompressed size.
     */
    private static long storeFramed(InputStream in, BackupWriter.ChunkOutputStream tar, Framing framing,
                                    TarIndexer.EntrySink list, String id, Progress progress) throws IOException {
        ArrayPipe<byte[]> copies = new ArrayPipe<>(8);
        java.util.Queue<byte[]> free = new java.util.concurrent.ConcurrentLinkedQueue<>(); // copies read to the end
        long[] decoded = {0};
        CompletableFuture<Void> indexer = CompletableFuture.runAsync(() -> {
            try (InputStream plain = framing.decode(ArrayPipe.stream(copies, free::add))) {
                CountingInputStream counted = new CountingInputStream(plain, null, n -> progress.set(decoded[0] = n));
                TarIndexer.index(counted, (path, index, hash, block, length) -> id, list);
                counted.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } finally {
                copies.abandon(); // a failed index must not leave the storing thread waiting
            }
        }, r -> {
            Thread t = new Thread(r, "keel-index-" + id);
            t.setDaemon(true);
            t.start();
        });
        try {
            // Whole arrays of 1 MiB, refilled once the indexer has read them: a fresh array per read was a page
            // fault per 4 KiB (bench/RESULTS.md), for 100 MB of compressed tar.
            int n;
            do {
                byte[] buf = free.poll();
                buf = buf != null && buf.length == COPY ? buf : new byte[COPY];
                n = in.readNBytes(buf, 0, COPY);
                if (n > 0) {
                    tar.write(buf, 0, n);
                    copies.put(n == COPY ? buf : java.util.Arrays.copyOf(buf, n)); // dropped once the indexer failed
                }
            } while (n == COPY);
        } finally {
            copies.end();
        }
        try {
            indexer.join();
        } catch (java.util.concurrent.CompletionException e) {
            Throwable c = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
            if (c instanceof IOException io) {
                throw new IOException("the compressed backup stream does not decompress: " + io.getMessage(), io);
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(c);
        }
        tar.decodedBytes(decoded[0]);
        return decoded[0];
    }

    private static boolean alwaysStored(String path) {
        return ALWAYS_STORED.contains(path) || path.startsWith("pg_wal/");
    }

    private interface TarBody {
        void read(InputStream stdout) throws IOException;
    }

    /**
     * Runs pg_basebackup to stdout, hands its tar to {@code body}, and returns its log once it exited cleanly.
     * {@code maxRateKb} above 0 becomes its {@code --max-rate} (kB/s), which the server applies to what it sends.
     */
    private static String basebackup(ConnectionSpec spec, Path pgBasebackup, String id, long maxRateKb,
                                     List<String> extra, TarBody body) {
        List<String> cmd = new java.util.ArrayList<>(List.of(pgBasebackup.toString(), "-h", spec.host(), "-p",
                String.valueOf(spec.port()), "-U", spec.user(), "-D", "-", "-Ft", "-X", "fetch", "-c", "fast", "-v", "-w",
                "-l", "keel " + id));
        if (maxRateKb > 0) {
            cmd.add("--max-rate=" + maxRateKb);
        }
        cmd.addAll(extra);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (spec.password() != null) {
            pb.environment().put("PGPASSWORD", spec.password());
        }
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new BackupException("cannot run " + pgBasebackup + ": " + e.getMessage(),
                    "install it (Debian: apt-get install postgresql-client-15)", KeelException.RUNTIME, e);
        }
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> {
            try (InputStream err = process.getErrorStream()) {
                return new String(err.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        Exception streaming = null;
        try (InputStream in = process.getInputStream()) {
            body.read(in);
        } catch (IOException | RuntimeException e) {
            streaming = e;
        }
        int exit;
        try {
            if (streaming != null && !process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            exit = process.waitFor();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BackupException("interrupted during backup " + id, null, KeelException.RUNTIME, e);
        }
        String log = stderr.join();
        String last = log.strip().lines().reduce((a, b) -> b).orElse("exit code " + exit);
        if (streaming != null) {
            // Either side may have broken first (a truncated tar, or a repository write that failed and closed
            // the pipe), so both are reported.
            String tail = exit != 0 ? " (pg_basebackup: " + Secrets.mask(last) + ")" : "";
            if (streaming instanceof BackupException be && tail.isEmpty()) {
                throw be;
            }
            throw new BackupException("backup " + id + " failed while streaming: " + streaming.getMessage() + tail,
                    streaming instanceof KeelException ke ? ke.remedy().orElse(null) : null, KeelException.RUNTIME,
                    streaming);
        }
        if (exit != 0) {
            String remedy = last.contains("no pg_hba.conf entry for replication") || last.contains("must be superuser or replication")
                    ? "the user needs the REPLICATION attribute (ALTER ROLE " + spec.user()
                    + " REPLICATION) and a pg_hba.conf line: host replication " + spec.user() + " <client address>/32 scram-sha-256"
                    : null;
            throw new BackupException("pg_basebackup of " + spec.address() + " failed: " + Secrets.mask(last), remedy,
                    KeelException.RUNTIME, null);
        }
        return log;
    }

    private static Map<String, String> metadata(String type, String log, String serverVersion, long t0) {
        Matcher start = START.matcher(log);
        Matcher stop = STOP.matcher(log);
        String startLsn = start.find() ? start.group(1) : "";
        String timeline = startLsn.isEmpty() ? "" : start.group(2);
        String stopLsn = stop.find() ? stop.group(1) : "";
        return metadata(type, startLsn, stopLsn, timeline, serverVersion, t0);
    }

    private static Map<String, String> metadata(String type, String startLsn, String stopLsn, String timeline,
                                                String serverVersion, long t0) {
        long millis = (System.nanoTime() - t0) / 1_000_000;
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("type", type);
        meta.put("startLsn", startLsn);
        meta.put("stopLsn", stopLsn);
        meta.put("timeline", timeline);
        meta.put("serverVersion", serverVersion);
        meta.put("startTime", Instant.now().minusMillis(millis).toString());
        meta.put("stopTime", Instant.now().toString());
        meta.put("durationMillis", String.valueOf(millis));
        return meta;
    }

    private static Result result(String id, Map<String, String> meta, long rawBytes) {
        return new Result(id, meta.get("startLsn"), meta.get("stopLsn"), meta.get("timeline"), rawBytes,
                Long.parseLong(meta.get("durationMillis")), Engine.of(meta.get("engine")));
    }

    /**
     * Restores a backup into {@code dataDir}, which must be empty or absent (or {@code force}). An incremental
     * is restored from its whole chain. The key is checked on every backup of the chain before anything is
     * written; a failure part-way removes what was written.
     */
    public static void restore(Repository repository, String id, PrivateKey key, Path dataDir, boolean force,
                               Progress progress) {
        restore(repository, id, key, dataDir, force, progress, 0);
    }

    /**
     * As {@link #restore(Repository, String, PrivateKey, Path, boolean, Progress)}, writing at most
     * {@code maxBytesPerSecond} (0: no limit; {@code keel restore --max-rate}).
     */
    public static void restore(Repository repository, String id, PrivateKey key, Path dataDir, boolean force,
                               Progress progress, long maxBytesPerSecond) {
        restore(repository, id, key, dataDir, force, progress, maxBytesPerSecond, false);
    }

    /**
     * As {@link #restore(Repository, String, PrivateKey, Path, boolean, Progress, long)}; with {@code delta} a data
     * directory that is not empty is brought to the backup's state in place ({@code keel restore --delta}): what the
     * backup does not hold is removed, and only the blocks that differ from the backup's are written. A delta restore
     * that fails part-way removes {@code global/pg_control}, so the half-restored directory cannot be started, and
     * leaves the rest for the next attempt. Returns the bytes found in place (none without {@code delta}) and written.
     */
    public static Restored restore(Repository repository, String id, PrivateKey key, Path dataDir, boolean force,
                               Progress progress, long maxBytesPerSecond, boolean delta) {
        if (Files.exists(dataDir, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dataDir)) {
            throw new BackupException(dataDir + " is not a directory", "name a directory for the data",
                    KeelException.USAGE, null);
        }
        boolean reuse = delta && Files.isDirectory(dataDir) && !isEmpty(dataDir);
        if (Files.exists(dataDir) && !isEmpty(dataDir) && !force && !delta) {
            throw new BackupException(dataDir + " is not empty", "restore into an empty directory, or add --force "
                    + "(or --delta to keep what matches)", KeelException.USAGE, null);
        }
        if (Files.exists(dataDir.resolve("postmaster.pid"))) {
            throw new BackupException("a server may be running on " + dataDir + " (it has a postmaster.pid)",
                    "stop it first (keel restore stop DIR, or pg_ctl stop -D DIR); if none runs, remove "
                            + dataDir.resolve("postmaster.pid"), KeelException.USAGE, null);
        }
        if ("dump".equals(BackupReader.metadataOf(repository, id).get("type"))) {
            throw new BackupException("backup " + id + " is a dump (a logical backup), not a physical one",
                    "load it with keel load --backup " + id, KeelException.USAGE, null);
        }
        BackupReader reader = BackupReader.open(repository, id, key); // wrong key fails here, before any write
        if (reuse && !reader.streams().contains(FileList.STREAM)) {
            throw BackupException.usage("backup " + id + " has no file list (an older Keel took it), so a delta restore "
                    + "cannot tell which blocks of " + dataDir + " to keep", "restore it with --force instead");
        }
        List<String> chain = BackupChain.INCR.equals(reader.metadata().get("type"))
                ? BackupChain.of(repository, id) : List.of(id);
        Map<String, BackupReader> readers = new LinkedHashMap<>();
        readers.put(id, reader);
        for (String b : chain) {
            if (!readers.containsKey(b)) {
                try {
                    readers.put(b, BackupReader.open(repository, b, key));
                } catch (BackupException e) {
                    throw new BackupException("backup " + id + " is incremental and needs backup " + b + ": "
                            + e.getMessage(), "seal the whole chain to one key (keel backup rekey --old-key-file FILE)",
                            e.exitCode(), e);
                }
            }
        }
        Restored restored;
        try {
            if (force && !reuse && Files.exists(dataDir)) {
                Directories.deleteTree(dataDir);
            }
            Files.createDirectories(dataDir);
            Files.setPosixFilePermissions(dataDir, RestoreWriter.DIR_MODE);
            if (chain.size() > 1 || reuse) {
                restored = ChainRestore.restore(chain, readers, dataDir, progress, new Throttle(maxBytesPerSecond), reuse);
            } else {
                restored = new Restored(0, TarExtractor.extract(reader, id, dataDir, progress,
                        new Throttle(maxBytesPerSecond)));
            }
            Path manifest = dataDir.resolve(PgBackupManifest.NAME);
            if (reader.streams().contains(PgBackupManifest.NAME) && !Files.exists(manifest)) {
                try (InputStream in = reader.stream(PgBackupManifest.NAME)) { // read by Keel or server-compressed: beside
                    Files.write(Files.createFile(manifest, RestoreWriter.FILE_MODE), in.readAllBytes());
                }
            }
        } catch (IOException | RuntimeException e) {
            try {
                if (reuse) {
                    Files.deleteIfExists(dataDir.resolve("global/pg_control")); // unstartable until restored again
                } else {
                    Directories.deleteTree(dataDir);
                }
            } catch (IOException ignored) {
                // the first failure is the one to report
            }
            if (reuse) {
                throw new BackupException("delta restore of " + id + " into " + dataDir + " failed: " + e.getMessage()
                        + " (global/pg_control was removed, so the directory cannot be started half-restored)",
                        "fix the cause and run the restore again; --delta keeps what already matches",
                        e instanceof BackupException be ? be.exitCode() : KeelException.RUNTIME, e);
            }
            if (e instanceof BackupException be) {
                throw be;
            }
            throw new BackupException("restore of " + id + " into " + dataDir + " failed: " + e.getMessage()
                    + " (nothing was left behind)", null, KeelException.RUNTIME, e);
        }
        return restored;
    }

    /**
     * Passes a stream through, counting the bytes read and, if {@code copy} is given, writing each one there too.
     * Skips read rather than seek, so a copy never misses a byte the tar reader skipped.
     */
    private static final class CountingInputStream extends InputStream {
        private final InputStream in;
        private final OutputStream copy;
        private final LongConsumer onCount;
        private long count;

        CountingInputStream(InputStream in, OutputStream copy, LongConsumer onCount) {
            this.in = in;
            this.copy = copy;
            this.onCount = onCount;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                if (copy != null) {
                    copy.write(b, off, n);
                }
                count += n;
                onCount.accept(count);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[8192];
            long skipped = 0;
            while (skipped < n) {
                int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        @Override
        public int available() throws IOException {
            return in.available();
        }
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }
}
