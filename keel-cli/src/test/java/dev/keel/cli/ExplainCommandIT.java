package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel explain through a target URL, as a user would run it against a server that is not the embedded one. */
@KeelPostgres
class ExplainCommandIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void setUp(TestDatabase db) throws Exception {
        db.execute("""
                create table events (id int, kind int, payload text);
                insert into events select g, g % 500, md5(g::text) from generate_series(1, 200000) g;
                analyze events;
                """);
    }

    private static String url(TestDatabase db) {
        return "postgresql://" + db.user() + ":" + db.password() + "@127.0.0.1:" + db.port() + "/" + db.name();
    }

    @Test
    void explain_printsTheTreeWithTheCostlyNodeMarkedAndTheFinding(TestDatabase db) {
        Run run = Run.keel("explain", "select * from events where kind = 7", "--url", url(db));

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).containsPattern("(?m)^! .*Seq Scan on public\\.events .*\\(est [\\d,]+ rows\\)  \\[#\\d+\\]$")
                .contains("Estimates only: add --analyze")
                .contains("explain.seq-scan-big-table")
                .contains("CREATE INDEX CONCURRENTLY ON public.events (kind);");
        assertThat(run.all()).doesNotContain(db.password());
    }

    @Test
    void explainJson_isThePlanAndTheFindings(TestDatabase db) throws Exception {
        Run run = Run.keel("explain", "select * from events where kind = 7", "--json", "--url", url(db));

        assertThat(run.exitCode()).isZero();
        JsonNode doc = JSON.readTree(run.out());
        assertThat(doc.at("/plan/Plan/Node Type").asText()).isNotBlank();
        assertThat(doc.get("analyzed").asBoolean()).isFalse();
        assertThat(doc.at("/findings/0/rule").asText()).isEqualTo("explain.seq-scan-big-table");
        assertThat(doc.at("/findings/0/object").asText()).isEqualTo("public.events");
        assertThat(doc.at("/findings/0/evidence/pages").asLong()).isPositive();
        assertThat(doc.at("/summary/warning").asInt()).isEqualTo(1);
    }

    @Test
    void analyzeOnNonEmbeddedTarget_isRefusedWithoutForce(TestDatabase db) {
        Run run = Run.keel("explain", "select count(*) from events", "--analyze", "--url", url(db));

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("--analyze runs the statement on").contains("--force");
    }

    @Test
    void analyzeOnTheEmbeddedServer_needsNoForce(@TempDir Path dir) {
        assertThat(Run.keel("init", dir.toString()).exitCode()).isZero();
        String project = dir.resolve("keel.yaml").toString();
        try {
            Run run = Run.keel("explain", "select count(*) from generate_series(1, 10)", "--analyze", "--project", project);

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).contains("Function Scan").contains("actual 10").contains("No findings.")
                    .doesNotContain("rolled back");
        } finally {
            Run.keel("db", "destroy", "--yes", "--project", project);
        }
    }

    @Test
    void analyzeForceOfDelete_showsActualRowsAndChangesNothing(TestDatabase db) throws Exception {
        Run run = Run.keel("explain", "delete from events where kind = 3", "--analyze", "--force", "--url", url(db));

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Delete on public.events").contains("actual 400")
                .containsPattern("Planning [\\d.]+ ms, execution [\\d.]+ ms\\.")
                .contains("rolled back, so nothing changed");
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from events")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(200_000);
        }
    }

    @Test
    void sqlError_isOneLineWithPostgresMessageAndExit2(TestDatabase db) {
        Run run = Run.keel("explain", "select * from nope", "--url", url(db));

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).doesNotContain("\n").contains("relation \"nope\" does not exist");
    }

    @Test
    void failOnWarning_exits1WhenAWarningIsFound(TestDatabase db) {
        Run run = Run.keel("explain", "select * from events where kind = 7", "--fail-on", "warning", "--url", url(db));
        assertThat(run.exitCode()).isEqualTo(1);
    }
}
