package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class PgBackupManifestTest {

    private static FileList.Entry file(String path, byte[] content, long mtime) {
        CRC32C crc = new CRC32C();
        crc.update(content);
        return new FileList.Entry(path, FileList.Type.FILE, 0600, content.length, "0".repeat(64), null, List.of(),
                PgBackupManifest.checksum(crc), mtime);
    }

    @Test
    void checksum_isWrittenAsPostgresWritesIt() {
        // PG_VERSION "15\n": pg_basebackup's manifest of a PostgreSQL 15 cluster says 8a744722 (the CRC's bytes,
        // little-endian), where CRC32C.getValue() is 0x2247748a.
        CRC32C crc = new CRC32C();
        crc.update("15\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(crc.getValue()).isEqualTo(0x2247748aL);
        assertThat(PgBackupManifest.checksum(crc)).isEqualTo("8a744722");
    }

    @Test
    void manifest_listsFilesButNotWalSegments_andEndsWithTheChecksumOfWhatPrecedesIt() {
        PgBackupManifest m = new PgBackupManifest();
        m.add(file("backup_label", "label".getBytes(StandardCharsets.UTF_8), 1_795_000_000L));
        m.add(new FileList.Entry("base", FileList.Type.DIR, 0700, 0, null, null, List.of(), null, -1));
        m.add(file("PG_VERSION", "15\n".getBytes(StandardCharsets.US_ASCII), 0));
        m.add(file("pg_wal/000000010000000000000003", new byte[16], 1));
        m.add(file("pg_wal/archive_status/000000010000000000000003.done", new byte[0], 1));
        m.add(file("base/1/odd\"name", new byte[] {1}, 1));

        String text = new String(m.finish("1", "0/3000028", "0/3000100").orElseThrow(), StandardCharsets.UTF_8);

        assertThat(text).startsWith("{ \"PostgreSQL-Backup-Manifest-Version\": 1,\n\"Files\": [\n"
                + "{ \"Path\": \"backup_label\", \"Size\": 5, \"Last-Modified\": \"2026-11-18 11:06:40 GMT\", "
                + "\"Checksum-Algorithm\": \"CRC32C\", \"Checksum\": \"");
        assertThat(text).contains("{ \"Path\": \"PG_VERSION\", \"Size\": 3, \"Last-Modified\": \"1970-01-01 00:00:00 GMT\", "
                + "\"Checksum-Algorithm\": \"CRC32C\", \"Checksum\": \"8a744722\" }");
        assertThat(text).contains("\"Path\": \"pg_wal/archive_status/000000010000000000000003.done\"")
                .doesNotContain("\"pg_wal/000000010000000000000003\"").doesNotContain("\"base\"");
        assertThat(text).contains("\"Encoded-Path\": \""
                + HexFormat.of().formatHex("base/1/odd\"name".getBytes(StandardCharsets.UTF_8)) + "\"");
        assertThat(text).contains("\"WAL-Ranges\": [\n{ \"Timeline\": 1, \"Start-LSN\": \"0/3000028\", \"End-LSN\": \"0/3000100\" }\n],\n");
        int at = text.lastIndexOf("\"Manifest-Checksum\"");
        String sum = HexFormat.of().formatHex(BackupKeys.sha256(text.substring(0, at).getBytes(StandardCharsets.UTF_8)));
        assertThat(text.substring(at)).isEqualTo("\"Manifest-Checksum\": \"" + sum + "\"}\n");
    }

    @Test
    void aListFromAnOlderKeel_orAnUnknownPosition_givesNoManifest() {
        PgBackupManifest old = new PgBackupManifest();
        old.add(file("PG_VERSION", "15\n".getBytes(StandardCharsets.US_ASCII), 0));
        old.add(new FileList.Entry("global/1262", FileList.Type.FILE, 0600, 8192, "0".repeat(64), null, List.of()));
        assertThat(old.finish("1", "0/3000028", "0/3000100")).isEmpty();

        PgBackupManifest fine = new PgBackupManifest();
        fine.add(file("PG_VERSION", "15\n".getBytes(StandardCharsets.US_ASCII), 0));
        assertThat(fine.finish("1", "", "0/3000100")).isEmpty();
        assertThat(fine.finish("1", "0/3000028", "0/3000100")).isPresent();
    }
}
