package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The WAL archive's storage without a server: push, fetch, idempotence, damage and the wrong key. */
class WalArchiveTest {

    @TempDir
    Path tmp;

    private Path segment(String name, long seed) throws Exception {
        Path dir = tmp.resolve("pg_wal");
        Files.createDirectories(dir.resolve("archive_status"));
        byte[] bytes = new byte[1 << 20];
        new Random(seed).nextBytes(bytes);
        for (int i = 0; i < bytes.length; i += 2) {
            bytes[i] = 0; // compressible, like real WAL
        }
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    @Test
    void pushedSegment_fetchesBackByteForByte_andIsListedWithItsTime() throws Exception {
        LocalRepository repo = new LocalRepository(tmp.resolve("repo"));
        WalArchive archive = new WalArchive(repo);
        Path seg = segment("000000010000000000000003", 1);
        Instant before = Instant.now();

        WalArchive.PushResult r = archive.push(seg, Compression.ZSTD, TestKeys.A.getPublic(), null, 0);

        assertThat(r.alreadyArchived()).isFalse();
        Path out = tmp.resolve("restored");
        assertThat(archive.fetch("000000010000000000000003", out, TestKeys.A.getPrivate())).isTrue();
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(seg));
        assertThat(archive.list()).singleElement().satisfies(e -> {
            assertThat(e.name()).isEqualTo("000000010000000000000003");
            assertThat(e.isSegment()).isTrue();
            assertThat(e.archivedAt()).isAfterOrEqualTo(before.minusSeconds(1));
            assertThat(e.storedBytes()).isLessThan(e.rawBytes());
            assertThat(e.startLsn()).isEqualTo(3L << 20);
        });
        assertThat(archive.verify()).isEmpty();
        assertThat(archive.fetch("000000010000000000000004", tmp.resolve("none"), TestKeys.A.getPrivate())).isFalse();
        assertThat(tmp.resolve("none")).doesNotExist();
    }

    @Test
    void dataLossWindow_isTheNewestArchivedSegmentsAge_orTheBackupsWithoutOne() throws Exception {
        WalArchive archive = new WalArchive(new LocalRepository(tmp.resolve("repo")));
        Instant backupStop = Instant.now().minusSeconds(3600);
        assertThat(archive.dataLossWindow(backupStop, backupStop.plusSeconds(3600)))
                .isEqualTo(java.time.Duration.ofSeconds(3600));

        archive.push(segment("000000010000000000000009", 1), Compression.ZSTD, TestKeys.A.getPublic(), null, 0);
        Instant archivedAt = archive.list().get(0).archivedAt();

        Instant later = archivedAt.plusSeconds(10);
        assertThat(archive.dataLossWindow(backupStop, later)).isEqualTo(java.time.Duration.ofSeconds(10));
        // a segment archived before the backup does not shorten the window
        Instant newBackup = archivedAt.plusSeconds(5);
        assertThat(archive.dataLossWindow(newBackup, later)).isEqualTo(java.time.Duration.ofSeconds(5));
    }

    @Test
    void pushOfAMissingFile_saysSoOnce() {
        WalArchive archive = new WalArchive(new LocalRepository(tmp.resolve("repo")));
        assertThatThrownBy(() -> archive.push(tmp.resolve("pg_wal/000000010000000000000001"), Compression.ZSTD,
                TestKeys.A.getPublic(), null, 0)).isInstanceOf(BackupException.class)
                .hasMessage("cannot read " + tmp.resolve("pg_wal/000000010000000000000001") + ": no such file");
        assertThat(archive.list()).isEmpty();
    }

    @Test
    void pushingTheSameFileAgain_isAccepted_butDifferentContentIsRefused() throws Exception {
        LocalRepository repo = new LocalRepository(tmp.resolve("repo"));
        WalArchive archive = new WalArchive(repo);
        Path seg = segment("000000010000000000000005", 1);
        archive.push(seg, Compression.LZ4, TestKeys.A.getPublic(), null, 0);

        assertThat(archive.push(seg, Compression.LZ4, TestKeys.A.getPublic(), null, 0).alreadyArchived()).isTrue();
        segment("000000010000000000000005", 2);
        assertThatThrownBy(() -> archive.push(seg, Compression.LZ4, TestKeys.A.getPublic(), null, 0))
                .isInstanceOf(BackupException.class).hasMessageContaining("already holds a different 000000010000000000000005");
    }

