package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel backup keygen/full/list/verify and keel restore on a project's embedded database. */
class BackupCommandIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @AfterEach
    void destroy() {
        Run.keel("db", "destroy", "--yes", "--project", dir.resolve("keel.yaml").toString());
    }

    @Test
    void keygenFullListVerifyRestore_endToEnd() throws Exception {
        assertThat(Run.keel("init", dir.toString()).exitCode()).isZero();
        String p = dir.resolve("keel.yaml").toString();

        Run noKey = Run.keel("backup", "full", "--project", p);
        assertThat(noKey.exitCode()).isNotZero();
        assertThat(noKey.err().lines()).singleElement().asString().contains("keel backup keygen");

        assertThat(Run.keel("backup", "keygen", "--project", p).exitCode()).isZero();
        assertThat(Files.getPosixFilePermissions(dir.resolve(".keel/backup-private.key")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        Run badRate = Run.keel("backup", "full", "--max-rate", "fast", "--project", p);
        assertThat(badRate.exitCode()).isEqualTo(2);
        assertThat(badRate.err().lines()).singleElement().asString().contains("--max-rate: 'fast' is not a rate");
        assertThat(dir.resolve(".keel/pg")).as("refused before the server was created").doesNotExist();
        Run badEngine = Run.keel("backup", "full", "--engine", "fast", "--project", p);
        assertThat(badEngine.exitCode()).isEqualTo(2);
        assertThat(badEngine.err().lines()).singleElement().asString().contains("unknown backup engine 'fast'");
        assertThat(dir.resolve(".keel/pg")).as("refused before the server was created").doesNotExist();
        Run streamed = Run.keel("backup", "full", "--json", "--engine", "pg_basebackup", "--project", p);
        assertThat(streamed.exitCode()).as(streamed.all()).isZero();
        assertThat(JSON.readTree(streamed.out()).get("engine").asText()).isEqualTo("pg_basebackup");
        Run full = Run.keel("backup", "full", "--json", "--max-rate", "1024M", "--project", p);
        assertThat(full.exitCode()).as(full.all()).isZero();
        String id = JSON.readTree(full.out()).get("id").asText();
        assertThat(JSON.readTree(full.out()).get("engine").asText()).as("the embedded server's data directory is here")
                .isEqualTo("direct");

        JsonNode list = JSON.readTree(Run.keel("backup", "list", "--json", "--project", p).out()).get("backups");
        assertThat(list).hasSize(2);
        assertThat(list.get(0).get("engine").asText()).isEqualTo("pg_basebackup");
        JsonNode b = list.get(1);
        assertThat(b.get("engine").asText()).isEqualTo("direct");
        assertThat(b.get("id").asText()).isEqualTo(id);
        assertThat(b.get("status").asText()).isEqualTo("complete");
        assertThat(b.get("startLsn").asText()).matches("[0-9A-F]+/[0-9A-F]+");
        assertThat(b.get("timeline").asText()).isEqualTo("1");
        assertThat(b.get("sizeBytes").asLong()).isGreaterThan(b.get("storedBytes").asLong());
        Run verified = Run.keel("backup", "verify", "--json", "--project", p);
        assertThat(verified.exitCode()).as(verified.all()).isZero();
        JsonNode v = JSON.readTree(verified.out());
        assertThat(v.get("ok").asBoolean()).isTrue();
        assertThat(v.get("rtoMillis").asLong()).isPositive();
        assertThat(v.get("indexesChecked").asInt()).isPositive();
        assertThat(dir.resolve(".keel/backup-verify.jsonl")).content().contains("\"ok\":true");
        assertThat(Run.keel("backup", "verify", "--chunks-only", "--project", p).exitCode()).isZero();

        Path restored = dir.resolve("restored");
        Run badRestoreRate = Run.keel("restore", "--to", restored.toString(), "--max-rate", "10G", "--project", p);
        assertThat(badRestoreRate.exitCode()).isEqualTo(2);
        assertThat(badRestoreRate.err().lines()).singleElement().asString().contains("--max-rate: '10G' is not a rate");
        assertThat(restored).doesNotExist();
        Run restore = Run.keel("restore", "--to", restored.toString(), "--start", "--json", "--max-rate", "1024M",
                "--project", p);
        assertThat(restore.exitCode()).as(restore.all()).isZero();
        assertThat(restored.resolve("PG_VERSION")).exists();
        JsonNode started = JSON.readTree(restore.out());
        assertThat(started.get("url").asText()).startsWith("postgresql://127.0.0.1:");
        assertThat(started.get("recoveredTo").asText()).matches("[0-9A-F]+/[0-9A-F]+");
        String password = Files.readString(dir.resolve(".keel/pg/password")).strip();
        try (var c = java.sql.DriverManager.getConnection(started.get("url").asText().replace("postgresql://", "jdbc:postgresql://"),
                "keel", password); var st = c.createStatement(); var rs = st.executeQuery("select 1")) {
            assertThat(rs.next()).isTrue();
        }
        assertThat(Run.keel("restore", "stop", restored.toString(), "--project", p).exitCode()).isZero();
        assertThat(Run.keel("restore", "--to", restored.toString(), "--project", p).exitCode()).isEqualTo(2);
        Run both = Run.keel("restore", "--to", restored.toString(), "--delta", "--force", "--project", p);
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err().strip().lines()).singleElement().asString().contains("--force and --delta");
        Run delta = Run.keel("restore", "--to", restored.toString(), "--delta", "--json", "--project", p);
        assertThat(delta.exitCode()).as(delta.all()).isZero();
        assertThat(JSON.readTree(delta.out()).get("keptBytes").asLong()).as("the server ran, but most blocks are as restored")
                .isGreaterThan(b.get("sizeBytes").asLong() / 2);
        assertThat(JSON.readTree(delta.out()).get("writtenBytes").asLong()).as("what the server changed is written back")
                .isPositive();

        try (Stream<Path> chunks = Files.walk(dir.resolve(".keel/backups/backups/" + id))) { // the latest, which verify takes
            Path chunk = chunks.filter(f -> f.toString().endsWith(".chunk")).findFirst().orElseThrow();
            byte[] bytes = Files.readAllBytes(chunk);
            bytes[bytes.length / 2] ^= 1;
            Files.write(chunk, bytes);
        }
        Run verify = Run.keel("backup", "verify", "--project", p);
        assertThat(verify.exitCode()).isEqualTo(1);
        assertThat(verify.out()).contains("FAIL").contains("base.tar");
    }

    @Test
    void killNineDuringABackup_neverListsItComplete_andTheNextBackupCleansUp() throws Exception {
        assertThat(Run.keel("init", dir.toString()).exitCode()).isZero();
        String p = dir.resolve("keel.yaml").toString();
        assertThat(Run.keel("backup", "keygen", "--project", p).exitCode()).isZero();
        assertThat(Run.keel("db", "start", "--project", p).exitCode()).isZero();
        JsonNode url = JSON.readTree(Run.keel("db", "url", "--json", "--project", p).out());
        String password = Files.readString(dir.resolve(".keel/pg/password")).strip();
        try (var c = java.sql.DriverManager.getConnection(url.get("jdbcUrl").asText(), "keel", password);
             var st = c.createStatement()) {
            // about 300 MB: dozens of 4 MiB chunks, so the backup is still streaming when it is killed
            st.execute("create table big as select g as id, md5(g::text) || md5((g + 1)::text) as a, "
                    + "md5((g + 2)::text) || md5((g + 3)::text) as b from generate_series(1, 2000000) g");
        }
        Path backups = dir.resolve(".keel/backups/backups");
        Process keel = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                ExecutableJarIT.JAR.toString(), "backup", "full", "--project", p)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        boolean streaming = false;
        for (int i = 0; i < 600 && !streaming && keel.isAlive(); i++) {
            Thread.sleep(50);
            try (Stream<Path> files = Files.exists(backups) ? Files.walk(backups) : Stream.empty()) {
                streaming = files.anyMatch(f -> f.toString().endsWith(".chunk"));
            }
        }
        assertThat(streaming).as("the backup was killed while streaming").isTrue();
        new ProcessBuilder("kill", "-9", String.valueOf(keel.pid())).start().waitFor();
        keel.waitFor();

        JsonNode afterKill = JSON.readTree(Run.keel("backup", "list", "--json", "--project", p).out()).get("backups");
        assertThat(afterKill).hasSize(1);
        assertThat(afterKill.get(0).get("status").asText()).isEqualTo("incomplete");
        assertThat(Run.keel("restore", "--to", dir.resolve("r").toString(), "--project", p).exitCode()).isEqualTo(2);

        Run next = Run.keel("backup", "full", "--json", "--project", p);
        assertThat(next.exitCode()).as(next.all()).isZero();
        JsonNode list = JSON.readTree(Run.keel("backup", "list", "--json", "--project", p).out()).get("backups");
        assertThat(list).hasSize(1);
        assertThat(list.get(0).get("id").asText()).isEqualTo(JSON.readTree(next.out()).get("id").asText());
        assertThat(list.get(0).get("status").asText()).isEqualTo("complete");
        assertThat(Run.keel("backup", "verify", "--chunks-only", "--project", p).exitCode()).isZero();
    }
}
