package dev.keel.ops.backup;

import dev.keel.core.KeelException;
import dev.keel.core.connect.ConnectionFailedException;
import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.connect.Connections;
import dev.keel.core.connect.Secrets;
import dev.keel.core.progress.Progress;
import dev.keel.core.sql.Identifiers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Logical backups of one database or some of its tables: pg_dump's directory format (parallel with
 * {@code -j}), stored as one encrypted backup of type {@code dump} with one stream per file of the archive,
 * and loaded back with pg_restore.
 *
 * <p>Unlike a physical backup, which streams pg_basebackup's tar straight into the encrypted repository,
 * pg_dump's directory format can only be written to a directory (its parallel workers each write files of
 * their own), so the archive exists unencrypted on disk for the length of the dump, and again for the length
 * of a load. It lives in a {@link Scratch} directory of mode 0700 under the caller's scratch root, which is
 * removed afterwards whatever happens. pg_dump compresses each table file (gzip, its default for this
 * format), which keeps that copy small; the repository then compresses and encrypts each file as a stream.
 *
 * <p>Passwords reach pg_dump and pg_restore in the PGPASSWORD environment variable only, never on the
 * command line, and every line a tool prints goes through {@link Secrets#mask} before Keel shows it.
 */
public final class LogicalBackups {

    /** The backup type this class writes and reads, in the metadata field {@code type}. */
    public static final String TYPE = "dump";
    /** The most parallel jobs accepted: each is a connection to the server. */
    public static final int MAX_JOBS = 64;

    private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final String TOC = "toc.dat";
    private static final String INSTALL = "install it (Debian: apt-get install postgresql-client-15)";

    /** What to dump: some tables (pg_dump {@code -t} patterns such as {@code public.orders}) or all, and how many jobs. */
    public record DumpOptions(List<String> tables, int jobs) {
        public DumpOptions {
            Objects.requireNonNull(tables, "null tables");
            tables = List.copyOf(tables);
            for (String t : tables) {
                if (t.isBlank() || t.contains(",") || t.chars().anyMatch(Character::isISOControl)) {
                    throw BackupException.usage("bad table '" + t + "'",
                            "name a table as pg_dump's -t takes it (orders, public.orders, 'public.order*'), without commas");
                }
            }
            checkJobs(jobs);
        }

        /** The whole database, with {@link #defaultJobs()} jobs. */
        public static DumpOptions all() {
            return new DumpOptions(List.of(), defaultJobs());
        }
    }

    /** How to load: {@code clean} drops the archive's objects before recreating them. */
    public record LoadOptions(boolean clean, int jobs) {
        public LoadOptions {
            checkJobs(jobs);
        }
    }

    /** A finished dump; {@code tables} is empty for a whole database. */
    public record DumpResult(String id, String database, List<String> tables, long rawBytes, long storedBytes,
                             long millis) {
    }

    /** A finished load; {@code created} when the database did not exist and the load created it. */
    public record LoadResult(String backupId, String database, List<String> tables, long rawBytes, boolean created,
                             long millis) {
    }

    private LogicalBackups() {
    }

    /** Jobs when the caller does not say: one per core, at most four. */
    public static int defaultJobs() {
        return Workers.count();
    }

    private static void checkJobs(int jobs) {
        if (jobs < 1 || jobs > MAX_JOBS) {
            throw BackupException.usage("jobs must be 1 to " + MAX_JOBS + ", was " + jobs,
                    "each job is a connection to the server; use about one per core");
        }
    }

    /**
     * Dumps {@code source}'s database with {@code pgDump} into a new backup of type {@code dump}. The
     * repository must have a public key. The unencrypted archive is written under {@code scratchRoot} and
     * removed before this returns or throws.
     */
    public static DumpResult dump(ConnectionSpec source, DumpOptions options, Path pgDump, Repository repository,
                                  Compression compression, Path scratchRoot, Progress progress) {
        Objects.requireNonNull(source, "null source");
        Objects.requireNonNull(options, "null options");
        Objects.requireNonNull(pgDump, "null pgDump");
        Objects.requireNonNull(repository, "null repository");
        Objects.requireNonNull(compression, "null compression");
        Objects.requireNonNull(scratchRoot, "null scratchRoot");
        Objects.requireNonNull(progress, "null progress");
        BackupKeys.currentPublicKey(repository); // no key: refuse before connecting
        String serverVersion = serverVersion(source);
        Instant start = Instant.now();
        long t0 = System.nanoTime();
        try (Scratch scratch = Scratch.create(scratchRoot, "dump")) {
            Path archive = scratch.dir().resolve("archive");
            List<String> cmd = new ArrayList<>(List.of(pgDump.toString(), "--format=directory",
                    "--jobs=" + options.jobs(), "--file=" + archive, "--no-sync"));
            cmd.addAll(connectionArgs(source));
            if (!options.tables().isEmpty()) {
                cmd.add("--strict-names"); // a pattern that matches nothing is an error, not an empty dump
                options.tables().forEach(t -> cmd.add("--table=" + t));
            }
            String phase = "pg_dump, " + options.jobs() + (options.jobs() == 1 ? " job" : " jobs");
            runTool("pg_dump", cmd, source.libpqEnvironment("keel dump"), scratch, archive, progress, phase,
                    "pg_dump of " + source.display());
            List<Path> files = archiveFiles(archive);
            long raw = 0;
            for (Path f : files) {
                raw += size(f);
            }
            progress.set(raw);
            String id = newId(repository, start);
            BackupWriter writer = BackupWriter.open(repository, id, compression);
            long millis;
            try {
                progress.message("encrypting " + files.size() + " files into " + id);
                parallel(options.jobs(), "keel-dump-store", files, "storing the archive in " + id, f -> {
                    String name = f.getFileName().toString();
                    try (InputStream in = Files.newInputStream(f); OutputStream out = writer.stream(name)) {
                        in.transferTo(out);
                    }
                });
                millis = (System.nanoTime() - t0) / 1_000_000;
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("type", TYPE);
                meta.put("database", source.database());
                meta.put("tables", String.join(",", options.tables()));
                meta.put("serverVersion", serverVersion);
                meta.put("startTime", start.toString());
                meta.put("stopTime", Instant.now().toString());
                meta.put("durationMillis", String.valueOf(millis));
                meta.put("jobs", String.valueOf(options.jobs()));
                writer.complete(meta);
            } catch (RuntimeException e) {
                deleteQuietly(repository, id); // incomplete: the next writer would remove it anyway
                throw e;
            }
            long stored = Long.parseLong(BackupReader.metadataOf(repository, id).get("storedBytes"));
            return new DumpResult(id, source.database(), options.tables(), raw, stored, millis);
        }
    }

    /**
     * Loads backup {@code backupId} into {@code target}'s database with {@code pgRestore}, creating that
     * database (from template0) when it does not exist. In order: the backup must be a complete dump, the key
     * must open it (both checked before anything is written), every chunk is decrypted and checked into the
     * scratch directory, and only then is the database created and pg_restore run, stopping at its first error.
     */
    public static LoadResult load(Repository repository, String backupId, PrivateKey key, ConnectionSpec target,
                                  LoadOptions options, Path pgRestore, Path scratchRoot, Progress progress) {
        Objects.requireNonNull(key, "null key");
        Objects.requireNonNull(target, "null target");
        Objects.requireNonNull(options, "null options");
        Objects.requireNonNull(pgRestore, "null pgRestore");
        Objects.requireNonNull(scratchRoot, "null scratchRoot");
        Objects.requireNonNull(progress, "null progress");
        Map<String, String> meta = checkLoadable(repository, backupId);
        BackupReader reader = BackupReader.open(repository, backupId, key); // the wrong key fails here
        if (!reader.streams().contains(TOC)) {
            throw BackupException.runtime("backup " + backupId + " has no " + TOC + ", so it is not a pg_dump archive",
                    "run keel backup verify --chunks-only --backup " + backupId + "; load another dump", null);
        }
        List<String> tables = tables(meta);
        long t0 = System.nanoTime();
        try (Scratch scratch = Scratch.create(scratchRoot, "load")) {
            Path archive = scratch.dir().resolve("archive");
            Files.createDirectory(archive, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            progress.message("decrypting " + reader.streams().size() + " files of " + backupId);
            parallel(options.jobs(), "keel-load-decrypt", reader.streams(), "decrypting " + backupId + " into " + archive, name -> {
                try (InputStream in = reader.stream(name);
                     OutputStream out = Files.newOutputStream(archive.resolve(name), StandardOpenOption.CREATE_NEW)) {
                    byte[] buf = new byte[1 << 16];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        out.write(buf, 0, n);
                        progress.advance(n);
                    }
                }
            });
            long raw = 0;
            for (Path f : archiveFiles(archive)) {
                raw += size(f);
            }
            boolean created = ensureDatabase(target);
            List<String> cmd = new ArrayList<>(List.of(pgRestore.toString(), "--jobs=" + options.jobs(), "--exit-on-error"));
            if (options.clean()) {
                cmd.add("--clean");
                cmd.add("--if-exists");
            }
            cmd.addAll(connectionArgs(target));
            cmd.add(archive.toString());
            String phase = "pg_restore, " + options.jobs() + (options.jobs() == 1 ? " job" : " jobs");
            runTool("pg_restore", cmd, target.libpqEnvironment("keel load"), scratch, null, progress, phase,
                    "pg_restore of " + backupId + " into " + target.display());
            return new LoadResult(backupId, target.database(), tables, raw, created, (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException e) {
            throw BackupException.runtime("load of " + backupId + " failed: " + e.getMessage(),
                    "check free space under " + scratchRoot, e);
        }
    }

    /**
     * Checks without any key that {@code backupId} is a complete backup of type {@code dump}, and returns its
     * metadata. Anything else is a usage error (exit 2).
     */
    public static Map<String, String> checkLoadable(Repository repository, String backupId) {
        Objects.requireNonNull(repository, "null repository");
        Names.check("backup id", backupId);
        if (!repository.exists(Names.complete(backupId))) {
            throw BackupException.usage("backup " + backupId + " does not exist or is not complete",
                    "run keel backup list to see the complete backups and their types");
        }
        Map<String, String> meta = BackupReader.metadataOf(repository, backupId);
        String type = meta.getOrDefault("type", "full");
        if (!TYPE.equals(type)) {
            throw BackupException.usage("backup " + backupId + " is a " + type + " backup, not a dump",
                    "load a backup of type dump (keel backup list shows each type); restore physical backups with keel restore");
        }
        return meta;
    }

    /** The newest complete backup of type {@code dump}, if any. */
    public static Optional<String> latest(Repository repository) {
        Objects.requireNonNull(repository, "null repository");
        return BackupCatalog.list(repository).stream()
                .filter(b -> b.status() == BackupCatalog.Status.COMPLETE)
                .map(BackupCatalog.Backup::id)
                .filter(id -> TYPE.equals(BackupReader.metadataOf(repository, id).get("type")))
                .max(String::compareTo);
    }

    private static List<String> tables(Map<String, String> meta) {
        String t = meta.getOrDefault("tables", "");
        return t.isEmpty() ? List.of() : List.of(t.split(","));
    }

    // ---- the tools ---------------------------------------------------------------------------------------

    /**
     * Host, port and user as options, the database as a quoted conninfo keyword (so a database name with '='
     * or a URL prefix is still just a name), and -w: never prompt for a password.
     */
    private static List<String> connectionArgs(ConnectionSpec spec) {
        String dbname = "dbname='" + spec.database().replace("\\", "\\\\").replace("'", "\\'") + "'";
        return List.of("--host=" + spec.host(), "--port=" + spec.port(), "--username=" + spec.user(), "--no-password",
                "--dbname=" + dbname);
    }

    /**
     * Runs pg_dump or pg_restore to completion. While it runs, the size of {@code watched} (when given) is
     * reported as progress twice a second, from the first byte on, so that a tool refusing at once (a table
     * that does not exist) leaves only its one-line error. A failure is one line: the tool's error with its
     * detail (see {@link #toolError}), masked.
     */
    private static void runTool(String tool, List<String> cmd, Map<String, String> env, Scratch scratch, Path watched,
                                Progress progress, String phase, String what) {
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new BackupException("cannot run " + tool + " (" + cmd.get(0) + "): " + e.getMessage(), INSTALL,
                    KeelException.RUNTIME, e);
        }
        scratch.attach(process);
        CompletableFuture<String> stderr = dev.keel.embedded.ProcessRunner.drain(process.getErrorStream());
        if (watched == null) {
            progress.message(phase);
        }
        try {
            boolean shown = watched == null;
            while (!process.waitFor(500, TimeUnit.MILLISECONDS)) {
                long size = watched == null ? 0 : treeSize(watched);
                if (size > 0) {
                    if (!shown) {
                        progress.message(phase);
                        shown = true;
                    }
                    progress.set(size);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BackupException("interrupted during " + what, null, KeelException.RUNTIME, e);
        }
        String log = stderr.join();
        if (process.exitValue() != 0) {
            String said = toolError(tool, log).orElse("exit code " + process.exitValue());
            int exit = KeelException.RUNTIME;
            String remedy = null;
            if (said.contains("no matching tables were found")) {
                exit = KeelException.USAGE;
                remedy = "check the table name (schema.table); --table takes pg_dump patterns";
            } else if (said.contains("version mismatch") || said.contains("unsupported version")) {
                remedy = "use " + tool + " of the server's major version or newer (Debian: apt-get install postgresql-client-NN)";
            } else if (said.contains("already exists")) {
                remedy = "load into a new database (--database NAME), or add --clean to replace the dumped objects";
            } else if (said.contains("does not exist") && said.contains("role")) {
                remedy = "create the roles that own the dumped objects first (a dump holds no roles)";
            } else if (said.contains("does not exist") && (said.contains("relation") || said.contains("schema")
                    || said.contains("type"))) {
                remedy = "a table dump holds no tables, schemas or types its tables depend on: dump those too, or create them first";
            }
            throw new BackupException(what + " failed: " + Secrets.mask(said), remedy, exit, null);
        }
    }

    /**
     * The tool's first "error:" line (without that prefix) with the "detail:" lines right after it, else its
     * last line. The first, because with parallel jobs the error that stopped a worker is followed by the
     * leader's "a worker process died unexpectedly"; and pg_restore prints the failed statement after the
     * error ("Command was: ..."), which is not what went wrong either.
     */
    static Optional<String> toolError(String tool, String log) {
        List<String> lines = log.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        String prefix = tool + ": ";
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix + "error:")) {
                StringBuilder sb = new StringBuilder(lines.get(i).substring((prefix + "error:").length()).strip());
                for (int j = i + 1; j < lines.size() && lines.get(j).startsWith(prefix + "detail:"); j++) {
                    sb.append("; ").append(lines.get(j).substring(prefix.length()));
                }
                return Optional.of(sb.toString());
            }
        }
        return lines.isEmpty() ? Optional.empty() : Optional.of(lines.get(lines.size() - 1));
    }


    // ---- the archive, the repository and the database ----------------------------------------------------

    private static String serverVersion(ConnectionSpec spec) {
        try (Connection c = Connections.open(spec); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("show server_version")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw Connections.failure(spec, e);
        }
    }

    /**
     * Creates {@code target}'s database when it is missing, connecting to it first and, when it does not
     * exist (3D000), to postgres or template1 as createdb does. Returns whether it created it.
     */
    private static boolean ensureDatabase(ConnectionSpec target) {
        try (Connection c = Connections.open(target)) {
            return false;
        } catch (ConnectionFailedException e) {
            if (!(e.getCause() instanceof SQLException sql) || !"3D000".equals(sql.getSQLState())) {
                throw e;
            }
        } catch (SQLException e) {
            throw Connections.failure(target, e);
        }
        try (Connection c = openMaintenance(target); PreparedStatement exists = c.prepareStatement("select 1 from pg_database where datname = ?")) {
            exists.setString(1, target.database());
            try (ResultSet rs = exists.executeQuery()) {
                if (rs.next()) {
                    return false;
                }
            }
            try (Statement st = c.createStatement()) {
                // template0: a load must not meet objects someone added to template1
                st.execute("create database " + Identifiers.quote(target.database()) + " template template0");
            }
            return true;
        } catch (SQLException e) {
            throw new BackupException("cannot create database " + target.database() + " on " + target.address() + ": "
                    + Secrets.mask(e.getMessage()), "create it yourself, or give the user the CREATEDB attribute",
                    KeelException.RUNTIME, e);
        }
    }

    private static Connection openMaintenance(ConnectionSpec target) {
        try {
            return Connections.open(target.withDatabase("postgres"));
        } catch (ConnectionFailedException e) {
            return Connections.open(target.withDatabase("template1"));
        }
    }

    /** The regular files of pg_dump's archive, sorted; the format has no sub-directories. */
    private static List<Path> archiveFiles(Path archive) {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(archive)) {
            for (Path p : entries) {
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw BackupException.runtime("pg_dump's archive holds " + p.getFileName()
                            + ", which is not a regular file; Keel stores flat directory archives only");
                }
                files.add(p);
            }
        } catch (IOException e) {
            throw BackupException.runtime("cannot list pg_dump's archive " + archive + ": " + e.getMessage(), null, e);
        }
        files.sort(null);
        return files;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw BackupException.runtime("cannot read the size of " + file + ": " + e.getMessage(), null, e);
        }
    }

    /** Bytes under {@code dir} so far; files appearing or vanishing meanwhile are fine. */
    private static long treeSize(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    private static void deleteQuietly(Repository repository, String id) {
        try {
            if (!repository.exists(Names.complete(id))) {
                repository.list(Names.dir(id)).forEach(repository::delete);
            }
        } catch (RuntimeException ignored) {
            // the first failure is the one to report
        }
    }

    /** {@code <UTC second>-dump}, with -2, -3... when a backup of that id exists already. */
    private static String newId(Repository repository, Instant start) {
        String base = ID.format(start) + "-" + TYPE;
        String id = base;
        for (int n = 2; !repository.list(Names.dir(id)).isEmpty(); n++) {
            id = base + "-" + n;
        }
        return id;
    }

    private interface Work<T> {
        void run(T item) throws IOException;
    }

    /**
     * Runs {@code work} on every item with up to {@code threads} threads; the first failure stops the rest
     * and is rethrown as it was (a {@link KeelException} keeps its message naming the stream and chunk).
     */
    private static <T> void parallel(int threads, String name, List<T> items, String what, Work<T> work) {
        AtomicInteger counter = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, items.size())), r -> {
            Thread t = new Thread(r, name + "-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (T item : items) {
                futures.add(pool.submit(() -> {
                    work.run(item);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    futures.forEach(other -> other.cancel(true));
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    if (cause instanceof IOException io) {
                        throw new UncheckedIOException(io);
                    }
                    throw new IllegalStateException(cause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BackupException("interrupted", null, KeelException.RUNTIME, e);
                }
            }
        } catch (UncheckedIOException e) {
            throw BackupException.runtime(what + " failed: " + e.getCause(), "check free space and permissions", e);
        } finally {
            pool.shutdownNow();
            try {
                pool.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
