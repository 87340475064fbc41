package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded default archives WAL with no setup; keel backup point, keel wal status/setup/fetch, and
 * keel restore --name/--time through the CLI.
 */
class WalCommandIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @AfterEach
    void destroy() {
        Run.keel("db", "destroy", "--yes", "--project", dir.resolve("keel.yaml").toString());
    }

    private static List<Integer> ids(String url, String password) throws Exception {
        List<Integer> ids = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url.replace("postgresql://", "jdbc:postgresql://"), "keel", password);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select id from events order by id")) {
            while (rs.next()) {
                ids.add(rs.getInt(1));
            }
        }
        return ids;
    }

    @Test
    void walHelp_showsPostgresPlaceholders() {
        Run help = Run.keel("wal", "--help");
        assertThat(help.all()).doesNotContain("WARN").contains("%p").contains("%f %p");
        assertThat(Run.keel("wal", "push", "--help").out()).contains("the WAL file (%p)");
    }

    @Test
    void embeddedArchivesWithoutSetup_andRestoresToANamedPoint() throws Exception {
        assertThat(Run.keel("init", dir.toString()).exitCode()).isZero();
        String p = dir.resolve("keel.yaml").toString();
        assertThat(Run.keel("backup", "keygen", "--project", p).exitCode()).isZero();
        Run full = Run.keel("backup", "full", "--project", p);
        assertThat(full.exitCode()).as(full.all()).isZero();
        assertThat(full.err()).contains("WAL archiving into").contains("is on");

        JsonNode url = JSON.readTree(Run.keel("db", "url", "--json", "--project", p).out());
        String password = Files.readString(dir.resolve(".keel/pg/password")).strip();
        String db = url.get("url").asText().substring(url.get("url").asText().lastIndexOf('/') + 1);
        try (Connection c = DriverManager.getConnection(url.get("jdbcUrl").asText(), "keel", password);
             Statement st = c.createStatement()) {
            st.execute("create table events(id int primary key)");
            st.execute("insert into events values (1)");
        }
        Run point = Run.keel("backup", "point", "before-two", "--json", "--project", p);
        assertThat(point.exitCode()).as(point.all()).isZero();
        assertThat(JSON.readTree(point.out()).get("archived").asBoolean()).isTrue();
        try (Connection c = DriverManager.getConnection(url.get("jdbcUrl").asText(), "keel", password);
             Statement st = c.createStatement()) {
            st.execute("insert into events values (2)");
        }

        Run status = Run.keel("wal", "status", "--json", "--project", p);
        assertThat(status.exitCode()).as(status.all()).isZero();
        JsonNode s = JSON.readTree(status.out());
        assertThat(s.get("archivesIntoRepository").asBoolean()).isTrue();
        assertThat(s.get("failing").asBoolean()).isFalse();
        assertThat(s.get("repository").get("files").asInt()).isPositive();
        Run setup = Run.keel("wal", "setup", "--project", p);
        assertThat(setup.exitCode()).as(setup.all()).isZero();
        assertThat(setup.out()).contains("Archiving is configured.");

        Path restored = dir.resolve("restored");
        Run restore = Run.keel("restore", "--to", restored.toString(), "--name", "before-two", "--start", "--json", "--project", p);
        assertThat(restore.exitCode()).as(restore.all()).isZero();
        JsonNode r = JSON.readTree(restore.out());
        assertThat(r.get("recoveredTo").asText()).matches("[0-9A-F]+/[0-9A-F]+");
        assertThat(r.get("target").asText()).isEqualTo("restore point before-two");
        try {
            assertThat(ids(r.get("url").asText().replace("/postgres", "/" + db), password)).containsExactly(1);
        } finally {
            assertThat(Run.keel("restore", "stop", restored.toString(), "--project", p).exitCode()).isZero();
        }

        Run early = Run.keel("restore", "--to", dir.resolve("early").toString(), "--time", "2020-01-01 00:00:00+00", "--project", p);
        assertThat(early.exitCode()).isEqualTo(2);
        assertThat(early.err().lines()).singleElement().asString().contains("before the oldest backup");
        assertThat(dir.resolve("early")).doesNotExist();
        Run unknown = Run.keel("restore", "--to", dir.resolve("x").toString(), "--name", "nope", "--project", p);
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("known restore points: before-two");

        Run missing = Run.keel("wal", "fetch", "0000000100000000000000FF", dir.resolve("seg").toString(), "--project", p);
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(dir.resolve("seg")).doesNotExist();

        Run verified = Run.keel("wal", "status", "--verify", "--json", "--project", p);
        assertThat(verified.exitCode()).as(verified.all()).isZero();
        assertThat(JSON.readTree(verified.out()).get("repository").get("problems")).isEmpty();
        Path segment;
        try (var files = Files.list(dir.resolve(".keel/backups/wal"))) {
            segment = files.filter(f -> f.getFileName().toString().matches("[0-9A-F]{24}")).sorted().findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(segment);
        bytes[bytes.length / 2] ^= 1;
        Files.write(segment, bytes);
        Run damaged = Run.keel("wal", "status", "--verify", "--project", p);
        assertThat(damaged.exitCode()).isEqualTo(1);
        assertThat(damaged.out()).contains("problem").contains(segment.getFileName().toString()).contains("SHA-256");
    }
}
