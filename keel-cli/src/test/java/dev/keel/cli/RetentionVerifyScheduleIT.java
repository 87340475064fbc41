package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel backup verify --schedule and --history, and keel backup expire, on real backups of the embedded database. */
class RetentionVerifyScheduleIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @AfterEach
    void destroy() {
        Run.keel("db", "destroy", "--yes", "--project", dir.resolve("keel.yaml").toString());
    }

    private String fullBackup(String project) throws Exception {
        Run full = Run.keel("backup", "full", "--json", "--project", project);
        assertThat(full.exitCode()).as(full.all()).isZero();
        return JSON.readTree(full.out()).get("id").asText();
    }

    @Test
    void verifySchedule_recordsEveryRun_andExpireKeepsTheNewestFullBackup() throws Exception {
        assertThat(Run.keel("init", dir.toString()).exitCode()).isZero();
        String p = dir.resolve("keel.yaml").toString();
        assertThat(Run.keel("backup", "keygen", "--project", p).exitCode()).isZero();
        String older = fullBackup(p);
        Thread.sleep(1100); // backup ids are per second
        String newer = fullBackup(p);

        Run scheduled = Run.keel("backup", "verify", "--schedule", "1s", "--runs", "2", "--json", "--project", p);

        assertThat(scheduled.exitCode()).as(scheduled.all()).isZero();
        List<String> lines = scheduled.out().lines().toList();
        assertThat(lines).hasSize(2);
        for (String line : lines) {
            JsonNode run = JSON.readTree(line);
            assertThat(run.get("backup").asText()).isEqualTo(newer);
            assertThat(run.get("ok").asBoolean()).as(line).isTrue();
            assertThat(run.get("rtoMillis").asLong()).isPositive();
        }
        assertThat(Files.readAllLines(dir.resolve(".keel/backup-verify.jsonl"))).isEqualTo(lines);

        Run history = Run.keel("backup", "verify", "--history", "--project", p);
        assertThat(history.exitCode()).isZero();
        assertThat(history.out().lines().skip(1)).hasSize(2).allSatisfy(row -> assertThat(row).contains(newer, "PASS"));
        JsonNode runs = JSON.readTree(Run.keel("backup", "verify", "--history", "--json", "--project", p).out()).get("runs");
        assertThat(runs).hasSize(2);
        assertThat(runs.get(1)).isEqualTo(JSON.readTree(lines.get(1)));

        Files.writeString(Path.of(p), "backup:\n  retention:\n    full: 1\n", StandardOpenOption.APPEND);
        Run expire = Run.keel("backup", "expire", "--json", "--project", p);
        assertThat(expire.exitCode()).as(expire.all()).isZero();
        JsonNode doc = JSON.readTree(expire.out());
        assertThat(doc.get("dryRun").asBoolean()).isFalse();
        assertThat(doc.get("deleted")).singleElement().satisfies(d -> assertThat(d.get("id").asText()).isEqualTo(older));
        assertThat(doc.get("kept")).singleElement().satisfies(k -> {
            assertThat(k.get("id").asText()).isEqualTo(newer);
            assertThat(k.get("reason").asText()).isEqualTo("the newest full backup");
        });
        assertThat(doc.get("freedBytes").asLong()).isPositive();
        JsonNode list = JSON.readTree(Run.keel("backup", "list", "--json", "--project", p).out()).get("backups");
        assertThat(list).singleElement().satisfies(b -> assertThat(b.get("id").asText()).isEqualTo(newer));
    }
}
