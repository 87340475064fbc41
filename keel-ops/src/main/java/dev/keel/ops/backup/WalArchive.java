package dev.keel.ops.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.core.json.StableJson;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The WAL archive: every file PostgreSQL archives ({@code archive_command}) is stored as two objects,
 * {@code wal/<name>} (the file compressed and sealed as one {@link ChunkCipher} chunk under its own data key,
 * itself sealed to the repository's public key, so archiving needs no secret) and then
 * {@code wal/<name>.json} (the header: sealed key, SHA-256 of the stored bytes, size and CRC-32C of the raw ones, archive time,
 * and the commit times and restore points found in the segment). The header is written last, once the data
 * is durable, so a file is archived exactly when its header exists; only then is PostgreSQL told "done".
 *
 * <p>Commit times and restore points come from {@code pg_waldump} when it is installed; they let a
 * point-in-time restore refuse targets the archive cannot reach, naming the nearest points, without the key.
 */
public final class WalArchive {

    /** Where archived files live in a repository. */
    public static final String PREFIX = "wal/";
    private static final String HEADER_SUFFIX = ".json";
    private static final String FORMAT = "keel-wal-1";
    private static final String AAD_BACKUP = "wal";
    private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}");
    private static final Pattern COMMIT = Pattern.compile(
            "lsn: ([0-9A-F]+/[0-9A-F]+),.*desc: (?:COMMIT|ABORT) (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?)");
    private static final Pattern RESTORE_POINT = Pattern.compile("lsn: ([0-9A-F]+/[0-9A-F]+),.*desc: RESTORE_POINT (.*)$");
    private static final DateTimeFormatter WALDUMP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSS]");

    /** Jackson loads in about 0.15 s; a push that finds its file already archived never needs it. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    /** A named restore point found in an archived segment. */
    public record RestorePoint(String name, String lsn) {
    }

    /**
     * One archived file.
     *
     * @param firstCommit the time of the first commit or abort record in it, when known
     * @param lastCommit  the time of the last commit or abort record in it, when known
     */
    public record Entry(String name, long rawBytes, long storedBytes, Instant archivedAt, Instant firstCommit,
                        Instant lastCommit, List<RestorePoint> restorePoints, String keyId) {

        /** Whether this is a WAL segment (24 hex digits), not a history or backup-label file. */
        public boolean isSegment() {
            return SEGMENT.matcher(name).matches();
        }

        public int timeline() {
            return Integer.parseUnsignedInt(name.substring(0, 8), 16);
        }

        /** The LSN where a segment starts. */
        public long startLsn() {
            return segmentStartLsn(name, rawBytes);
        }

        /** The LSN just past the end of a segment. */
        public long endLsn() {
            return startLsn() + rawBytes;
        }
    }

    /** What one push did: the file archived now, already there, or pushed ahead of PostgreSQL's request. */
    public record PushResult(String name, boolean alreadyArchived, List<String> pushedAhead) {
    }

    private final Repository repository;
    private final SecureRandom random = new SecureRandom();

    public WalArchive(Repository repository) {
        this.repository = Objects.requireNonNull(repository, "null repository");
    }

    // ---- push ------------------------------------------------------------------------------------------

    /**
     * Archives {@code file} (PostgreSQL's {@code %p}), then up to {@code ahead} further segments that PostgreSQL
     * has marked ready in {@code archive_status}, so one start of the JVM serves many segments. A file already
     * archived with the same content is accepted; one archived with different content is refused, as
     * PostgreSQL's documentation asks of an archive_command.
     */
    public PushResult push(Path file, Compression compression, PublicKey key, Path pgWaldump, int ahead) {
        Objects.requireNonNull(key, "null key");
        return push(file, compression, () -> key, () -> pgWaldump, ahead);
    }

    /** As {@link #push(Path, Compression, PublicKey, Path, int)}, loading the key only when a file is really stored. */
    public PushResult push(Path file, Compression compression, java.util.function.Supplier<PublicKey> lazyKey,
                           java.util.function.Supplier<Path> lazyWaldump, int ahead) {
        Objects.requireNonNull(file, "null file");
        java.util.function.Supplier<PublicKey> key = memoize(lazyKey);
        java.util.function.Supplier<Path> pgWaldump = memoizeNullable(lazyWaldump);
        boolean already = pushOne(file, compression, key, pgWaldump);
        List<String> pushed = new ArrayList<>();
        Path status = file.toAbsolutePath().getParent().resolve("archive_status");
        if (ahead > 0 && Files.isDirectory(status)) {
            List<String> ready;
            try (Stream<Path> s = Files.list(status)) {
                ready = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ready"))
                        .map(n -> n.substring(0, n.length() - ".ready".length()))
                        .filter(n -> !n.equals(file.getFileName().toString())).sorted().limit(ahead).toList();
            } catch (IOException e) {
                ready = List.of();
            }
            // Two at a time: compression and encryption use a core each, fsync waits overlap.
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
                    Math.min(2, Math.max(1, ready.size())));
            try {
                List<java.util.concurrent.Future<Boolean>> results = new ArrayList<>();
                for (String name : ready) {
                    Path next = file.toAbsolutePath().getParent().resolve(name);
                    results.add(pool.submit(() -> Files.isRegularFile(next) && !pushOne(next, compression, key, pgWaldump)));
                }
                for (int i = 0; i < ready.size(); i++) {
                    try {
                        if (results.get(i).get()) {
                            pushed.add(ready.get(i));
                        }
                    } catch (java.util.concurrent.ExecutionException e) {
                        // PostgreSQL will ask for that file in turn and see the error then
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                pool.shutdownNow();
            }
        }
        return new PushResult(file.getFileName().toString(), already, pushed);
    }

    /** Eight lower-case hex digits, without String.format (which loads the locale data). */
    private static String hex8(long value) {
        String h = Long.toHexString(value & 0xFFFFFFFFL);
        return "00000000".substring(h.length()) + h;
    }

    private static <T> java.util.function.Supplier<T> memoizeNullable(java.util.function.Supplier<T> s) {
        Object[] cell = new Object[2];
        return () -> {
            synchronized (cell) {
                if (cell[1] == null) {
                    cell[0] = s.get();
                    cell[1] = Boolean.TRUE;
                }
                @SuppressWarnings("unchecked")
                T t = (T) cell[0];
                return t;
            }
        };
    }

    private static <T> java.util.function.Supplier<T> memoize(java.util.function.Supplier<T> s) {
        Object[] cell = new Object[1];
        return () -> {
            synchronized (cell) {
                if (cell[0] == null) {
                    cell[0] = s.get();
                }
                @SuppressWarnings("unchecked")
                T t = (T) cell[0];
                return t;
            }
        };
    }

    private static final Pattern RAW_CRC = Pattern.compile("\"rawCrc32c\"\\s*:\\s*\"([0-9a-f]{8})\"");
    private static final Pattern RAW_BYTES = Pattern.compile("\"rawBytes\"\\s*:\\s*(\\d+)");

    /**
     * Archives one file; returns true when it was already archived with the same content (same size and
     * CRC-32C, which the CPU computes even in a JVM that just started: the check PostgreSQL repeats for every
     * segment a previous push archived ahead stays cheap).
     */
    private boolean pushOne(Path file, Compression compression, java.util.function.Supplier<PublicKey> key,
                            java.util.function.Supplier<Path> pgWaldump) {
        String name = Names.check("WAL file name", file.getFileName().toString());
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw BackupException.runtime("cannot read " + file + ": no such file",
                    "archive_command runs in the data directory as the server's OS user; check the path and rights", e);
        } catch (IOException e) {
            throw BackupException.runtime("cannot read " + file + ": " + e.getMessage(),
                    "archive_command runs in the data directory as the server's OS user; check the path and rights", e);
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(raw, 0, raw.length);
        String rawCrc = hex8(crc.getValue());
        Optional<byte[]> existing = repository.get(PREFIX + name + HEADER_SUFFIX);
        if (existing.isPresent()) {
            String text = new String(existing.get(), StandardCharsets.UTF_8);
            Matcher c = RAW_CRC.matcher(text);
            Matcher n = RAW_BYTES.matcher(text);
            if (c.find() && n.find() && c.group(1).equals(rawCrc) && Long.parseLong(n.group(1)) == raw.length) {
                return true;
            }
            throw BackupException.runtime("the archive already holds a different " + name,
                    "another server may be archiving into this repository; give each cluster its own repository", null);
        }
        Path waldump = SEGMENT.matcher(name).matches() ? pgWaldump.get() : null;
        Scan scan = waldump != null ? scan(waldump, file) : Scan.NONE;
        byte[] dataKey = new byte[32];
        random.nextBytes(dataKey);
        int prefix = random.nextInt();
        byte[] sealed;
        Manifest.SealedKey sealedKey;
        try {
            PublicKey publicKey = key.get();
            sealedKey = new Manifest.SealedKey(BackupKeys.keyId(publicKey), Sealing.seal(dataKey, publicKey));
            sealed = ChunkCipher.seal(new SecretKeySpec(dataKey, "AES"), compression, AAD_BACKUP, name, prefix, 0, true,
                    raw, raw.length);
        } catch (GeneralSecurityException e) {
            throw BackupException.runtime("could not encrypt " + name + ": " + e.getMessage(), null, e);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
        repository.put(PREFIX + name, sealed);
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("format", FORMAT);
        h.put("name", name);
        h.put("keyId", sealedKey.keyId());
        h.put("sealedDataKey", Base64.getEncoder().encodeToString(sealedKey.sealed()));
        h.put("compression", compression.id());
        h.put("noncePrefix", hex8(prefix & 0xFFFFFFFFL));
        h.put("rawBytes", raw.length);
        h.put("rawCrc32c", rawCrc);
        h.put("storedBytes", sealed.length);
        h.put("sha256", HexFormat.of().formatHex(BackupKeys.sha256(sealed)));
        h.put("archivedAt", Instant.now().toString());
        h.put("firstCommit", scan.firstCommit == null ? null : scan.firstCommit.toString());
        h.put("lastCommit", scan.lastCommit == null ? null : scan.lastCommit.toString());
        List<Map<String, Object>> points = new ArrayList<>();
        for (RestorePoint p : scan.restorePoints) {
            points.add(new LinkedHashMap<>(Map.of("name", p.name(), "lsn", p.lsn())));
        }
        h.put("restorePoints", points);
        StringWriter out = new StringWriter();
        StableJson.write(h, out);
        repository.put(PREFIX + name + HEADER_SUFFIX, out.toString().getBytes(StandardCharsets.UTF_8));
        return false;
    }

    private record Scan(Instant firstCommit, Instant lastCommit, List<RestorePoint> restorePoints) {
        static final Scan NONE = new Scan(null, null, List.of());
    }

    /** Commit times and restore points of a segment, read with pg_waldump (times printed in UTC). */
    static Scan scan(Path pgWaldump, Path segment) {
        ProcessBuilder pb = new ProcessBuilder(pgWaldump.toString(), "--rmgr=Transaction", "--rmgr=XLOG",
                segment.toAbsolutePath().toString());
        pb.environment().put("TZ", "UTC");
        pb.environment().put("PGTZ", "UTC");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Instant first = null;
        Instant last = null;
        List<RestorePoint> points = new ArrayList<>();
        try {
            Process p = pb.start();
            try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    Matcher c = COMMIT.matcher(line);
                    if (c.find()) {
                        Instant t = LocalDateTime.parse(c.group(2), WALDUMP_TIME).toInstant(ZoneOffset.UTC);
                        first = first == null ? t : first;
                        last = t;
                        continue;
                    }
                    Matcher r = RESTORE_POINT.matcher(line);
                    if (r.find()) {
                        points.add(new RestorePoint(r.group(2).strip(), r.group(1)));
                    }
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (IOException | DateTimeParseException e) {
            return Scan.NONE; // the times are a convenience; the segment itself is what matters
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Scan.NONE;
        }
        return new Scan(first, last, List.copyOf(points));
    }

    // ---- fetch -----------------------------------------------------------------------------------------

    /**
     * Writes archived file {@code name} to {@code dest} (PostgreSQL's {@code %p} of restore_command), checking
     * its SHA-256 and authentication tag first. Returns false when the archive has no such file, which is how
     * PostgreSQL learns it reached the end of the archive.
     */
    public boolean fetch(String name, Path dest, PrivateKey key) {
        Names.check("WAL file name", name);
        Optional<JsonNode> header = header(name);
        if (header.isEmpty()) {
            return false;
        }
        JsonNode h = header.get();
        byte[] stored = repository.get(PREFIX + name).orElseThrow(() -> BackupException.runtime(
                "the archive lists " + name + " but its data is missing (" + PREFIX + name + ")",
                "the archive is damaged; recover from a later backup", null));
        if (!HexFormat.of().formatHex(BackupKeys.sha256(stored)).equals(h.path("sha256").asText())) {
            throw BackupException.runtime("archived " + name + " is corrupt (SHA-256 does not match its header)",
                    "the archive is damaged; recover to a point before it, or from a later backup", null);
        }
        byte[] dataKey = Sealing.open("archived WAL file " + name, List.of(new Manifest.SealedKey(
                h.path("keyId").asText(), Base64.getDecoder().decode(h.path("sealedDataKey").asText()))), key);
        byte[] raw;
        try {
            SecretKey secret = new SecretKeySpec(dataKey, "AES");
            raw = ChunkCipher.open(secret, Compression.fromId(h.path("compression").asText()), AAD_BACKUP, name,
                    Integer.parseUnsignedInt(h.path("noncePrefix").asText(), 16), 0, true, stored);
        } catch (GeneralSecurityException e) {
            throw BackupException.runtime("archived " + name + " failed authentication: " + e.getMessage(),
                    "the archive was tampered with or damaged", e);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
        Path target = dest.toAbsolutePath();
        Path temp = target.resolveSibling("." + target.getFileName() + ".keel-fetch");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(raw);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw BackupException.runtime("cannot write " + target + ": " + e.getMessage(), null, e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort
            }
        }
        return true;
    }

    // ---- catalog ---------------------------------------------------------------------------------------

    /** Whether nothing is archived: a listing, no header read. */
    public boolean isEmpty() {
        return repository.list(PREFIX).stream().noneMatch(path -> path.endsWith(HEADER_SUFFIX));
    }

    /** The archived file {@code name} (a segment, history or backup label file), or empty; reads its header only. */
    public Optional<Entry> entry(String name) {
        return header(name).map(h -> entry(name, h));
    }

    /** Every archived file, sorted by name. */
    public List<Entry> list() {
        List<Entry> entries = new ArrayList<>();
        for (String path : repository.list(PREFIX)) {
            if (path.endsWith(HEADER_SUFFIX)) {
                String name = path.substring(PREFIX.length(), path.length() - HEADER_SUFFIX.length());
                header(name).map(h -> entry(name, h)).ifPresent(entries::add);
            }
        }
        return entries;
    }

    /**
     * The data-loss window at {@code now} of a backup that became consistent at {@code backupStop}: the age of the
     * newest segment archived after it (a restore to the end of the archive loses what came later), or the
     * backup's own age when no segment was archived since.
     */
    public java.time.Duration dataLossWindow(Instant backupStop, Instant now) {
        Instant newest = list().stream().filter(Entry::isSegment).map(Entry::archivedAt)
                .filter(t -> t.isAfter(backupStop)).max(Instant::compareTo).orElse(backupStop);
        return java.time.Duration.between(newest, now);
    }

    /**
     * Checks every archived file without the key: header present and readable, data present, SHA-256 equal.
     * Returns one line per problem.
     */
    public List<String> verify() {
        List<String> problems = new ArrayList<>();
        List<String> paths = repository.list(PREFIX);
        for (String path : paths) {
            String name = path.substring(PREFIX.length());
            if (name.endsWith(HEADER_SUFFIX)) {
                String file = name.substring(0, name.length() - HEADER_SUFFIX.length());
                Optional<byte[]> data = repository.get(PREFIX + file);
                Optional<JsonNode> h = header(file);
                if (data.isEmpty()) {
                    problems.add("WAL " + file + ": data missing (" + PREFIX + file + ")");
                } else if (h.isEmpty() || !HexFormat.of().formatHex(BackupKeys.sha256(data.get()))
                        .equals(h.get().path("sha256").asText())) {
                    problems.add("WAL " + file + ": SHA-256 mismatch (" + PREFIX + file + ")");
                }
            } else if (!paths.contains(path + HEADER_SUFFIX)) {
                problems.add("WAL " + name + ": no header; an interrupted push (PostgreSQL retries it)");
            }
        }
        return problems;
    }

    private Optional<JsonNode> header(String name) {
        return repository.get(PREFIX + name + HEADER_SUFFIX).map(bytes -> {
            try {
                JsonNode h = Json.MAPPER.readTree(bytes);
                if (!FORMAT.equals(h.path("format").asText()) || !name.equals(h.path("name").asText())) {
                    throw new IOException("not a " + FORMAT + " header of " + name);
                }
                return h;
            } catch (IOException e) {
                throw BackupException.runtime("the archive header " + PREFIX + name + HEADER_SUFFIX + " is damaged: "
                        + e.getMessage(), "delete it and archive the file again (keel wal push)", e);
            }
        });
    }

    private static Entry entry(String name, JsonNode h) {
        List<RestorePoint> points = new ArrayList<>();
        for (JsonNode p : h.path("restorePoints")) {
            points.add(new RestorePoint(p.path("name").asText(), p.path("lsn").asText()));
        }
        return new Entry(name, h.path("rawBytes").asLong(), h.path("storedBytes").asLong(),
                Instant.parse(h.path("archivedAt").asText()), instant(h.get("firstCommit")), instant(h.get("lastCommit")),
                List.copyOf(points), h.path("keyId").asText());
    }

    private static Instant instant(JsonNode n) {
        return n == null || n.isNull() ? null : Instant.parse(n.asText());
    }

    // ---- LSN and segment names -------------------------------------------------------------------------

    /** Parses an LSN such as {@code 0/3000148}. */
    public static long parseLsn(String lsn) {
        int slash = lsn == null ? -1 : lsn.indexOf('/');
        if (slash < 1) {
            throw BackupException.usage("bad LSN '" + lsn + "'", "write an LSN as PostgreSQL does, like 0/3000148");
        }
        try {
            return (Long.parseLong(lsn.substring(0, slash), 16) << 32) | Long.parseLong(lsn.substring(slash + 1), 16);
        } catch (NumberFormatException e) {
            throw BackupException.usage("bad LSN '" + lsn + "'", "write an LSN as PostgreSQL does, like 0/3000148");
        }
    }

    public static String formatLsn(long lsn) {
        return String.format("%X/%X", lsn >>> 32, lsn & 0xFFFFFFFFL);
    }

    /**
     * The name of the segment holding {@code lsn} on {@code timeline}. Built by hand, which keeps String.format's
     * classes out of a backup's JVM (with java.time's formatter they cost a backup 0.12-0.15 s of CPU, bench/RESULTS.md).
     */
    public static String segmentName(int timeline, long lsn, long segmentSize) {
        long segno = Long.divideUnsigned(lsn, segmentSize);
        long perLog = 0x100000000L / segmentSize;
        return (hex8(timeline) + hex8(segno / perLog) + hex8(segno % perLog)).toUpperCase(java.util.Locale.ROOT);
    }

    static long segmentStartLsn(String name, long segmentSize) {
        long log = Long.parseLong(name.substring(8, 16), 16);
        long seg = Long.parseLong(name.substring(16, 24), 16);
        return log * 0x100000000L + seg * segmentSize;
    }
}
