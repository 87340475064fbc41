package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** keel insight through a target URL, as a user runs it against their server, and on the embedded server. */
@KeelPostgres
class InsightCommandIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void setUp(TestDatabase db) throws Exception {
        db.execute("create extension if not exists pg_stat_statements");
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            for (int i = 0; i < 2; i++) {
                st.execute("select pg_sleep(0.25)");
            }
        }
    }

    private static String url(TestDatabase db) {
        return "postgresql://" + db.user() + ":" + db.password() + "@127.0.0.1:" + db.port() + "/" + db.name();
    }

    @Test
    void insight_printsTopStatementsConnectionsAndFindings(TestDatabase db) {
        Run run = Run.keel("insight", "--slow-ms", "200", "--top", "3", "--url", url(db));

        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.out()).contains("Top statements by total time (database " + db.name() + ")")
                .containsPattern("(?m)^ +[\\d.]+ ms +[\\d.]+% +2 +[\\d.]+ ms +\\d+  select pg_sleep\\(\\$1\\)$")
                .containsPattern("Connections: \\d+ of 197 usable \\(max_connections 200, 3 reserved\\)")
                .contains("insight.slow-statement")
                .contains("EXPLAIN select pg_sleep($1);");
        assertThat(run.all()).doesNotContain(db.password());
    }

    @Test
    void insightJson_isTheFindingsDocumentWithStatementsAndConnections(TestDatabase db) throws Exception {
        Run run = Run.keel("insight", "--json", "--slow-ms", "200", "--url", url(db));

        assertThat(run.exitCode()).as(run.all()).isZero();
        JsonNode doc = JSON.readTree(run.out());
        assertThat(doc.fieldNames()).toIterable().startsWith("findings", "summary");
        JsonNode slow = null;
        for (JsonNode f : doc.get("findings")) {
            assertThat(f.fieldNames()).toIterable().containsExactly("rule", "severity", "object", "evidence", "message", "remedy");
            if (f.get("rule").asText().equals("insight.slow-statement")
                    && f.at("/evidence/query").asText().contains("pg_sleep")) {
                slow = f;
            }
        }
        assertThat(slow).isNotNull();
        assertThat(slow.get("severity").asText()).isEqualTo("warning");
        assertThat(slow.at("/evidence/calls").asLong()).isEqualTo(2);
        assertThat(doc.at("/summary/warning").asInt()).isPositive();
        assertThat(doc.get("database").asText()).isEqualTo(db.name());
        assertThat(doc.at("/statements/byTotalTime/0/query").asText()).isEqualTo("select pg_sleep($1)");
        assertThat(doc.at("/statements/byCalls")).isNotEmpty();
        assertThat(doc.at("/connections/usable").asInt()).isEqualTo(197);
        assertThat(doc.at("/connections/total").asInt()).isPositive();
        assertThat(doc.at("/connections/groups")).anySatisfy(g -> assertThat(g.get("database").asText()).isEqualTo(db.name()));
    }

    @Test
    void insightSarif_isOneRunWithTheFindings(TestDatabase db) throws Exception {
        Run run = Run.keel("insight", "--format", "sarif", "--slow-ms", "200", "--url", url(db));

        assertThat(run.exitCode()).as(run.all()).isZero();
        JsonNode doc = JSON.readTree(run.out());
        assertThat(doc.at("/runs/0/results")).anySatisfy(r -> assertThat(r.get("ruleId").asText()).isEqualTo("insight.slow-statement"));
    }

    @Test
    void failOnWarning_exits1WhenAWarningIsFound(TestDatabase db) {
        Run run = Run.keel("insight", "--fail-on", "warning", "--slow-ms", "200", "--url", url(db));

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).contains("insight.slow-statement");
    }

    @Test
    void insight_onAClosedPortExits3WithOneLineWithoutThePassword() {
        Run run = Run.keel("insight", "--url", "postgresql://keel:secret@127.0.0.1:" + EmbeddedPostgres.freeLoopbackPort() + "/postgres");

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().strip().lines()).singleElement().satisfies(l -> assertThat(l).startsWith("keel: ").contains("127.0.0.1"));
        assertThat(run.err()).doesNotContain("secret").doesNotContain("\tat ");
    }

    @Test
    void badOptionValues_areUsageErrorsNamingTheOption(TestDatabase db) {
        Run run = Run.keel("insight", "--memory", "lots", "--url", url(db));

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).startsWith("keel: --memory: 'lots' is not a size").doesNotContain("\n");
        Run negative = Run.keel("insight", "--slow-ms", "-5", "--url", url(db));
        assertThat(negative.exitCode()).isEqualTo(2);
        assertThat(negative.err().strip()).isEqualTo("keel: --slow-ms: the slow-statement threshold must be 0 ms or more, was -5 — see keel insight --help");
    }

    @Test
    void memory_setsTheRamTheSettingsChecksUse(TestDatabase db) throws Exception {
        Run run = Run.keel("insight", "--json", "--memory", "64GB", "--url", url(db));

        assertThat(run.exitCode()).as(run.all()).isZero();
        JsonNode doc = JSON.readTree(run.out());
        assertThat(doc.get("findings")).anySatisfy(f -> {
            assertThat(f.get("rule").asText()).isEqualTo("insight.setting-shared-buffers");
            assertThat(f.at("/evidence/suggested").asText()).isEqualTo("16GB");
        });
    }

    /** A subcommand as `keel insight snapshot` will be: it runs instead of the report, the bare command still reports. */
    @CommandLine.Command(name = "probe")
    static final class Probe implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().println("probe ran");
            return 0;
        }
    }

    @Test
    void insightWithASubcommand_runsTheSubcommandNotTheReport(TestDatabase db) {
        CommandLine cmd = Main.commandLine();
        cmd.getSubcommands().get("insight").addSubcommand(new Probe());
        StringWriter out = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(new StringWriter()));

        int code = cmd.execute("insight", "probe");
        assertThat(code).isZero();
        assertThat(out.toString()).isEqualTo("probe ran\n");

        StringWriter bare = new StringWriter();
        cmd.setOut(new PrintWriter(bare));
        assertThat(cmd.execute("insight", "--url", url(db))).isZero();
        assertThat(bare.toString()).contains("Top statements by total time");
    }

    @Test
    void insight_onTheEmbeddedServerCreatesPgStatStatementsItself(@TempDir Path dir) throws Exception {
        assertThat(Run.keel("init", dir.toString()).exitCode()).isZero();
        String project = dir.resolve("keel.yaml").toString();
        try {
            Run run = Run.keel("insight", "--json", "--project", project);

            assertThat(run.exitCode()).as(run.err()).isZero();
            JsonNode doc = JSON.readTree(run.out());
            assertThat(doc.has("statements")).isTrue();
            assertThat(doc.get("findings")).noneSatisfy(f -> assertThat(f.get("rule").asText()).isEqualTo("insight.statements-unavailable"));
        } finally {
            Run.keel("db", "destroy", "--yes", "--project", project);
        }
    }

}
