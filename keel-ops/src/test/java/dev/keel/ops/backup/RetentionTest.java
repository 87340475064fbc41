package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention plans and their application on a real local repository holding fake backups (real manifests,
 * written by BackupWriter) and fake archived WAL.
 */
class RetentionTest {

    static final Instant NOW = Instant.parse("2026-11-25T15:30:00Z");

    @TempDir
    Path dir;

    Repository repo;

    @BeforeEach
    void open() {
        repo = new LocalRepository(dir);
    }

    /** A complete backup with a little data and the given metadata. */
    private void backup(String id, Map<String, String> meta) {
        BackupWriter writer = BackupWriter.open(repo, id, TestKeys.A.getPublic(), Compression.NONE, 1024);
        try (OutputStream out = writer.stream("base.tar")) {
            out.write(new byte[3000]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writer.complete(meta);
    }

    private void full(String id, String timeline, String startLsn, String stopTime) {
        backup(id, Map.of("type", "full", "timeline", timeline, "startLsn", startLsn, "stopTime", stopTime));
    }

    private void incr(String id, String parent, String startLsn, String stopTime) {
        backup(id, Map.of("type", "incr", "parent", parent, "timeline", "1", "startLsn", startLsn, "stopTime", stopTime));
    }

    private void wal(String... names) {
        for (String n : names) {
            repo.put("wal/" + n, new byte[100]);
        }
    }

    private static Map<String, String> reasons(List<Retention.Decision> decisions) {
        Map<String, String> m = new LinkedHashMap<>();
        decisions.forEach(d -> m.put(d.id(), d.reason()));
        return m;
    }

    private static List<String> ids(List<Retention.Decision> decisions) {
        return decisions.stream().map(Retention.Decision::id).toList();
    }

    private List<String> walNames() {
        return repo.list("wal/").stream().map(p -> p.substring(4)).toList();
    }

    @Test
    void plan_countPolicy_keepsTheNewestFullsAndTheIncrementalsOnThem() {
        full("20261101T000000Z-full", "1", "0/1000028", "2026-11-01T00:10:00Z");
        incr("20261102T000000Z-incr", "20261101T000000Z-full", "0/2000028", "2026-11-02T00:10:00Z");
        full("20261110T000000Z-full", "1", "0/3000028", "2026-11-10T00:10:00Z");
        incr("20261111T000000Z-incr", "20261110T000000Z-full", "0/4000028", "2026-11-11T00:10:00Z");
        incr("20261112T000000Z-incr", "20261111T000000Z-incr", "0/5000028", "2026-11-12T00:10:00Z");
        full("20261120T000000Z-full", "1", "0/6000028", "2026-11-20T00:10:00Z");

        Retention.Plan plan = Retention.plan(repo, Retention.Policy.none().withKeepFull(2), NOW);

        assertThat(ids(plan.kept())).containsExactly("20261110T000000Z-full", "20261111T000000Z-incr",
                "20261112T000000Z-incr", "20261120T000000Z-full");
        assertThat(ids(plan.deleted())).containsExactly("20261101T000000Z-full", "20261102T000000Z-incr");
        Map<String, String> why = reasons(plan.backups());
        assertThat(why.get("20261120T000000Z-full")).isEqualTo("one of the newest 2 full backups");
        assertThat(why.get("20261112T000000Z-incr")).isEqualTo("builds on kept full backup 20261110T000000Z-full");
        assertThat(why.get("20261101T000000Z-full")).isEqualTo("not among the newest 2 full backups");
        assertThat(why.get("20261102T000000Z-incr")).contains("builds on full backup 20261101T000000Z-full");
        assertThat(plan.deleted()).allSatisfy(d -> assertThat(d.storedBytes()).isPositive());
    }

    @Test
    void plan_windowPolicy_keepsTheLastBackupBeforeTheWindowWithItsChainAndEverythingAfter() {
        full("20261101T000000Z-full", "1", "0/1000028", "2026-11-01T00:10:00Z");
        full("20261110T000000Z-full", "1", "0/3000028", "2026-11-10T00:10:00Z");
        incr("20261115T000000Z-incr", "20261110T000000Z-full", "0/4000028", "2026-11-15T00:10:00Z");
        full("20261120T000000Z-full", "1", "0/6000028", "2026-11-20T00:10:00Z");
        incr("20261124T000000Z-incr", "20261120T000000Z-full", "0/7000028", "2026-11-24T00:10:00Z");

        // now - 7d = 2026-11-18T15:30Z: the 11-15 incremental is the newest backup that ended before it.
        Retention.Plan plan = Retention.plan(repo, Retention.Policy.none().withWindow(Duration.ofDays(7)), NOW);

        assertThat(ids(plan.deleted())).containsExactly("20261101T000000Z-full");
        Map<String, String> why = reasons(plan.backups());
        assertThat(why.get("20261115T000000Z-incr")).contains("the newest backup that ended before 2026-11-18T15:30:00Z");
        assertThat(why.get("20261110T000000Z-full")).isEqualTo("a parent of kept incremental 20261115T000000Z-incr");
        assertThat(why.get("20261124T000000Z-incr")).contains("ended within the 7d recovery window");
        assertThat(why.get("20261101T000000Z-full")).contains("older than the 7d window needs")
                .contains("20261115T000000Z-incr");
    }

    @Test
    void plan_windowReachingPastEveryBackup_keepsThemAll() {
        full("20261101T000000Z-full", "1", "0/1000028", "2026-11-01T00:10:00Z");
        full("20261120T000000Z-full", "1", "0/6000028", "2026-11-20T00:10:00Z");

        Retention.Plan plan = Retention.plan(repo, Retention.Policy.none().withWindow(Duration.ofDays(90)), NOW);

        assertThat(plan.deleted()).isEmpty();
        assertThat(reasons(plan.kept()).get("20261101T000000Z-full")).contains("within the 90d recovery window");
    }

    @Test
    void plan_countAndWindow_keepTheUnion() {
        full("20261101T000000Z-full", "1", "0/1000028", "2026-11-01T00:10:00Z");
        full("20261110T000000Z-full", "1", "0/3000028", "2026-11-10T00:10:00Z");
        full("20261120T000000Z-full", "1", "0/6000028", "2026-11-20T00:10:00Z");
        full("20261125T000000Z-full", "1", "0/8000028", "2026-11-25T00:10:00Z");

        Retention.Plan plan = Retention.plan(repo,
                Retention.Policy.none().withKeepFull(1).withWindow(Duration.ofHours(36)), NOW);

        // 36h before NOW is 11-24 03:30: the window starts from 11-20; the count keeps 11-25.
        assertThat(ids(plan.kept())).containsExactly("20261120T000000Z-full", "20261125T000000Z-full");
        assertThat(reasons(plan.kept()).get("20261125T000000Z-full")).startsWith("the newest full backup; ");
        assertThat(reasons(plan.deleted()).get("20261101T000000Z-full"))
                .isEqualTo("not the newest full backup; older than the 36h window needs (recovery to its start begins "
                        + "from 20261120T000000Z-full)");
    }

    @Test
    void plan_leavesDumpsAndIncompleteBackupsAlone_andDoesNotCountIncompleteOnes() {
        backup("20261001T000000Z-dump", Map.of("type", "dump"));
        full("20261101T000000Z-full", "1", "0/1000028", "2026-11-01T00:10:00Z");
        full("20261120T000000Z-full", "1", "0/6000028", "2026-11-20T00:10:00Z");
        repo.delete("backups/20261120T000000Z-full/COMPLETE"); // as if it never finished
        wal("000000010000000000000001", "000000010000000000000002", "000000010000000000000006");

        Retention.Plan plan = Retention.plan(repo, Retention.Policy.none().withKeepFull(1), NOW);

        assertThat(plan.deleted()).isEmpty();
        Map<String, String> why = reasons(plan.kept());
        assertThat(why.get("20261001T000000Z-dump")).isEqualTo("a dump: physical retention does not touch dumps");
        assertThat(why.get("20261120T000000Z-full")).startsWith("incomplete: not counted");
        assertThat(why.get("20261101T000000Z-full")).isEqualTo("the newest full backup");
        // the WAL cut follows the complete backup, not the incomplete one
        assertThat(plan.walDeleted()).isZero();
        assertThat(plan.walKept()).isEqualTo(3);
    }

    @Test
    void plan_incrementalWithABrokenChain_isLeftAloneAndSaysWhy() {
        full("20261101T000000Z-full", "1", "0/1000028", "2026-11-01T00:10:00Z");
        incr("20261102T000000Z-incr", "20261031T000000Z-full", "0/2000028", "2026-11-02T00:10:00Z");
        full("20261120T000000Z-full", "1", "0/6000028", "2026-11-20T00:10:00Z");

        Retention.Plan plan = Retention.plan(repo, Retention.Policy.none().withKeepFull(1), NOW);

        assertThat(ids(plan.deleted())).containsExactly("20261101T000000Z-full");
        assertThat(reasons(plan.kept()).get("20261102T000000Z-incr")).contains("does not reach a complete full backup");
    }

    @Test
    void plan_walBeforeTheOldestKeptBackupIsDeleted_historyNeverAndLabelsWithTheirSegment() {
        full("20261101T000000Z-full", "1", "0/1000028", "2026-11-01T00:10:00Z");
        backup("20261120T000000Z-full", Map.of("type", "full", "timeline", "2", "startLsn", "0/6000028",
                "stopTime", "2026-11-20T00:10:00Z"));
        wal("000000010000000000000001", "000000010000000000000002",
                "000000010000000000000003", "000000010000000000000003.00000028.backup",
                "000000010000000000000004", "000000010000000000000005",
                "000000010000000000000006", "000000010000000000000006.00000028.backup", "000000010000000000000007",
                "00000002.history",
                "000000020000000000000005", "000000020000000000000006", "000000020000000000000007",
                "000000030000000000000001", "00000003.history");

        Retention.Plan plan = Retention.plan(repo, Retention.Policy.none().withKeepFull(1), NOW);
        Retention.apply(repo, plan);

        assertThat(walNames()).containsExactly(
                "000000010000000000000006", "000000010000000000000006.00000028.backup", "000000010000000000000007",
                "00000002.history",
                "000000020000000000000006", "000000020000000000000007",
                "00000003.history", "000000030000000000000001");
        assertThat(plan.walDeleted()).isEqualTo(7);
        assertThat(plan.walKept()).isEqualTo(8);
        Retention.WalRange first = plan.wal().get(0);
        assertThat(first.keep()).isFalse();
        assertThat(first.first()).isEqualTo("000000010000000000000001");
        assertThat(first.last()).isEqualTo("000000010000000000000005");
        assertThat(first.objects()).isEqualTo(6);
        assertThat(first.bytes()).isEqualTo(600);
        assertThat(first.reason()).contains("20261120T000000Z-full").contains("000000020000000000000006");
        assertThat(plan.wal()).anySatisfy(r -> {
            assertThat(r.first()).isEqualTo("000000030000000000000001");
            assertThat(r.keep()).isTrue();
            assertThat(r.reason()).contains("timeline 3");
        });
        assertThat(plan.wal()).anySatisfy(r -> {
            assertThat(r.first()).isEqualTo("00000002.history");
            assertThat(r.objects()).isEqualTo(2);
            assertThat(r.reason()).contains("never deleted");
        });
    }

    @Test
    void apply_removesArchivedWalWithItsHeader_soTheArchiveNoLongerListsIt() throws Exception {
        full("20261120T000000Z-full", "1", "0/3000028", "2026-11-20T00:10:00Z");
        java.nio.file.Path pgWal = java.nio.file.Files.createDirectories(dir.resolve("x-pg_wal"));
        WalArchive archive = new WalArchive(repo);
        for (String name : List.of("000000010000000000000002", "000000010000000000000003")) {
            java.nio.file.Path f = pgWal.resolve(name);
            java.nio.file.Files.write(f, new byte[4096]);
            archive.push(f, Compression.ZSTD, TestKeys.A.getPublic(), null, 0);
        }

        Retention.Plan plan = Retention.plan(repo, Retention.Policy.none().withKeepFull(1), NOW);
        assertThat(plan.walDeletions()).containsExactly("wal/000000010000000000000002");
        Retention.apply(repo, plan);

        assertThat(archive.list()).extracting(WalArchive.Entry::name).containsExactly("000000010000000000000003");
        assertThat(walNames()).containsExactly("000000010000000000000003", "000000010000000000000003.json");
        assertThat(archive.verify()).isEmpty();
    }

    @Test
    void plan_startWalIsRecordedOrComputedFromTheLsnWith16MiBSegments() {
        // 1/2A000028 is in segment 0x2A of log 1
        full("20261101T000000Z-full", "1", "1/2A000028", "2026-11-01T00:10:00Z");
        wal("00000001000000010000002900", "000000010000000100000029", "00000001000000010000002A");

        Retention.Plan computed = Retention.plan(repo, Retention.Policy.none().withKeepFull(1), NOW);
        assertThat(computed.walDeletions()).containsExactly("wal/000000010000000100000029");

        backup("20261102T000000Z-full", Map.of("type", "full", "timeline", "1", "startLsn", "1/2A000028",
                "startWal", "000000010000000100000028", "stopTime", "2026-11-02T00:10:00Z"));
        Retention.Plan recorded = Retention.plan(repo, Retention.Policy.none().withKeepFull(1), NOW);
        assertThat(recorded.walDeletions()).isEmpty(); // startWal says 28, and it wins over the LSN
        assertThat(recorded.wal()).anySatisfy(r -> assertThat(r.reason()).isEqualTo("not WAL file names: left alone"));
    }

    @Test
    void plan_withoutAKeptPhysicalBackup_deletesNoWal() {
        backup("20261001T000000Z-dump", Map.of("type", "dump"));
        wal("000000010000000000000001", "000000010000000000000002");

        Retention.Plan plan = Retention.plan(repo, Retention.Policy.none().withKeepFull(3), NOW);

        assertThat(plan.walDeleted()).isZero();
        assertThat(plan.wal()).singleElement().satisfies(r -> {
            assertThat(r.keep()).isTrue();
            assertThat(r.reason()).isEqualTo("no physical backup is kept: WAL is left alone");
        });
    }

    @Test
    void plan_withoutAPolicy_keepsEverythingAndSaysSo() {
        full("20261101T000000Z-full", "1", "0/1000028", "2026-11-01T00:10:00Z");
        full("20261120T000000Z-full", "1", "0/6000028", "2026-11-20T00:10:00Z");
        wal("000000010000000000000001");

        Retention.Plan plan = Retention.plan(repo, Retention.Policy.none(), NOW);

        assertThat(plan.deleted()).isEmpty();
        assertThat(plan.walDeleted()).isZero();
        assertThat(plan.kept()).allSatisfy(d -> assertThat(d.reason()).startsWith("no retention policy"));
        assertThat(plan.freedBytes()).isZero();
    }

    @Test
    void plan_isADryRun_applyDeletesExactlyWhatItSays() {
        full("20261101T000000Z-full", "1", "0/1000028", "2026-11-01T00:10:00Z");
        incr("20261102T000000Z-incr", "20261101T000000Z-full", "0/2000028", "2026-11-02T00:10:00Z");
        full("20261120T000000Z-full", "1", "0/6000028", "2026-11-20T00:10:00Z");
        wal("000000010000000000000001", "000000010000000000000005", "000000010000000000000006");
        List<String> before = repo.list("");

        Retention.Plan plan = Retention.plan(repo, Retention.Policy.none().withKeepFull(1), NOW);

        assertThat(repo.list("")).isEqualTo(before);
        long stored = BackupReader.metadataOf(repo, "20261101T000000Z-full").get("storedBytes").transform(Long::parseLong)
                + BackupReader.metadataOf(repo, "20261102T000000Z-incr").get("storedBytes").transform(Long::parseLong);
        assertThat(plan.freedBytes()).isEqualTo(stored + 200);

        Retention.Result result = Retention.apply(repo, plan);

        assertThat(result.deletedBackups()).containsExactly("20261101T000000Z-full", "20261102T000000Z-incr");
        assertThat(result.walDeleted()).isEqualTo(2);
        assertThat(BackupCatalog.list(repo)).containsExactly(
                new BackupCatalog.Backup("20261120T000000Z-full", BackupCatalog.Status.COMPLETE));
        assertThat(dir.resolve("backups/20261101T000000Z-full")).doesNotExist();
        assertThat(walNames()).containsExactly("000000010000000000000006");
        assertThat(Retention.plan(repo, plan.policy(), NOW).deleted()).isEmpty();
    }

    @Test
    void apply_deletesTheCompleteMarkerFirst_soACrashLeavesAnIncompleteBackup() {
        full("20261101T000000Z-full", "1", "0/1000028", "2026-11-01T00:10:00Z");
        incr("20261102T000000Z-incr", "20261101T000000Z-full", "0/2000028", "2026-11-02T00:10:00Z");
        full("20261120T000000Z-full", "1", "0/6000028", "2026-11-20T00:10:00Z");
        wal("000000010000000000000001");
        Retention.Plan plan = Retention.plan(repo, Retention.Policy.none().withKeepFull(1), NOW);
        CrashingRepository crashing = new CrashingRepository(repo, 1);

        assertThatThrownBy(() -> Retention.apply(crashing, plan)).hasMessageContaining("simulated crash");

        // the newest doomed backup goes first, and its marker before anything else
        assertThat(crashing.deleted).containsExactly("backups/20261102T000000Z-incr/COMPLETE");
        assertThat(BackupCatalog.list(repo)).containsExactly(
                new BackupCatalog.Backup("20261101T000000Z-full", BackupCatalog.Status.COMPLETE),
                new BackupCatalog.Backup("20261102T000000Z-incr", BackupCatalog.Status.INCOMPLETE),
                new BackupCatalog.Backup("20261120T000000Z-full", BackupCatalog.Status.COMPLETE));
        assertThat(walNames()).containsExactly("000000010000000000000001");

        // a second run finishes the job; the half-deleted backup is left to the existing cleanup
        Retention.Plan again = Retention.plan(repo, plan.policy(), NOW);
        assertThat(reasons(again.kept()).get("20261102T000000Z-incr")).startsWith("incomplete");
        Retention.apply(repo, again);
        assertThat(BackupCatalog.cleanIncomplete(repo)).containsExactly("20261102T000000Z-incr");
        assertThat(BackupCatalog.list(repo)).containsExactly(
                new BackupCatalog.Backup("20261120T000000Z-full", BackupCatalog.Status.COMPLETE));
        assertThat(walNames()).isEmpty();
    }

    @Test
    void apply_crashAfterEveryStep_neverLeavesACompleteBackupWithPartsMissing() {
        for (int allowed = 0; allowed < 12; allowed++) {
            Path sub = dir.resolve("run" + allowed);
            repo = new LocalRepository(sub);
            full("20261101T000000Z-full", "1", "0/1000028", "2026-11-01T00:10:00Z");
            incr("20261102T000000Z-incr", "20261101T000000Z-full", "0/2000028", "2026-11-02T00:10:00Z");
            full("20261120T000000Z-full", "1", "0/6000028", "2026-11-20T00:10:00Z");
            Retention.Plan plan = Retention.plan(repo, Retention.Policy.none().withKeepFull(1), NOW);
            try {
                Retention.apply(new CrashingRepository(repo, allowed), plan);
            } catch (IllegalStateException e) {
                // the simulated crash
            }
            for (BackupCatalog.Backup b : BackupCatalog.list(repo)) {
                if (b.status() == BackupCatalog.Status.COMPLETE) {
                    assertThat(BackupReader.verify(repo, b.id())).as("after %d deletes, %s", allowed, b.id()).isEmpty();
                }
            }
            // an incremental is never complete while its parent is not
            if (BackupCatalog.list(repo).contains(new BackupCatalog.Backup("20261102T000000Z-incr",
                    BackupCatalog.Status.COMPLETE))) {
                assertThat(repo.exists("backups/20261101T000000Z-full/COMPLETE")).isTrue();
            }
        }
    }

    @Test
    void policy_refusesNonsense() {
        assertThatThrownBy(() -> Retention.Policy.none().withKeepFull(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Retention.Policy.none().withWindow(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Retention.Policy.none().withKeepFull(2).withWindow(Duration.ofHours(36)).describe())
                .isEqualTo("the newest 2 full backups and a 36h recovery window");
    }

    /** A real repository that "crashes" (throws) on the delete after the first {@code allowed} ones. */
    private static final class CrashingRepository extends ForwardingRepository {
        private final int allowed;
        final List<String> deleted = new ArrayList<>();

        CrashingRepository(Repository real, int allowed) {
            super(real);
            this.allowed = allowed;
        }

        @Override
        public void delete(String path) {
            if (deleted.size() == allowed) {
                throw new IllegalStateException("simulated crash before deleting " + path);
            }
            real.delete(path);
            deleted.add(path);
        }

        @Override
        public String toString() {
            return deleted.stream().collect(Collectors.joining(", "));
        }
    }
}
