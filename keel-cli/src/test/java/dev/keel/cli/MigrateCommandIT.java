package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel migrate, info, validate, repair, undo and migrate new through the command line, as users run them. */
@KeelPostgres
class MigrateCommandIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path project(TestDatabase db, String schema) throws Exception {
        db.execute("drop schema if exists " + schema + " cascade; create schema " + schema);
        Files.createDirectories(dir.resolve("db/migrations"));
        Files.writeString(dir.resolve("keel.yaml"), """
                targets:
                  test:
                    url: postgresql://127.0.0.1:%d/%s?options=-c%%20search_path%%3D%s
                    user: %s
                    password: ${KEEL_IT_PASSWORD:-%s}
                schema:
                  lock-timeout: 2s
                """.formatted(db.port(), db.name(), schema, db.user(), db.password()));
        write("V1__create_items.sql", "create table items (id bigint generated always as identity primary key, name text);");
        write("U1__create_items.sql", "drop table items;");
        write("V2__add_price.sql", "alter table items add column price numeric;");
        write("U2__add_price.sql", "alter table items drop column price;");
        return dir.resolve("keel.yaml");
    }

    private void write(String name, String sql) throws Exception {
        Files.writeString(dir.resolve("db/migrations").resolve(name), sql);
    }

    @Test
    void migrateInfoValidateUndo_endToEnd(TestDatabase db) throws Exception {
        String p = project(db, "c1").toString();

        Run migrate = Run.keel("migrate", "--json", "--project", p);
        assertThat(migrate.exitCode()).as(migrate.all()).isZero();
        JsonNode result = JSON.readTree(migrate.out());
        assertThat(result.get("currentVersion").asText()).isEqualTo("2");
        assertThat(result.get("applied")).hasSize(2);
        assertThat(migrate.all()).doesNotContain(db.password());

        JsonNode info = JSON.readTree(Run.keel("info", "--json", "--project", p).out());
        assertThat(info.get("migrations")).extracting(m -> m.get("state").asText()).containsExactly("Success", "Success");

        Run validate = Run.keel("validate", "--project", p);
        assertThat(validate.exitCode()).isZero();
        assertThat(validate.out()).contains("No findings.");

        Run undo = Run.keel("undo", "--project", p);
        assertThat(undo.exitCode()).as(undo.all()).isZero();
        assertThat(undo.out()).contains("U2__add_price.sql").contains("Undid 1 migration(s).");
        Run info2 = Run.keel("info", "--project", p);
        assertThat(info2.out()).contains("Undone").contains("Pending");
        assertThat(Run.keel("migrate", "--project", p).out()).contains("V2__add_price.sql").contains("version 2");
    }

    @Test
    void editedFile_isExit1WithOneLine_andRepairAcceptsIt(TestDatabase db) throws Exception {
        String p = project(db, "c2").toString();
        Run.keel("migrate", "--project", p);
        write("V2__add_price.sql", "alter table items add column price numeric; -- edited");

        Run validate = Run.keel("validate", "--json", "--project", p);
        assertThat(validate.exitCode()).isEqualTo(1);
        assertThat(JSON.readTree(validate.out()).at("/findings/0/rule").asText()).isEqualTo("migrate.checksum-mismatch");

        Run migrate = Run.keel("migrate", "--project", p);
        assertThat(migrate.exitCode()).isEqualTo(1);
        assertThat(migrate.err().lines()).singleElement().asString()
                .contains("V2__add_price.sql was changed after it was applied");

        assertThat(Run.keel("repair", "--project", p).out()).contains("realigned 1 checksum(s): V2__add_price.sql");
        assertThat(Run.keel("validate", "--project", p).exitCode()).isZero();
    }

    @Test
    void malformedFileName_isExit2NamingTheFile(TestDatabase db) throws Exception {
        String p = project(db, "c3").toString();
        write("V3_missing_underscore.sql", "select 1;");

        Run run = Run.keel("migrate", "--project", p);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().lines()).singleElement().asString()
                .contains("V3_missing_underscore.sql: not a migration file name");
    }

    @Test
    void failingStatement_isOneLineWithFileLineAndServerMessage(TestDatabase db) throws Exception {
        String p = project(db, "c4").toString();
        write("V3__bad.sql", "insert into items (name) values ('x');\nselect no_such_function();\n");

        Run run = Run.keel("migrate", "--project", p);

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().lines()).last().asString()
                .contains("V3__bad.sql:2: function no_such_function() does not exist");
        JsonNode info = JSON.readTree(Run.keel("info", "--json", "--project", p).out());
        assertThat(info.get("migrations")).filteredOn(m -> m.get("script").asText().equals("V3__bad.sql"))
                .extracting(m -> m.get("state").asText()).containsExactly("Pending");
    }

    @Test
    void psqlMetaCommand_isExit2WithLine(TestDatabase db) throws Exception {
        String p = project(db, "c5").toString();
        write("V3__meta.sql", "select 1;\n\\connect other\nselect 2;\n");

        Run run = Run.keel("migrate", "--project", p);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("V3__meta.sql:2").contains("\\connect");
    }

    @Test
    void migrateNew_writesTheNextVersionAndItsUndo(TestDatabase db) throws Exception {
        String p = project(db, "c6").toString();
        Run run = Run.keel("migrate", "new", "Add order notes", "--project", p);
        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(dir.resolve("db/migrations/V3__add_order_notes.sql")).exists();
        assertThat(dir.resolve("db/migrations/U3__add_order_notes.sql")).exists();
    }

    @Test
    void killNineDuringAConcurrentIndexBuild_nextMigrateCompletes(TestDatabase db) throws Exception {
        Path p = project(db, "c7");
        write("V3__seed.sql", "insert into items (name) select 'n' || g from generate_series(1, 1000) g;");
        write("V4__index_names.sql", "create index concurrently items_name_idx on items (name);\ncreate table after_index (id int);\n");
        assertThat(Run.keel("migrate", "--to", "3", "--project", p.toString()).exitCode()).isZero();

        try (Connection blocker = db.connect(); Statement st = blocker.createStatement()) {
            // An open transaction with a snapshot: CREATE INDEX CONCURRENTLY waits for it to end.
            blocker.setAutoCommit(false);
            st.execute("select txid_current()");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", ExecutableJarIT.JAR.toString(), "migrate", "--project", p.toString()));
            Process keel = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            waitFor(db, "select count(*) from pg_stat_activity where query ilike 'create index concurrently%' and state = 'active'");
            new ProcessBuilder("kill", "-9", String.valueOf(keel.pid())).start().waitFor(10, TimeUnit.SECONDS);
            keel.waitFor(10, TimeUnit.SECONDS);
            blocker.rollback();
        }

        Run again = Run.keel("migrate", "--project", p.toString());

        assertThat(again.exitCode()).as(again.all()).isZero();
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     select (select indisvalid from pg_index where indexrelid = 'c7.items_name_idx'::regclass),
                            (select count(*) from c7.flyway_schema_history where version = '4' and success),
                            (select count(*) from pg_tables where schemaname = 'c7' and tablename = 'after_index'),
                            (select count(*) from pg_indexes where schemaname = 'c7' and tablename = 'items')""")) {
            rs.next();
            assertThat(rs.getBoolean(1)).as("index valid").isTrue();
            assertThat(rs.getInt(2)).as("history rows for V4").isEqualTo(1);
            assertThat(rs.getInt(3)).isEqualTo(1);
            assertThat(rs.getInt(4)).as("primary key and the one name index, no leftover").isEqualTo(2);
        }
    }

    private static void waitFor(TestDatabase db, String countSql) throws Exception {
        for (int i = 0; i < 200; i++) {
            try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(countSql)) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for: " + countSql);
    }
}
