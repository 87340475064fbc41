package dev.keel.ops.backup;

import dev.keel.core.KeelException;
import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.connect.Secrets;
import dev.keel.core.progress.Progress;
import dev.keel.embedded.Directories;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Full physical backups: pg_basebackup's tar stream (with the WAL it needs, {@code -X fetch}) piped straight
 * into the encrypted repository, so nothing unencrypted touches the disk; and restores of such a backup into
 * a data directory. The backup is complete only once every chunk is durable and its manifest written.
 */
public final class BaseBackups {

    /** What a full backup recorded. */
    public record Result(String id, String startLsn, String stopLsn, String timeline, long rawBytes, long millis) {
    }

    private static final Pattern START = Pattern.compile("(?:write-ahead log start point|starting point): ([0-9A-F]+/[0-9A-F]+) on timeline (\\d+)");
    private static final Pattern STOP = Pattern.compile("write-ahead log end point: ([0-9A-F]+/[0-9A-F]+)");
    private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private BaseBackups() {
    }

    /** Takes a full backup of the server {@code spec} points at with {@code pgBasebackup}. */
    public static Result full(ConnectionSpec spec, Path pgBasebackup, Repository repository, Compression compression,
                              String serverVersion, Progress progress) {
        String id = ID.format(Instant.now()) + "-full";
        long t0 = System.nanoTime();
        List<String> cmd = List.of(pgBasebackup.toString(), "-h", spec.host(), "-p", String.valueOf(spec.port()),
                "-U", spec.user(), "-D", "-", "-Ft", "-X", "fetch", "-c", "fast", "-v", "-w", "-l", "keel " + id);
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
        long raw = 0;
        BackupWriter writer = BackupWriter.open(repository, id, compression);
        try (InputStream in = process.getInputStream(); OutputStream out = writer.stream("base.tar")) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                raw += n;
                progress.set(raw);
            }
        } catch (IOException e) {
            process.destroyForcibly();
            throw new BackupException("backup " + id + " failed while streaming: " + e.getMessage(), null,
                    KeelException.RUNTIME, e);
        }
        int exit;
        try {
            exit = process.waitFor();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BackupException("interrupted during backup " + id, null, KeelException.RUNTIME, e);
        }
        String log = stderr.join();
        if (exit != 0) {
            String last = log.strip().lines().reduce((a, b) -> b).orElse("exit code " + exit);
            String remedy = last.contains("no pg_hba.conf entry for replication") || last.contains("must be superuser or replication")
                    ? "the user needs the REPLICATION attribute (ALTER ROLE " + spec.user()
                    + " REPLICATION) and a pg_hba.conf line: host replication " + spec.user() + " <client address>/32 scram-sha-256"
                    : null;
            throw new BackupException("pg_basebackup of " + spec.address() + " failed: " + Secrets.mask(last), remedy,
                    KeelException.RUNTIME, null);
        }
        Matcher start = START.matcher(log);
        Matcher stop = STOP.matcher(log);
        String startLsn = start.find() ? start.group(1) : "";
        String timeline = startLsn.isEmpty() ? "" : start.group(2);
        String stopLsn = stop.find() ? stop.group(1) : "";
        long millis = (System.nanoTime() - t0) / 1_000_000;
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("type", "full");
        meta.put("startLsn", startLsn);
        meta.put("stopLsn", stopLsn);
        meta.put("timeline", timeline);
        meta.put("serverVersion", serverVersion);
        meta.put("startTime", Instant.now().minusMillis(millis).toString());
        meta.put("stopTime", Instant.now().toString());
        meta.put("durationMillis", String.valueOf(millis));
        writer.complete(meta);
        return new Result(id, startLsn, stopLsn, timeline, raw, millis);
    }

    /**
     * Restores a backup into {@code dataDir}, which must be empty or absent (or {@code force}). The key is
     * checked before anything is written; a failure part-way removes what was extracted.
     */
    public static void restore(Repository repository, String id, PrivateKey key, Path dataDir, boolean force,
                               Progress progress) {
        if (Files.exists(dataDir) && !isEmpty(dataDir) && !force) {
            throw new BackupException(dataDir + " is not empty", "restore into an empty directory, or add --force",
                    KeelException.USAGE, null);
        }
        BackupReader reader = BackupReader.open(repository, id, key); // wrong key fails here, before any write
        try {
            if (force && Files.exists(dataDir)) {
                Directories.deleteTree(dataDir);
            }
            Files.createDirectories(dataDir);
            Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
            long done = 0;
            try (InputStream in = reader.stream("base.tar"); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null) {
                    Path out = dataDir.resolve(e.getName()).normalize();
                    if (!out.startsWith(dataDir)) {
                        throw new BackupException("backup " + id + " holds a path outside the data directory: " + e.getName(),
                                null, KeelException.RUNTIME, null);
                    }
                    if (e.isDirectory()) {
                        Files.createDirectories(out);
                        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwx------"));
                    } else if (e.isSymbolicLink()) {
                        Files.createDirectories(out.getParent());
                        Files.createSymbolicLink(out, Path.of(e.getLinkName()));
                    } else {
                        Files.createDirectories(out.getParent());
                        Files.copy(tar, out);
                        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-------"));
                        done += e.getSize();
                        progress.set(done);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            try {
                Directories.deleteTree(dataDir);
            } catch (IOException ignored) {
                // the first failure is the one to report
            }
            if (e instanceof BackupException be) {
                throw be;
            }
            throw new BackupException("restore of " + id + " into " + dataDir + " failed: " + e.getMessage()
                    + " (nothing was left behind)", null, KeelException.RUNTIME, e);
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