    @Test
    void push_archivesTheSegmentsPostgresMarkedReady() throws Exception {
        LocalRepository repo = new LocalRepository(tmp.resolve("repo"));
        Path first = segment("000000010000000000000001", 1);
        for (int i = 2; i <= 4; i++) {
            String name = String.format("00000001000000000000000%d", i);
            segment(name, i);
            Files.createFile(tmp.resolve("pg_wal/archive_status/" + name + ".ready"));
        }

        WalArchive.PushResult r = new WalArchive(repo).push(first, Compression.ZSTD, TestKeys.A.getPublic(), null, 2);

        assertThat(r.pushedAhead()).containsExactly("000000010000000000000002", "000000010000000000000003");
        assertThat(new WalArchive(repo).list()).extracting(WalArchive.Entry::name).containsExactly(
                "000000010000000000000001", "000000010000000000000002", "000000010000000000000003");
    }

    @Test
    void damagedData_isNamed_andTheWrongKeyIsRefused() throws Exception {
        LocalRepository repo = new LocalRepository(tmp.resolve("repo"));
        WalArchive archive = new WalArchive(repo);
        archive.push(segment("000000010000000000000007", 1), Compression.ZSTD, TestKeys.A.getPublic(), null, 0);

        assertThatThrownBy(() -> archive.fetch("000000010000000000000007", tmp.resolve("x"), TestKeys.B.getPrivate()))
                .isInstanceOf(BackupException.class).hasMessageContaining("is sealed to key");
        assertThat(tmp.resolve("x")).doesNotExist();

        Path data = repo.root().resolve("wal/000000010000000000000007");
        byte[] bytes = Files.readAllBytes(data);
        bytes[bytes.length / 2] ^= 1;
        Files.write(data, bytes);
        assertThat(archive.verify()).singleElement().asString().contains("000000010000000000000007").contains("SHA-256");
        assertThatThrownBy(() -> archive.fetch("000000010000000000000007", tmp.resolve("x"), TestKeys.A.getPrivate()))
                .isInstanceOf(BackupException.class).hasMessageContaining("corrupt");
        assertThat(tmp.resolve("x")).doesNotExist();
    }

    @Test
    void archiverLag_countsFinishedSegments_andReadsABackupLabelAsItsSegment() {
        assertThat(WalSetup.lagSegments("000000010000000000000005", "000000010000000000000004")).isZero();
        assertThat(WalSetup.lagSegments("000000010000000100000002", "0000000100000000000000FE")).isEqualTo(3);
        assertThat(WalSetup.lagSegments("000000010000000000000003", "000000010000000000000003.00000028.backup")).isZero();
        assertThat(WalSetup.lagSegments("000000010000000000000003", null)).isEqualTo(-1);
        assertThat(WalSetup.lagSegments("000000020000000000000003", "00000002.history")).isEqualTo(-1);
    }

    @Test
    void segmentNamesAndLsns() {
        assertThat(WalArchive.segmentName(1, WalArchive.parseLsn("0/3000148"), 16L << 20)).isEqualTo("000000010000000000000003");
        assertThat(WalArchive.segmentName(2, WalArchive.parseLsn("1/FF000000"), 16L << 20)).isEqualTo("0000000200000001000000FF");
        assertThat(WalArchive.formatLsn(WalArchive.parseLsn("A/1B"))).isEqualTo("A/1B");
        assertThatThrownBy(() -> WalArchive.parseLsn("12345")).hasMessageContaining("bad LSN");
        assertThat(Recovery.parseTime("2026-11-25 15:04:05.25+01")).isEqualTo(Instant.parse("2026-11-25T14:04:05.250Z"));
        assertThat(Recovery.parseTime("2026-11-25T15:04:05Z")).isEqualTo(Instant.parse("2026-11-25T15:04:05Z"));
        assertThat(Recovery.parseTime("2026-11-25 15:04:05")).isEqualTo(Instant.parse("2026-11-25T15:04:05Z"));
        assertThatThrownBy(() -> Recovery.parseTime("yesterday")).hasMessageContaining("bad time");
    }
}
