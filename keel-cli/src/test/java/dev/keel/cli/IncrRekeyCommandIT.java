package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel backup incr and keel backup rekey on a project's embedded database. */
class IncrRekeyCommandIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    String p;

    @BeforeEach
    void init() {
        assertThat(Run.keel("init", dir.toString()).exitCode()).isZero();
        p = dir.resolve("keel.yaml").toString();
    }

    @AfterEach
    void destroy() {
        Run.keel("db", "destroy", "--yes", "--project", p);
    }

    @Test
    void incr_withoutAFullBackup_saysToRunFullFirst() {
        assertThat(Run.keel("backup", "keygen", "--project", p).exitCode()).isZero();

        Run incr = Run.keel("backup", "incr", "--project", p);

        assertThat(incr.exitCode()).isEqualTo(2);
        assertThat(incr.err().strip().lines()).singleElement().asString()
                .contains("no complete full backup").contains("keel backup full");
        assertThat(dir.resolve(".keel/pg/data")).as("refused before the embedded server was created").doesNotExist();
    }

    @Test
    void incr_storesTheChange_andRestoresAndVerifies() throws Exception {
        assertThat(Run.keel("backup", "keygen", "--project", p).exitCode()).isZero();
        sql("create table items as select g as id, md5(g::text) as ref from generate_series(1, 50000) g", "vacuum (freeze, analyze) items");
        Run full = Run.keel("backup", "full", "--json", "--project", p);
        assertThat(full.exitCode()).as(full.all()).isZero();
        String fullId = JSON.readTree(full.out()).get("id").asText();
        sql("update items set ref = 'changed' where id <= 10");

        Run incr = Run.keel("backup", "incr", "--json", "--project", p);

        assertThat(incr.exitCode()).as(incr.all()).isZero();
        JsonNode r = JSON.readTree(incr.out());
        assertThat(r.get("parent").asText()).isEqualTo(fullId);
        assertThat(r.get("stopLsn").asText()).matches("[0-9A-F]+/[0-9A-F]+");
        assertThat(r.get("changedFiles").asInt()).isPositive();
        assertThat(r.get("skippedFiles").asInt()).isGreaterThan(r.get("changedFiles").asInt());
        assertThat(r.get("sizeBytes").asLong()).isLessThan(JSON.readTree(full.out()).get("sizeBytes").asLong() / 2);
        assertThat(r.get("storedBytes").asLong()).isPositive();
        assertThat(r.get("engine").asText()).as("the embedded server's data directory is here").isEqualTo("direct");
        JsonNode list = JSON.readTree(Run.keel("backup", "list", "--json", "--project", p).out()).get("backups");
        assertThat(list).extracting(b -> b.get("type").asText()).containsExactly("full", "incr");
        assertThat(list.get(0).get("parent").isNull()).isTrue();
        assertThat(list.get(1).get("parent").asText()).isEqualTo(fullId);

        Run text = Run.keel("backup", "incr", "--engine", "pg_basebackup", "--project", p);
        assertThat(text.out()).contains("incremental on " + r.get("id").asText()).contains("files changed")
                .contains("(streamed by pg_basebackup)");

        Run diff = Run.keel("backup", "incr", "--diff", "--json", "--project", p);
        assertThat(diff.exitCode()).as(diff.all()).isZero();
        assertThat(JSON.readTree(diff.out()).get("parent").asText()).as("the latest full, not the latest backup")
                .isEqualTo(fullId);
        Run diffAndParent = Run.keel("backup", "incr", "--diff", "--parent", fullId, "--project", p);
        assertThat(diffAndParent.exitCode()).isEqualTo(2);
        assertThat(diffAndParent.err().strip().lines()).singleElement().asString().contains("--diff and --parent");

        Run both = Run.keel("backup", "verify", r.get("id").asText(), "--latest", "--project", p);
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err().strip().lines()).singleElement().asString().contains("--latest and backup");
        Run verify = Run.keel("backup", "verify", r.get("id").asText(), "--json", "--project", p); // the one Keel read
        assertThat(verify.exitCode()).as(verify.all()).isZero();
        JsonNode v = JSON.readTree(verify.out());
        assertThat(v.get("ok").asBoolean()).isTrue();
        assertThat(v.get("tablesCompared").asInt()).isPositive();

        Path restored = dir.resolve("restored");
        Run restore = Run.keel("restore", "--to", restored.toString(), "--project", p);
        assertThat(restore.exitCode()).as(restore.all()).isZero();
        assertThat(restored.resolve("backup_manifest")).exists();
    }

    @Test
    void rekey_letsTheNewKeyAloneRestore_andRetiresTheOldOne() throws Exception {
        Path keyA = dir.resolve(".keel/backup-private.key");
        Path keyB = dir.resolve("b.key");
        assertThat(Run.keel("backup", "keygen", "--project", p).exitCode()).isZero();
        Run full = Run.keel("backup", "full", "--json", "--project", p);
        assertThat(full.exitCode()).as(full.all()).isZero();
        String id = JSON.readTree(full.out()).get("id").asText();
        Run keygenB = Run.keel("backup", "keygen", "--private-key", keyB.toString(), "--json", "--project", p);
        String keyIdB = JSON.readTree(keygenB.out()).get("keyId").asText();
        Path manifest = dir.resolve(".keel/backups/backups/" + id + "/manifest.json");
        if (!Files.exists(manifest)) {
            try (var files = Files.walk(dir.resolve(".keel"))) {
                manifest = files.filter(f -> f.endsWith(Path.of(id, "manifest.json"))).findFirst().orElseThrow();
            }
        }
        String before = Files.readString(manifest);

        Run wrong = Run.keel("backup", "rekey", "--old-key-file", keyB.toString(), "--project", p);
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.err()).contains("is sealed to key").contains(keyIdB);
        assertThat(Files.readString(manifest)).isEqualTo(before);

        Run rekey = Run.keel("backup", "rekey", "--old-key-file", keyA.toString(), "--json", "--project", p);
        assertThat(rekey.exitCode()).as(rekey.all()).isZero();
        JsonNode r = JSON.readTree(rekey.out());
        assertThat(r.get("rekeyed")).extracting(JsonNode::asText).containsExactly(id);
        assertThat(r.get("skipped")).isEmpty();
        JsonNode again = JSON.readTree(Run.keel("backup", "rekey", "--old-key-file", keyA.toString(), "--json",
                "--project", p).out());
        assertThat(again.get("rekeyed")).isEmpty();
        assertThat(again.get("skipped")).extracting(JsonNode::asText).containsExactly(id);

        Run oldKeyRestore = Run.keel("restore", "--to", dir.resolve("r1").toString(), "--key-file", keyA.toString(),
                "--project", p);
        assertThat(oldKeyRestore.exitCode()).isEqualTo(2);
        assertThat(oldKeyRestore.err()).contains("is sealed to key " + keyIdB);
        assertThat(dir.resolve("r1")).doesNotExist();
        Files.delete(keyA); // retired: only B is left
        Run restore = Run.keel("restore", "--to", dir.resolve("r2").toString(), "--key-file", keyB.toString(),
                "--project", p);
        assertThat(restore.exitCode()).as(restore.all()).isZero();
        Run verify = Run.keel("backup", "verify", "--key-file", keyB.toString(), "--project", p);
        assertThat(verify.exitCode()).as(verify.all()).isZero();
        assertThat(verify.out()).contains("PASS");
    }

    private void sql(String... statements) throws Exception {
        assertThat(Run.keel("db", "start", "--project", p).exitCode()).isZero();
        String url = Run.keel("db", "url", "--project", p).out().strip(); // postgresql://keel@127.0.0.1:PORT/NAME
        String password = Files.readString(dir.resolve(".keel/pg/password")).strip();
        try (Connection c = DriverManager.getConnection(url.replace("postgresql://keel@", "jdbc:postgresql://"), "keel",
                password); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }
}
