package dev.keel.ops.backup;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * PostgreSQL's {@code backup_manifest} (version 1, as pg_basebackup writes it), built from a backup's file list.
 * pg_basebackup cannot put its manifest into a tar the server compressed, so Keel writes the same document from the
 * CRC-32C and modification time it records for every file while the backup streams past: a restored data
 * directory then has a manifest, and {@code pg_verifybackup} checks it as it checks any base backup.
 *
 * <p>Like the server's, it lists every file of the tar but the WAL in {@code pg_wal} itself (the manifest's
 * WAL-Ranges say which WAL the backup needs); checksums are CRC-32C, written as PostgreSQL does (the value's bytes
 * in little-endian order); the last line carries the SHA-256 of everything before it.
 */
final class PgBackupManifest {

    /** The backup's stream that holds it, and the file it becomes in a restored data directory. */
    static final String NAME = "backup_manifest";

    private final StringBuilder files = new StringBuilder(); // the "Files" array's entries so far
    private boolean complete = true;

    /** A CRC-32C as a manifest writes it. */
    static String checksum(CRC32C crc) {
        return checksum((int) crc.getValue());
    }

    /** A CRC-32C value as a manifest writes it. */
    static String checksum(int crc) {
        return HexFormat.of().toHexDigits(Integer.reverseBytes(crc));
    }

    /**
     * "2026-11-26 08:19:56 GMT", as the server writes a file's modification time; built by hand, since loading
     * java.time's formatter (or String.format) cost a backup 0.12-0.15 s of CPU (bench/RESULTS.md).
     */
    private static void modified(StringBuilder out, long epochSecond) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
        out.append(t.getYear()).append('-');
        two(out, t.getMonthValue()).append('-');
        two(out, t.getDayOfMonth()).append(' ');
        two(out, t.getHour()).append(':');
        two(out, t.getMinute()).append(':');
        two(out, t.getSecond()).append(" GMT");
    }

    private static StringBuilder two(StringBuilder out, int n) {
        return out.append((char) ('0' + n / 10)).append((char) ('0' + n % 10));
    }

    /** Adds {@code e}, in tar order; directories, symlinks and WAL segments are not listed. */
    void add(FileList.Entry e) {
        if (e.type() != FileList.Type.FILE || isWal(e.path()) || e.path().equals(NAME)) {
            return;
        }
        if (e.crc32c() == null || e.mtime() < 0) {
            complete = false; // a list from an older Keel: no manifest rather than a partial one
            return;
        }
        files.append(files.isEmpty() ? "\n{ " : ",\n{ ").append(path(e.path())).append(", \"Size\": ").append(e.size())
                .append(", \"Last-Modified\": \"");
        modified(files, e.mtime());
        files.append("\", \"Checksum-Algorithm\": \"CRC32C\", \"Checksum\": \"").append(e.crc32c()).append("\" }");
    }

    /**
     * The manifest for WAL from {@code startLsn} to {@code stopLsn} on {@code timeline}; empty when a file lacked
     * its checksum or a position is unknown.
     */
    Optional<byte[]> finish(String timeline, String startLsn, String stopLsn) {
        if (!complete || blank(timeline) || blank(startLsn) || blank(stopLsn)) {
            return Optional.empty();
        }
        String body = "{ \"PostgreSQL-Backup-Manifest-Version\": 1,\n\"Files\": [" + files + "\n],\n"
                + "\"WAL-Ranges\": [\n{ \"Timeline\": " + Long.parseLong(timeline) + ", \"Start-LSN\": \"" + startLsn
                + "\", \"End-LSN\": \"" + stopLsn + "\" }\n],\n";
        byte[] head = body.getBytes(StandardCharsets.UTF_8);
        String sum = HexFormat.of().formatHex(BackupKeys.sha256(head));
        return Optional.of((body + "\"Manifest-Checksum\": \"" + sum + "\"}\n").getBytes(StandardCharsets.UTF_8));
    }

    /** A file directly in pg_wal: a segment or history file, which the manifest's WAL-Ranges stand for. */
    private static boolean isWal(String path) {
        return path.startsWith("pg_wal/") && path.indexOf('/', "pg_wal/".length()) < 0;
    }

    /** "Path": "..." for plain names; "Encoded-Path" (hex of the bytes) for anything JSON would need escaped. */
    private static String path(String p) {
        boolean plain = p.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\');
        return plain ? "\"Path\": \"" + p + "\""
                : "\"Encoded-Path\": \"" + HexFormat.of().formatHex(p.getBytes(StandardCharsets.UTF_8)) + "\"";
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
