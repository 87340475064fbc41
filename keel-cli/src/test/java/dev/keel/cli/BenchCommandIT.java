package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel bench with real pgbench runs against the test database; the history lives in a fresh project. */
@KeelPostgres
class BenchCommandIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    String project;

    @BeforeEach
    void init() {
        assertThat(Run.keel("init", dir.toString()).exitCode()).isZero();
        project = dir.resolve("keel.yaml").toString();
    }

    private Run bench(TestDatabase db, String... args) {
        List<String> all = new ArrayList<>(List.of("bench"));
        all.addAll(List.of(args));
        all.addAll(List.of("--project", project, "--url",
                "postgresql://" + db.user() + ":" + db.password() + "@127.0.0.1:" + db.port() + "/" + db.name()));
        Run run = Run.keel(all.toArray(String[]::new));
        assertThat(run.all()).doesNotContain(db.password());
        return run;
    }

    @Test
    void standardWorkload_printsThroughputAndPercentiles(TestDatabase db) {
        Run run = bench(db, "--clients", "2", "--duration", "2s", "--scale", "1");

        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.out()).contains("tpcb-like on ").contains("scale 1").containsPattern("[1-9][0-9,]* transactions, 0 failed")
                .contains("latency ms: p50 ").contains("nothing to compare with");
        assertThat(run.err()).contains("creating pgbench's tables at scale 1").contains("progress: ");
    }

    /** Two scripts, one three times as often as the other, neither waiting on anything. */
    private static final String FAST_WORKLOAD = """
            -- script: fast
            -- weight: 3
            select 1;
            -- script: other
            select 2;
            """;

    @Test
    void secondRun_isComparedWithTheFirst_andARealSlowdownIsARegression(TestDatabase db) throws Exception {
        Path workload = dir.resolve("orders.sql");
        Files.writeString(workload, FAST_WORKLOAD);
        Run first = bench(db, "--workload", workload.toString(), "--clients", "2", "--duration", "2s", "--json");
        assertThat(first.exitCode()).as(first.all()).isZero();
        JsonNode one = JSON.readTree(first.out());
        assertThat(one.get("workload").asText()).isEqualTo("orders");
        assertThat(one.get("regression").asBoolean()).isFalse();
        assertThat(one.get("comparedTo").isNull()).isTrue();
        assertThat(one.get("scale").isNull()).isTrue();
        assertThat(one.get("scripts")).hasSize(2);
        assertThat(one.get("transactions").asLong()).isPositive();

        // the same workload, really slower: every transaction of the heavier script now sleeps 20 ms
        Files.writeString(workload, """
                -- script: fast
                -- weight: 3
                select 1, pg_sleep(0.02);
                -- script: other
                select 2;
                """);
        Run second = bench(db, "--workload", workload.toString(), "--clients", "2", "--duration", "2s", "--json");
        assertThat(second.exitCode()).as(second.all()).isEqualTo(1);
        JsonNode two = JSON.readTree(second.out());
        assertThat(two.get("regression").asBoolean()).isTrue();
        JsonNode cmp = two.get("comparedTo");
        assertThat(cmp.get("startedAt").asText()).isEqualTo(one.get("startedAt").asText());
        assertThat(cmp.get("tpsChangePercent").asDouble()).isLessThan(-10);
        assertThat(cmp.get("reasons").toString()).contains("throughput");

        Path history = dir.resolve(".keel/bench/history.jsonl");
        List<String> lines = Files.readAllLines(history);
        assertThat(lines).hasSize(2);
        assertThat(String.join("\n", lines)).doesNotContain(db.password()).contains("\"workload\":\"orders\"");

        // faster again (the sleep gone): compared with the second run, not the first, and never a regression. The
        // same slow workload twice would be a timing assertion: its throughput varies by 10% on a busy machine.
        Files.writeString(workload, FAST_WORKLOAD);
        Run third = bench(db, "--workload", workload.toString(), "--clients", "2", "--duration", "2s");
        assertThat(third.exitCode()).as(third.all()).isZero();
        assertThat(third.out()).contains("compared with the run of " + two.get("startedAt").asText())
                .contains("no regression").contains("script fast").contains("script other");
    }

    @Test
    void badWorkloadFile_isOneLineNamingFileAndLine_exit2(TestDatabase db) throws Exception {
        Path workload = dir.resolve("bad.sql");
        Files.writeString(workload, "-- script: a\n-- weight: -1\nselect 1;\n");
        Run run = bench(db, "--workload", workload.toString(), "--duration", "1s");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().strip().lines()).singleElement().asString().startsWith("keel: " + workload + ":2: weight '-1'");
    }

    @Test
    void scaleWithAWorkloadFile_isAUsageError(TestDatabase db) throws Exception {
        Path workload = dir.resolve("w.sql");
        Files.writeString(workload, "select 1;\n");
        Run run = bench(db, "--workload", workload.toString(), "--scale", "3");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--scale and --init are for the standard workload");
    }
}
