package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.ops.backup.BackupWriter;
import dev.keel.ops.backup.Compression;
import dev.keel.ops.backup.LocalRepository;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * keel backup expire and verify --history / --schedule without a database: a project whose repository holds
 * fake backups (real manifests, sealed to a key made by keel backup keygen) and fake archived WAL.
 */
class RetentionCommandTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private String project(String yaml) throws IOException {
        Files.writeString(dir.resolve("keel.yaml"), yaml);
        return dir.resolve("keel.yaml").toString();
    }

    private LocalRepository repo() {
        return new LocalRepository(dir.resolve(".keel/backups"));
    }

    private void backup(String id, Map<String, String> meta) {
        BackupWriter writer = BackupWriter.open(repo(), id, Compression.NONE);
        try (OutputStream out = writer.stream("base.tar")) {
            out.write(new byte[5000]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writer.complete(meta);
    }

    /** Two full backups a day apart, an incremental on the older one, a dump, and WAL segments 1 to 4. */
    private String populated(String yaml) throws IOException {
        String p = project(yaml);
        assertThat(Run.keel("backup", "keygen", "--project", p).exitCode()).isZero();
        backup("20261001T000000Z-dump", Map.of("type", "dump"));
        backup("20261101T000000Z-full", Map.of("type", "full", "timeline", "1", "startLsn", "0/1000028",
                "stopTime", "2026-11-01T00:10:00Z"));
        backup("20261102T000000Z-incr", Map.of("type", "incr", "parent", "20261101T000000Z-full", "timeline", "1",
                "startLsn", "0/2000028", "stopTime", "2026-11-02T00:10:00Z"));
        backup("20261103T000000Z-full", Map.of("type", "full", "timeline", "1", "startLsn", "0/3000028",
                "startWal", "000000010000000000000003", "stopTime", "2026-11-03T00:10:00Z"));
        for (String wal : List.of("000000010000000000000001", "000000010000000000000002", "000000010000000000000003",
                "000000010000000000000004", "00000001.history")) {
            repo().put("wal/" + wal, new byte[1000]);
        }
        return p;
    }

    private static List<String> ids(JsonNode array) {
        List<String> ids = new ArrayList<>();
        array.forEach(n -> ids.add(n.get("id").asText()));
        return ids;
    }

    @Test
    void expireDryRunJson_listsKeptAndDeletedWithReasons_andDeletesNothing() throws Exception {
        String p = populated("backup:\n  retention:\n    full: 1\n");
        List<String> before = repo().list("");

        Run dry = Run.keel("backup", "expire", "--dry-run", "--json", "--project", p);

        assertThat(dry.exitCode()).as(dry.all()).isZero();
        JsonNode doc = JSON.readTree(dry.out());
        assertThat(doc.get("dryRun").asBoolean()).isTrue();
        assertThat(ids(doc.get("kept"))).containsExactly("20261001T000000Z-dump", "20261103T000000Z-full");
        assertThat(doc.get("kept").get(0).get("reason").asText()).contains("dump");
        assertThat(doc.get("kept").get(1).get("reason").asText()).isEqualTo("the newest full backup");
        assertThat(ids(doc.get("deleted"))).containsExactly("20261101T000000Z-full", "20261102T000000Z-incr");
        assertThat(doc.get("deleted").get(1).get("reason").asText()).contains("builds on full backup 20261101T000000Z-full");
        long stored = doc.get("deleted").get(0).get("storedBytes").asLong() + doc.get("deleted").get(1).get("storedBytes").asLong();
        assertThat(stored).isPositive();
        assertThat(doc.get("walDeleted").asInt()).isEqualTo(2);
        assertThat(doc.get("walKept").asInt()).isEqualTo(3);
        assertThat(doc.get("freedBytes").asLong()).isEqualTo(stored + 2000);
        assertThat(repo().list("")).isEqualTo(before);

        Run text = Run.keel("backup", "expire", "--dry-run", "--project", p);
        assertThat(text.out())
                .contains("Retention: keep the newest full backup.")
                .containsPattern("would delete +20261101T000000Z-full +not the newest full backup")
                .containsPattern("would delete +WAL 000000010000000000000001 \\.\\. 000000010000000000000002 \\(2 files")
                .contains("keep          WAL 00000001.history (1 file): timeline history files are never deleted")
                .contains("Dry run: would delete 2 backups and 2 WAL files");

        Run real = Run.keel("backup", "expire", "--project", p);
        assertThat(real.exitCode()).as(real.all()).isZero();
        assertThat(real.out()).contains("Deleted 2 backups and 2 WAL files");
        JsonNode list = JSON.readTree(Run.keel("backup", "list", "--json", "--project", p).out()).get("backups");
        assertThat(ids(list)).containsExactly("20261001T000000Z-dump", "20261103T000000Z-full");
        assertThat(repo().list("wal/")).containsExactly("wal/00000001.history", "wal/000000010000000000000003",
                "wal/000000010000000000000004");
    }

    @Test
    void expireWithoutAPolicy_keepsEverythingAndSaysSo() throws Exception {
        String p = populated("name: shop\n");
        List<String> before = repo().list("");

        Run run = Run.keel("backup", "expire", "--project", p);

        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.out()).startsWith("No retention policy (backup.retention.full, backup.retention.window in keel.yaml)")
                .contains("Deleted 0 backups and 0 WAL files");
        assertThat(repo().list("")).isEqualTo(before);
    }

    @Test
    void expireWithABadWindow_namesFileLineAndKey() throws Exception {
        String p = project("backup:\n  retention:\n    full: 2\n    window: a week\n");

        Run run = Run.keel("backup", "expire", "--project", p);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("keel.yaml:4 (backup.retention.window): 'a week' is not a duration")
                .doesNotContain("Exception");
    }

    @Test
    void verifyHistory_printsTheRunsNewestLast_andNamesAMalformedLine() throws Exception {
        String p = project("name: shop\n");
        Path file = dir.resolve(".keel/backup-verify.jsonl");
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                {"backup":"20261124T000000Z-full","ok":true,"problems":[],"rtoMillis":5230,"rpoSeconds":7260,"databases":3,"indexesChecked":41,"verifiedAt":"2026-11-24T01:00:00.123Z"}
                {"backup":"20261125T000000Z-full","ok":tr
                {"backup":"20261125T000000Z-full","ok":false,"problems":["amcheck of i: corrupt"],"rtoMillis":4100,"rpoSeconds":59,"databases":3,"indexesChecked":40,"verifiedAt":"2026-11-25T01:00:00Z"}
                """);

        Run text = Run.keel("backup", "verify", "--history", "--project", p);

        assertThat(text.exitCode()).as(text.all()).isZero();
        assertThat(text.out().lines()).containsExactly(
                "VERIFIED AT (UTC)     BACKUP                    RESULT        RTO           RPO",
                "2026-11-24 01:00:00Z  20261124T000000Z-full     PASS        5.2 s     2 h 1 min",
                "2026-11-25 01:00:00Z  20261125T000000Z-full     FAIL        4.1 s          59 s");
        assertThat(text.err()).contains("backup-verify.jsonl:2: not a verification run (malformed JSON")
                .doesNotContain("Exception").doesNotContain("\tat ");

        Run json = Run.keel("backup", "verify", "--history", "--json", "--project", p);
        assertThat(json.exitCode()).isZero();
        JsonNode runs = JSON.readTree(json.out()).get("runs");
        assertThat(runs).hasSize(2);
        assertThat(runs.get(0).get("backup").asText()).isEqualTo("20261124T000000Z-full");
        assertThat(runs.get(0).get("rtoMillis").asLong()).isEqualTo(5230);
        assertThat(runs.get(0).get("verifiedAt").asText()).isEqualTo("2026-11-24T01:00:00.123Z");
        assertThat(runs.get(1).get("ok").asBoolean()).isFalse();
        assertThat(runs.get(1).get("problems").get(0).asText()).isEqualTo("amcheck of i: corrupt");
        List<String> fields = new ArrayList<>();
        runs.get(1).fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("backup", "ok", "problems", "rtoMillis", "rpoSeconds", "databases",
                "indexesChecked", "tablesCompared", "verifiedAt");
    }

    @Test
    void verifyScheduleWithRuns_runsThatManyTimes_oneJsonLineEach() throws Exception {
        String p = populated("name: shop\n");

        Run run = Run.keel("backup", "verify", "--chunks-only", "--schedule", "1s", "--runs", "2", "--json", "--project", p);

        assertThat(run.exitCode()).as(run.all()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(2);
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            assertThat(n.get("backup").asText()).isEqualTo("20261103T000000Z-full");
            assertThat(n.get("ok").asBoolean()).isTrue();
        }
        assertThat(run.err()).contains("Next verification at");
    }

    @Test
    void verifySchedule_usageMistakesAndAFailingFirstRun_stopAtOnce() throws Exception {
        String p = project("name: shop\n");

        Run noBackup = Run.keel("backup", "verify", "--chunks-only", "--schedule", "24h", "--runs", "3", "--project", p);
        assertThat(noBackup.exitCode()).isEqualTo(2);
        assertThat(noBackup.err()).contains("no complete backup");

        Run runsAlone = Run.keel("backup", "verify", "--runs", "2", "--project", p);
        assertThat(runsAlone.exitCode()).isEqualTo(2);
        assertThat(runsAlone.err()).contains("--runs needs --schedule");

        Run zero = Run.keel("backup", "verify", "--schedule", "0h", "--project", p);
        assertThat(zero.exitCode()).isEqualTo(2);
        assertThat(zero.err()).contains("--schedule: '0h' is no time at all");

        Run both = Run.keel("backup", "verify", "--history", "--schedule", "24h", "--project", p);
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("--history only prints the recorded runs");
    }
}
