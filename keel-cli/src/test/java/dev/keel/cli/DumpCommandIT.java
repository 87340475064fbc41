package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.ops.backup.BackupWriter;
import dev.keel.ops.backup.Compression;
import dev.keel.ops.backup.LocalRepository;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel dump and keel load against the shared test server, through --url (which carries the password). */
@KeelPostgres
class DumpCommandIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    String project;
    final List<String> created = new ArrayList<>();
    final List<Run> runs = new ArrayList<>();

    @BeforeAll
    static void data(TestDatabase db) throws SQLException {
        db.execute("""
                create table customers (id int primary key, name text not null);
                create table orders (id int primary key, customer_id int references customers, ref text);
                insert into customers select g, 'customer ' || g from generate_series(1, 50) g;
                insert into orders select g, 1 + g % 50, md5(g::text) from generate_series(1, 1000) g;
                """);
    }

    @BeforeEach
    void init() {
        assertThat(Run.keel("init", dir.toString()).exitCode()).isZero();
        project = dir.resolve("keel.yaml").toString();
    }

    @AfterEach
    void dropCreated(TestDatabase db) throws SQLException {
        for (String name : created) {
            db.execute("drop database if exists " + name + " with (force)");
        }
        for (Run r : runs) {
            assertThat(r.all()).as("output of a keel run").doesNotContain(db.password());
        }
    }

    static String url(TestDatabase db) {
        return db.uri();
    }

    /** keel with --project and --url of the test database; every run is checked for the password afterwards. */
    Run keel(TestDatabase db, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--project", project, "--url", url(db)));
        Run run = Run.keel(all.toArray(String[]::new));
        runs.add(run);
        return run;
    }

    String newDatabase(TestDatabase db) {
        String name = db.name() + "_copy_" + (created.size() + 1);
        created.add(name);
        return name;
    }

    static long count(TestDatabase db, String database, String table) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + db.port() + "/" + database,
                db.user(), db.password()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void keygenDumpListLoad_endToEnd_withJson(TestDatabase db) throws Exception {
        Run noKey = keel(db, "dump");
        assertThat(noKey.exitCode()).isNotZero();
        assertThat(noKey.err().lines()).singleElement().asString().contains("keel backup keygen");

        assertThat(Run.keel("backup", "keygen", "--project", project).exitCode()).isZero();
        Run dump = keel(db, "dump", "--json", "--jobs", "2");
        assertThat(dump.exitCode()).as(dump.all()).isZero();
        JsonNode d = JSON.readTree(dump.out());
        assertThat(fieldNames(d)).containsExactly("id", "database", "tables", "sizeBytes", "storedBytes", "millis");
        String id = d.get("id").asText();
        assertThat(id).endsWith("-dump");
        assertThat(d.get("database").asText()).isEqualTo(db.name());
        assertThat(d.get("tables").isArray()).isTrue();
        assertThat(d.get("tables")).isEmpty();
        assertThat(d.get("sizeBytes").asLong()).isPositive();
        assertThat(d.get("storedBytes").asLong()).isPositive();
        assertThat(dump.err()).contains("dump: "); // progress with bytes and rate, on stderr
        try (Stream<Path> left = Files.list(dir.resolve(".keel/scratch"))) {
            assertThat(left).isEmpty();
        }

        JsonNode list = JSON.readTree(Run.keel("backup", "list", "--json", "--project", project).out()).get("backups");
        assertThat(list).hasSize(1);
        assertThat(list.get(0).get("id").asText()).isEqualTo(id);
        assertThat(list.get(0).get("type").asText()).isEqualTo("dump");
        assertThat(list.get(0).get("status").asText()).isEqualTo("complete");
        assertThat(Run.keel("backup", "list", "--project", project).out().lines())
                .anyMatch(line -> line.matches(id + " +dump +complete .*"));

        String copy = newDatabase(db);
        Run load = keel(db, "load", "--database", copy, "--json");
        assertThat(load.exitCode()).as(load.all()).isZero();
        JsonNode l = JSON.readTree(load.out());
        assertThat(fieldNames(l)).containsExactly("backup", "database", "tables", "millis");
        assertThat(l.get("backup").asText()).isEqualTo(id);
        assertThat(l.get("database").asText()).isEqualTo(copy);
        assertThat(count(db, copy, "orders")).isEqualTo(1000);
        assertThat(count(db, copy, "customers")).isEqualTo(50);
        try (Stream<Path> left = Files.list(dir.resolve(".keel/scratch"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void dumpOfOneTable_printsOneSummaryLine_andLoadsTheLatestDump(TestDatabase db) throws Exception {
        assertThat(Run.keel("backup", "keygen", "--project", project).exitCode()).isZero();

        Run dump = keel(db, "dump", "--table", "customers");
        assertThat(dump.exitCode()).as(dump.all()).isZero();
        assertThat(dump.out().lines()).singleElement().asString()
                .matches("Dump \\d{8}T\\d{6}Z-dump complete: database " + db.name() + ", customers, .* stored\\), \\d+ ms\\.");

        String copy = newDatabase(db);
        Run load = keel(db, "load", "--database", copy, "--jobs", "1");
        assertThat(load.exitCode()).as(load.all()).isZero();
        assertThat(load.out().lines()).singleElement().asString()
                .startsWith("Loaded ").contains("into database " + copy + " (created): customers");
        assertThat(count(db, copy, "customers")).isEqualTo(50);

        Run again = keel(db, "load", "--database", copy);
        assertThat(again.exitCode()).isEqualTo(3);
        assertThat(again.err().lines().filter(line -> line.startsWith("keel: "))).singleElement().asString()
                .contains("already exists").contains("--clean");
        Run clean = keel(db, "load", "--database", copy, "--clean");
        assertThat(clean.exitCode()).as(clean.all()).isZero();
    }

    @Test
    void loadOfAPhysicalBackup_isRefusedWithExit2(TestDatabase db) throws Exception {
        assertThat(Run.keel("backup", "keygen", "--project", project).exitCode()).isZero();
        Run none = keel(db, "load");
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err().lines()).singleElement().asString().contains("no complete dump").contains("keel dump");

        LocalRepository repo = new LocalRepository(dir.resolve(".keel/backups"));
        BackupWriter writer = BackupWriter.open(repo, "20260101T000000Z-full", Compression.ZSTD);
        try (OutputStream out = writer.stream("base.tar")) {
            out.write(new byte[] {1, 2, 3});
        }
        writer.complete(Map.of("type", "full"));

        Run refused = keel(db, "load", "--backup", "20260101T000000Z-full", "--key-file", dir.resolve("absent.key").toString());
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err().lines()).singleElement().asString()
                .contains("20260101T000000Z-full is a full backup, not a dump").contains("keel restore");
    }

    @Test
    void badInput_isOneLineWithExit2(TestDatabase db) throws Exception {
        assertThat(Run.keel("backup", "keygen", "--project", project).exitCode()).isZero();

        Run jobs = keel(db, "dump", "--jobs", "0");
        assertThat(jobs.exitCode()).isEqualTo(2);
        assertThat(jobs.err().lines()).singleElement().asString().contains("jobs must be 1 to 64, was 0");

        Run table = keel(db, "dump", "--table", "no_such_table");
        assertThat(table.exitCode()).isEqualTo(2);
        assertThat(table.err().lines()).singleElement().asString()
                .contains("no matching tables were found for pattern \"no_such_table\"");

        Run id = keel(db, "load", "--backup", "../etc");
        assertThat(id.exitCode()).isEqualTo(2);
        assertThat(id.err().lines()).singleElement().asString().contains("bad backup id");

        Run both = keel(db, "load", "--backup", "x", "--latest");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err().lines()).singleElement().asString().contains("--backup and --latest");
    }
}
