package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel lint and keel plan on the sample shop, with the project's embedded server as the scratch copy. */
@KeelPostgres
class LintPlanCommandIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @AfterEach
    void destroy() {
        Run.keel("db", "destroy", "--yes", "--project", dir.resolve("keel.yaml").toString());
    }

    private String project(TestDatabase db) throws Exception {
        Path root = DemoCommandIT.repositoryRoot().resolve("examples/commerce");
        DemoCommandIT.copy(root.resolve("db"), dir.resolve("db"));
        DemoCommandIT.copy(root.resolve("unsafe"), dir.resolve("unsafe"));
        Files.writeString(dir.resolve("keel.yaml"), """
                targets:
                  live:
                    url: postgresql://%s:%s@127.0.0.1:%d/%s
                """.formatted(db.user(), db.password(), db.port(), db.name()));
        return dir.resolve("keel.yaml").toString();
    }

    private static List<String> rules(JsonNode doc) {
        return StreamSupport.stream(doc.get("findings").spliterator(), false)
                .map(f -> f.get("rule").asText() + "@" + f.get("line").asInt() + ":" + f.at("/evidence/basis").asText())
                .toList();
    }

    @Test
    void lint_unsafeMigration_findsEachProblemByRuleAndMeasurement(TestDatabase db) throws Exception {
        String p = project(db);
        String file = dir.resolve("unsafe/V7__unsafe_changes.sql").toString();

        Run run = Run.keel("lint", file, "--json", "--project", p);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        JsonNode doc = JSON.readTree(run.out());
        assertThat(rules(doc)).contains("lint.add-column-volatile-default@3:both",
                "lint.create-index-not-concurrently@4:both", "lint.column-type-change@5:both",
                "lint.check-without-not-valid@6:both", "lint.rename-column@7:both");
        JsonNode first = doc.get("findings").get(0);
        assertThat(first.get("file").asText()).endsWith("unsafe/V7__unsafe_changes.sql");
        assertThat(first.get("lockMode").asText()).isEqualTo("AccessExclusiveLock");
        assertThat(first.get("rewrite").asBoolean()).isTrue();
        assertThat(first.get("statement").asText()).startsWith("alter table shop.orders add column tracking_token");
        assertThat(first.get("remedy").asText()).isNotBlank();
    }

    @Test
    void lintStaticOnly_failOnAndSarif(TestDatabase db) throws Exception {
        String p = project(db);
        String file = dir.resolve("unsafe/V7__unsafe_changes.sql").toString();

        Run staticOnly = Run.keel("lint", file, "--no-measure", "--json", "--project", p);
        assertThat(rules(JSON.readTree(staticOnly.out()))).allMatch(r -> r.endsWith(":rule"));

        Path sarif = dir.resolve("lint.sarif");
        Run run = Run.keel("lint", file, "--no-measure", "--format", "sarif", "--project", p);
        Files.writeString(sarif, run.out());
        JsonNode doc = JSON.readTree(Files.readString(sarif));
        assertThat(doc.at("/runs/0/results/0/locations/0/physicalLocation/region/startLine").asInt()).isEqualTo(3);

        Run safe = Run.keel("lint", dir.resolve("db/migrations/V1__create_customers.sql").toString(), "--no-measure",
                "--fail-on", "error", "--project", p);
        assertThat(safe.exitCode()).as(safe.out()).isZero();
    }

    @Test
    void lintPending_warnsAboutMissingUndoAndEditedAppliedFiles(TestDatabase db) throws Exception {
        String p = project(db);
        assertThat(Run.keel("migrate", "--to", "5", "--project", p).exitCode()).isZero();
        Files.delete(dir.resolve("db/migrations/U6__add_order_coupon_code.sql"));
        Path v1 = dir.resolve("db/migrations/V1__create_customers.sql");
        Files.writeString(v1, Files.readString(v1) + "\n-- edited after it was applied\n");

        Run run = Run.keel("lint", "--json", "--project", p);

        List<String> found = rules(JSON.readTree(run.out()));
        assertThat(found).anyMatch(r -> r.startsWith("lint.missing-undo@0"));
        assertThat(found).anyMatch(r -> r.startsWith("lint.edited-applied-file@0"));
        assertThat(run.all()).doesNotContain(db.password());
    }

    @Test
    void plan_showsLocksRewriteAndRowsWithoutChangingTheTarget(TestDatabase db) throws Exception {
        String p = project(db);
        assertThat(Run.keel("migrate", "--project", p).exitCode()).isZero();
        db.execute("insert into shop.categories (name, slug) select 'c' || g, 'c' || g from generate_series(1, 50) g; analyze");
        Files.copy(dir.resolve("unsafe/V7__unsafe_changes.sql"), dir.resolve("db/migrations/V7__unsafe_changes.sql"));

        Run run = Run.keel("plan", "--json", "--project", p);

        assertThat(run.exitCode()).as(run.all()).isZero();
        JsonNode statements = JSON.readTree(run.out()).get("statements");
        assertThat(statements).hasSize(5);
        JsonNode addColumn = statements.get(0);
        assertThat(addColumn.get("line").asInt()).isEqualTo(3);
        assertThat(addColumn.get("rewrite").asBoolean()).isTrue();
        assertThat(addColumn.get("locks")).anySatisfy(l -> {
            assertThat(l.get("relation").asText()).isEqualTo("shop.orders");
            assertThat(l.get("mode").asText()).isEqualTo("AccessExclusiveLock");
        });
        Run info = Run.keel("info", "--json", "--project", p);
        assertThat(info.out()).contains("V7__unsafe_changes.sql").contains("Pending");
        Run text = Run.keel("plan", "--project", p);
        assertThat(text.out()).contains("V7__unsafe_changes.sql:3").contains("rewrite: yes").contains("Total estimate");
    }
}
