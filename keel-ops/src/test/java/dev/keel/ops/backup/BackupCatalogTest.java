package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupCatalogTest {

    @TempDir
    Path dir;

    @Test
    void neverCompletedBackup_isListedIncompleteAndCleaned() throws Exception {
        Repository repo = new LocalRepository(dir);
        TestKeys.writeBackup(repo, "b1", TestKeys.A, Compression.ZSTD, 1024, Map.of("s", new byte[3000]));
        BackupWriter abandoned = BackupWriter.open(repo, "b2", TestKeys.A.getPublic(), Compression.ZSTD, 1024);
        try (OutputStream out = abandoned.stream("s")) {
            out.write(new byte[5000]);
        }

        assertThat(BackupCatalog.list(repo)).containsExactly(
                new BackupCatalog.Backup("b1", BackupCatalog.Status.COMPLETE),
                new BackupCatalog.Backup("b2", BackupCatalog.Status.INCOMPLETE));
        assertThatThrownBy(() -> BackupReader.open(repo, "b2", TestKeys.A.getPrivate()))
                .isInstanceOf(BackupException.class).hasMessageContaining("backup b2 is not complete");
        assertThat(BackupReader.verify(repo, "b2")).anySatisfy(p -> assertThat(p).contains("not complete"));

        assertThat(BackupCatalog.cleanIncomplete(repo)).containsExactly("b2");
        assertThat(BackupCatalog.list(repo)).containsExactly(
                new BackupCatalog.Backup("b1", BackupCatalog.Status.COMPLETE));
        assertThat(dir.resolve("backups/b2")).doesNotExist();
    }

    @Test
    void manifestWithoutMarker_isIncomplete_andTheNextBackupCleansIt() {
        Repository repo = new LocalRepository(dir);
        TestKeys.writeBackup(repo, "b1", TestKeys.A, Compression.ZSTD, 1024, Map.of("s", new byte[10]));
        repo.delete("backups/b1/COMPLETE"); // as if the process died between manifest and marker
        assertThat(BackupCatalog.list(repo)).containsExactly(
                new BackupCatalog.Backup("b1", BackupCatalog.Status.INCOMPLETE));

        BackupWriter.open(repo, "b2", TestKeys.A.getPublic(), Compression.ZSTD);
        assertThat(BackupCatalog.list(repo)).isEmpty();
    }

    @Test
    void listing_readsEachBackupsMarker_notItsManifest() {
        Repository repo = new LocalRepository(dir);
        TestKeys.writeBackup(repo, "b1", TestKeys.A, Compression.ZSTD, 1024, Map.of("s", new byte[3000]));
        Map<String, Object> before = BackupCatalog.describe(repo).get(0);
        assertThat(before).containsEntry("sizeBytes", 3000L);

        repo.delete("backups/b1/manifest.json"); // a manifest can be tens of megabytes; listing does not open it

        assertThat(BackupCatalog.describe(repo)).containsExactly(before);
        assertThat(BackupReader.metadataOf(repo, "b1")).containsEntry("kind", "test").containsEntry("rawBytes", "3000");
    }

    @Test
    void aMarkerWithoutSummary_asOlderBackupsHave_isReadFromTheManifest() {
        Repository repo = new LocalRepository(dir);
        TestKeys.writeBackup(repo, "b1", TestKeys.A, Compression.ZSTD, 1024, Map.of("s", new byte[3000]));
        Map<String, String> summary = BackupReader.metadataOf(repo, "b1");

        repo.put("backups/b1/COMPLETE", "complete\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));

        assertThat(BackupReader.metadataOf(repo, "b1")).isEqualTo(summary);
        repo.put("backups/b1/COMPLETE", "{\"format\": \"keel-backup-1\", \"backupId\": \"b2\"}".getBytes(
                java.nio.charset.StandardCharsets.UTF_8)); // another backup's, or damaged: the manifest decides
        assertThat(BackupReader.metadataOf(repo, "b1")).isEqualTo(summary);
        repo.put("backups/b1/COMPLETE", "{not json".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(BackupReader.metadataOf(repo, "b1")).isEqualTo(summary);
        assertThat(BackupCatalog.list(repo)).containsExactly(new BackupCatalog.Backup("b1", BackupCatalog.Status.COMPLETE));
    }

    @Test
    void complete_withOpenStream_isUsageError() {
        Repository repo = new LocalRepository(dir);
        BackupWriter writer = BackupWriter.open(repo, "b1", TestKeys.A.getPublic(), Compression.NONE);
        writer.stream("s");
        assertThatThrownBy(() -> writer.complete(Map.of())).isInstanceOf(BackupException.class)
                .hasMessageContaining("stream s of backup b1 is still open");
        assertThat(BackupCatalog.list(repo)).allSatisfy(
                b -> assertThat(b.status()).isEqualTo(BackupCatalog.Status.INCOMPLETE));
    }

    @Test
    void badNames_areRejected() {
        Repository repo = new LocalRepository(dir);
        assertThatThrownBy(() -> BackupWriter.open(repo, "../x", TestKeys.A.getPublic(), Compression.NONE))
                .isInstanceOf(BackupException.class).hasMessageContaining("bad backup id");
        BackupWriter writer = BackupWriter.open(repo, "b1", TestKeys.A.getPublic(), Compression.NONE);
        assertThatThrownBy(() -> writer.stream("a/b")).isInstanceOf(BackupException.class)
                .hasMessageContaining("bad stream name");
    }
}
