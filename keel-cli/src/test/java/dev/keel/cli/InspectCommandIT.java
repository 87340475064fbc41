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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel inspect on the sample shop's schema, through a target URL as a user would give it. */
@KeelPostgres(migrations = "examples/commerce/db/migrations")
class InspectCommandIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String url(TestDatabase db) {
        return "postgresql://" + db.user() + ":" + db.password() + "@127.0.0.1:" + db.port() + "/" + db.name();
    }

    @Test
    void inspect_printsAReadableSummary(TestDatabase db) {
        Run run = Run.keel("inspect", "--url", url(db));

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Database " + db.name()).contains("partitions").contains("13")
                .contains("order_lines");
        assertThat(run.err()).contains("inspect: started").containsPattern("inspect: \\d+ queries in");
        assertThat(run.all()).doesNotContain(db.password());
    }

    @Test
    void inspectJson_isOneDocumentWithCounts(TestDatabase db) throws Exception {
        Run run = Run.keel("inspect", "--json", "--url", url(db));

        assertThat(run.exitCode()).isZero();
        JsonNode doc = JSON.readTree(run.out());
        JsonNode counts = doc.get("counts");
        assertThat(counts.get("tables").asInt()).isEqualTo(7);
        assertThat(counts.get("partitions").asInt()).isEqualTo(13);
        assertThat(counts.get("views").asInt()).isEqualTo(1);
        assertThat(counts.get("enums").asInt()).isEqualTo(1);
        assertThat(counts.get("triggers").asInt()).isEqualTo(1);
        assertThat(run.out()).doesNotContain(db.password());
    }

    @Test
    void inspectJsonWithoutStats_isIdenticalTwice(TestDatabase db) {
        Run first = Run.keel("inspect", "--json", "--no-stats", "--url", url(db));
        Run second = Run.keel("inspect", "--json", "--no-stats", "--url", url(db));
        assertThat(first.out()).isEqualTo(second.out());
    }

    @Test
    void inspectSchemaFilter_unknownSchemaIsUsageError(TestDatabase db) {
        Run run = Run.keel("inspect", "--schema", "nope", "--url", url(db));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("no user schema named nope");
    }

    @Test
    void lint_findsExactlyTheSampleShopsFiveSmellsAndExits1(TestDatabase db) throws Exception {
        Run run = Run.keel("inspect", "--lint", "--json", "--url", url(db));

        assertThat(run.exitCode()).isEqualTo(1); // one error at the default --fail-on error
        JsonNode findings = JSON.readTree(run.out()).get("findings");
        List<String> found = StreamSupport.stream(findings.spliterator(), false)
                .map(f -> f.get("rule").asText() + " " + f.get("object").asText()).toList();
        assertThat(found).containsExactlyInAnyOrder(
                "design.no-primary-key shop.audit_events",
                "design.fk-without-index shop.products.products_category_id_fkey",
                "design.timestamp-without-time-zone shop.orders.shipped_at",
                "design.serial-column shop.categories.category_id",
                "design.not-snake-case shop.customers.marketingOptIn");
    }

    @Test
    void lintFailOnHigherThanFound_exits0(TestDatabase db) {
        Run run = Run.keel("inspect", "--lint", "--schema", "shop", "--fail-on", "error", "--url", url(db));
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).contains("5 findings: 1 error, 4 warnings");
        Run onlyPublic = Run.keel("inspect", "--lint", "--schema", "public", "--url", url(db));
        assertThat(onlyPublic.exitCode()).isZero();
        assertThat(onlyPublic.out()).contains("No findings.");
    }

    @Test
    void lintSarif_writesAFileForCodeScanning(TestDatabase db) throws Exception {
        Path sarif = dir.resolve("design.sarif");
        Run run = Run.keel("inspect", "--lint", "--format", "sarif", "-o", sarif.toString(), "--url", url(db));

        assertThat(run.exitCode()).isEqualTo(1);
        JsonNode doc = JSON.readTree(Files.readString(sarif));
        assertThat(doc.get("version").asText()).isEqualTo("2.1.0");
        assertThat(doc.at("/runs/0/results")).hasSize(5);
        assertThat(doc.at("/runs/0/tool/driver/name").asText()).isEqualTo("keel");
    }
}
