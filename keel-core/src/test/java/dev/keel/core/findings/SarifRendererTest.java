package dev.keel.core.findings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SarifRendererTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final FindingsRenderer SARIF = FindingsRenderer.sarif("0.1.0", "https://keel.dev");

    private static final Findings REPORT = Findings.of(
            Finding.of("design.no-primary-key", Severity.ERROR, "public.orders", "Table has no primary key.",
                    "ALTER TABLE public.orders ADD PRIMARY KEY (id);").withEvidence("rows", 42),
            Finding.of("design.no-primary-key", Severity.WARNING, "public.audit_log", "Table has no primary key.",
                    "ALTER TABLE public.audit_log ADD PRIMARY KEY (id);"),
            Finding.of("migration.lock-rewrite", Severity.WARNING, "public.orders",
                            "ALTER COLUMN TYPE rewrites the table under an ACCESS EXCLUSIVE lock.",
                            "Add a new column, backfill in batches, then swap.")
                    .withEvidence("lockMode", "AccessExclusiveLock")
                    .at("db/migration/V7__widen amount.sql", 3),
            Finding.of("insight.unused-index", Severity.INFO, "public.orders_status_idx", "Index is never scanned.",
                    "DROP INDEX CONCURRENTLY public.orders_status_idx;"));

    private static JsonNode render(Findings findings) throws Exception {
        return MAPPER.readTree(SARIF.renderToString(findings));
    }

    @Test
    void render_hasTheRequiredTopLevelAndToolProperties() throws Exception {
        JsonNode log = render(REPORT);

        assertThat(log.get("$schema").asText()).isEqualTo("https://json.schemastore.org/sarif-2.1.0.json");
        assertThat(log.get("version").asText()).isEqualTo("2.1.0");
        assertThat(log.get("runs")).hasSize(1);
        JsonNode driver = log.get("runs").get(0).get("tool").get("driver");
        assertThat(driver.get("name").asText()).isEqualTo("keel");
        assertThat(driver.get("version").asText()).isEqualTo("0.1.0");
        assertThat(driver.get("informationUri").asText()).isEqualTo("https://keel.dev");
    }

    @Test
    void render_givesEveryResultARuleIdLevelAndMessageText() throws Exception {
        JsonNode results = render(REPORT).get("runs").get(0).get("results");

        assertThat(results).hasSize(4);
        Set<String> levels = Set.of("none", "note", "warning", "error");
        for (JsonNode result : results) {
            assertThat(result.get("ruleId").asText()).isNotBlank();
            assertThat(levels).contains(result.get("level").asText());
            assertThat(result.get("message").get("text").asText()).isNotBlank();
        }
        assertThat(results).extracting(r -> r.get("level").asText())
                .containsExactly("error", "warning", "warning", "note");
    }

    @Test
    void render_pointsEachRuleIndexAtItsRule() throws Exception {
        JsonNode run = render(REPORT).get("runs").get(0);
        JsonNode rules = run.get("tool").get("driver").get("rules");

        for (JsonNode result : run.get("results")) {
            int index = result.get("ruleIndex").asInt();
            assertThat(rules.get(index).get("id").asText()).isEqualTo(result.get("ruleId").asText());
        }
        Set<String> ids = new HashSet<>();
        rules.forEach(rule -> assertThat(ids.add(rule.get("id").asText())).as("rule ids are unique").isTrue());
        assertThat(ids).containsExactlyInAnyOrder("design.no-primary-key", "migration.lock-rewrite",
                "insight.unused-index");
    }

    @Test
    void render_describesRulesWithHelpFromTheRemedyAndTheMostSevereLevel() throws Exception {
        JsonNode rules = render(REPORT).get("runs").get(0).get("tool").get("driver").get("rules");
        JsonNode noPk = rules.get(0);

        assertThat(noPk.get("id").asText()).isEqualTo("design.no-primary-key");
        assertThat(noPk.get("name").asText()).isEqualTo("NoPrimaryKey");
        assertThat(noPk.get("shortDescription").get("text").asText()).isEqualTo("No primary key");
        assertThat(noPk.get("fullDescription").get("text").asText()).isEqualTo("Table has no primary key.");
        assertThat(noPk.get("help").get("text").asText()).isEqualTo("ALTER TABLE public.orders ADD PRIMARY KEY (id);");
        assertThat(noPk.get("defaultConfiguration").get("level").asText()).isEqualTo("error");
        assertThat(noPk.get("properties").get("tags").get(0).asText()).isEqualTo("design");
    }

    @Test
    void render_usesAPhysicalLocationWhenTheFindingHasAFile() throws Exception {
        JsonNode located = resultFor("migration.lock-rewrite");

        JsonNode physical = located.get("locations").get(0).get("physicalLocation");
        assertThat(physical.get("artifactLocation").get("uri").asText())
                .isEqualTo("db/migration/V7__widen%20amount.sql");
        assertThat(physical.get("region").get("startLine").asInt()).isEqualTo(3);
    }

    @Test
    void render_usesALogicalLocationNamingTheObjectWhenThereIsNoFile() throws Exception {
        JsonNode location = resultFor("insight.unused-index").get("locations").get(0);

        assertThat(location.has("physicalLocation")).isFalse();
        assertThat(location.get("logicalLocations").get(0).get("fullyQualifiedName").asText())
                .isEqualTo("public.orders_status_idx");
    }

    @Test
    void render_carriesEvidenceAndRemedyInTheResultProperties() throws Exception {
        JsonNode properties = resultFor("migration.lock-rewrite").get("properties");

        assertThat(properties.get("evidence").get("lockMode").asText()).isEqualTo("AccessExclusiveLock");
        assertThat(properties.get("remedy").asText()).isEqualTo("Add a new column, backfill in batches, then swap.");
        assertThat(properties.get("object").asText()).isEqualTo("public.orders");
    }

    @Test
    void render_ofNoFindingsIsAValidEmptyRun() throws Exception {
        JsonNode run = render(Findings.empty()).get("runs").get(0);

        assertThat(run.get("results")).isEmpty();
        assertThat(run.get("tool").get("driver").get("rules")).isEmpty();
    }

    @Test
    void render_leavesOutTheRegionForAWholeFileFinding() throws Exception {
        Findings findings = Findings.of(Finding.of("migration.bad-name", Severity.ERROR, "V1_init.sql",
                "File name does not match V<version>__<description>.sql.", "").at("db/migration/V1_init.sql", 0));

        JsonNode physical = render(findings).get("runs").get(0).get("results").get(0)
                .get("locations").get(0).get("physicalLocation");

        assertThat(physical.get("artifactLocation").get("uri").asText()).isEqualTo("db/migration/V1_init.sql");
        assertThat(physical.has("region")).isFalse();
    }

    @Test
    void uri_turnsPathsIntoRelativeOrFileUris() {
        assertThat(SarifRenderer.uri("db\\migration\\V1__init.sql")).isEqualTo("db/migration/V1__init.sql");
        assertThat(SarifRenderer.uri("/home/ci/app/V1.sql")).isEqualTo("file:///home/ci/app/V1.sql");
        assertThat(SarifRenderer.uri("C:\\app\\V1.sql")).isEqualTo("file:///C:/app/V1.sql");
        assertThat(SarifRenderer.uri("a:b/V1.sql")).isEqualTo("./a:b/V1.sql");
    }

    @Test
    void sarif_rejectsARelativeInformationUri() {
        assertThatThrownBy(() -> FindingsRenderer.sarif("0.1.0", "keel.dev"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static JsonNode resultFor(String ruleId) throws Exception {
        for (JsonNode result : render(REPORT).get("runs").get(0).get("results")) {
            if (result.get("ruleId").asText().equals(ruleId)) {
                return result;
            }
        }
        throw new AssertionError("no result for " + ruleId);
    }
}
