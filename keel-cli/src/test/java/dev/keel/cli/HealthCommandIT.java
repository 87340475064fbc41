package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** keel health and keel metrics through a target URL, against the test server and a closed port. */
@KeelPostgres
class HealthCommandIT {

    static final ObjectMapper JSON = new ObjectMapper();

    private static String url(TestDatabase db) {
        return "postgresql://" + db.user() + ":" + db.password() + "@127.0.0.1:" + db.port() + "/" + db.name();
    }

    private static String closedUrl() {
        return "postgresql://keel:secret@127.0.0.1:" + EmbeddedPostgres.freeLoopbackPort() + "/postgres";
    }

    @Test
    void health_onAHealthyServerListsEveryCheckAndExits0(TestDatabase db) {
        Run run = Run.keel("health", "--url", url(db));

        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.out()).contains("connect").contains("write").contains("replication").contains("wal-archive")
                .contains("disk").containsPattern("health: (ok|warn)");
        assertThat(run.all()).doesNotContain(db.password());
    }

    @Test
    void healthJson_isOneDocumentWithEveryCheck(TestDatabase db) throws Exception {
        Run run = Run.keel("health", "--json", "--url", url(db));

        assertThat(run.exitCode()).as(run.all()).isZero();
        JsonNode doc = JSON.readTree(run.out());
        assertThat(doc.get("status").asText()).isIn("ok", "warn");
        List<String> names = new ArrayList<>();
        doc.get("checks").forEach(c -> {
            names.add(c.get("name").asText());
            assertThat(c.get("status").asText()).isIn("ok", "warn", "skipped");
            assertThat(c.get("detail").asText()).isNotBlank();
            assertThat(c.get("millis").isIntegralNumber()).isTrue();
        });
        assertThat(names).containsExactly("connect", "write", "replication", "wal-archive", "disk");
    }

    @Test
    void healthLive_runsConnectOnly(TestDatabase db) throws Exception {
        Run run = Run.keel("health", "--live", "--json", "--url", url(db));

        assertThat(run.exitCode()).isZero();
        JsonNode doc = JSON.readTree(run.out());
        assertThat(doc.get("status").asText()).isEqualTo("ok");
        assertThat(doc.get("checks")).hasSize(1);
    }

    @Test
    void health_onAClosedPortExits3WithOneLine() {
        Run run = Run.keel("health", "--url", closedUrl());

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().strip().lines()).singleElement().satisfies(l -> assertThat(l).startsWith("keel: ")
                .contains("127.0.0.1"));
        assertThat(run.err()).doesNotContain("secret").doesNotContain("\tat ");
    }

    @Test
    void healthJson_onAClosedPortIsAFailedConnectDocument() throws Exception {
        Run run = Run.keel("health", "--json", "--url", closedUrl());

        assertThat(run.exitCode()).isEqualTo(3);
        JsonNode doc = JSON.readTree(run.out());
        assertThat(doc.get("status").asText()).isEqualTo("fail");
        assertThat(doc.get("checks")).hasSize(1);
        assertThat(doc.get("checks").get(0).get("name").asText()).isEqualTo("connect");
        assertThat(run.err().strip().lines()).hasSize(1);
    }

    @Test
    void metrics_printsTheExpositionWithPgUp1(TestDatabase db) {
        Run run = Run.keel("metrics", "--url", url(db));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("# TYPE pg_up gauge\npg_up 1\n")
                .contains("pg_stat_database_xact_commit{datid=\"")
                .contains("datname=\"" + db.name() + "\"");
        assertThat(run.err()).isEmpty();
        // every sample line follows a # TYPE line of its family
        List<String> typed = new ArrayList<>();
        for (String line : run.out().split("\n")) {
            if (line.startsWith("# TYPE ")) {
                typed.add(line.split(" ")[2]);
            } else if (!line.startsWith("#")) {
                assertThat(typed).contains(line.split("[{ ]", 2)[0]);
            }
        }
    }

    @Test
    void metrics_refusesJson_ratherThanIgnoringIt() {
        Run run = Run.keel("metrics", "--json", "--url", closedUrl());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().strip().lines()).singleElement().asString().contains("keel metrics has no --json");
    }

    @Test
    void metrics_onAClosedPortIsPgUp0() {
        Run run = Run.keel("metrics", "--url", closedUrl());

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).endsWith("# TYPE pg_up gauge\npg_up 0\n");
        assertThat(run.err().strip().lines()).singleElement().satisfies(l -> assertThat(l).startsWith("keel: "));
        assertThat(run.err()).doesNotContain("secret");
    }
}
