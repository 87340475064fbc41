package dev.keel.core.findings;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonRendererTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final Finding MISSING_INDEX = Finding.of("design.fk-without-index", Severity.WARNING,
                    "public.order_lines.order_id", "Foreign key has no index.",
                    "CREATE INDEX CONCURRENTLY ON public.order_lines (order_id);")
            .withEvidence("rows", 1_200_000L)
            .withEvidence("size", "96 MB")
            .withEvidence("lockMode", "ShareLock");

    private static JsonNode render(Findings findings) throws Exception {
        return MAPPER.readTree(FindingsRenderer.json().renderToString(findings));
    }

    private static List<String> keys(JsonNode node) {
        List<String> keys = new java.util.ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        return keys;
    }

    @Test
    void render_writesFindingsThenSummaryWithFieldsInAFixedOrder() throws Exception {
        JsonNode document = render(Findings.of(MISSING_INDEX.at("db/migration/V3__lines.sql", 7)));

        assertThat(keys(document)).containsExactly("findings", "summary");
        JsonNode finding = document.get("findings").get(0);
        assertThat(keys(finding)).containsExactly("rule", "severity", "file", "line", "object", "lockMode", "evidence",
                "message", "remedy");
        assertThat(finding.get("rule").asText()).isEqualTo("design.fk-without-index");
        assertThat(finding.get("severity").asText()).isEqualTo("warning");
        assertThat(finding.get("object").asText()).isEqualTo("public.order_lines.order_id");
        assertThat(finding.get("remedy").asText()).startsWith("CREATE INDEX CONCURRENTLY");
        assertThat(keys(finding.get("evidence"))).containsExactly("rows", "size");
        assertThat(finding.get("lockMode").asText()).isNotBlank();
        assertThat(finding.get("evidence").get("rows").asLong()).isEqualTo(1_200_000L);
        assertThat(finding.get("file").asText()).isEqualTo("db/migration/V3__lines.sql");
        assertThat(finding.get("line").asInt()).isEqualTo(7);
    }

    @Test
    void render_promotesStatementLevelEvidenceToTopLevelFieldsInTheLintOrder() throws Exception {
        Finding lint = Finding.of("lint.create-index", Severity.ERROR, "public.t", "m", "r")
                .withEvidence("rows", 10).withEvidence("scan", true).withEvidence("rewrite", false)
                .withEvidence("lockMode", "ShareLock").withEvidence("statement", "create index on t (x)").at("V2__x.sql", 3);
        JsonNode finding = render(Findings.of(lint)).get("findings").get(0);

        assertThat(keys(finding)).containsExactly("rule", "severity", "file", "line", "statement", "object", "lockMode",
                "rewrite", "scan", "evidence", "message", "remedy");
        assertThat(keys(finding.get("evidence"))).containsExactly("rows");
        assertThat(finding.get("scan").asBoolean()).isTrue();
    }

    @Test
    void render_leavesOutLocationWhenThereIsNone() throws Exception {
        JsonNode finding = render(Findings.of(MISSING_INDEX)).get("findings").get(0);

        assertThat(finding.has("file")).isFalse();
        assertThat(finding.has("line")).isFalse();
    }

    @Test
    void render_summarisesEverySeverityIncludingZeroes() throws Exception {
        JsonNode summary = render(Findings.of(MISSING_INDEX,
                Finding.of("design.no-primary-key", Severity.ERROR, "public.t", "m", ""))).get("summary");

        assertThat(keys(summary)).containsExactly("error", "warning", "info");
        assertThat(summary.get("error").asInt()).isEqualTo(1);
        assertThat(summary.get("warning").asInt()).isEqualTo(1);
        assertThat(summary.get("info").asInt()).isZero();
    }

    @Test
    void render_ofNoFindingsIsAnEmptyListAndZeroCounts() throws Exception {
        JsonNode document = render(Findings.empty());

        assertThat(document.get("findings").isArray()).isTrue();
        assertThat(document.get("findings")).isEmpty();
        assertThat(document.get("summary").get("error").asInt()).isZero();
    }

    @Test
    void render_writesEvidenceOfAnyTypeWithoutFailing() throws Exception {
        Finding finding = Finding.of("a.b", Severity.INFO, "public.t", "m", "")
                .withEvidence("ratio", 0.25)
                .withEvidence("exact", new BigDecimal("12345678901234567890.5"))
                .withEvidence("vacuumed", false)
                .withEvidence("lastVacuum", null)
                .withEvidence("age", Duration.ofMinutes(90))
                .withEvidence("columns", List.of("id", "created_at"))
                .withEvidence("sizes", Map.of("heap", 10))
                .withEvidence("notANumber", Double.NaN);

        String text = FindingsRenderer.json().renderToString(Findings.of(finding));
        JsonNode evidence = MAPPER.readTree(text).get("findings").get(0).get("evidence");

        assertThat(evidence.get("ratio").asDouble()).isEqualTo(0.25);
        assertThat(text).contains("\"exact\": 12345678901234567890.5,");
        assertThat(evidence.get("vacuumed").isBoolean()).isTrue();
        assertThat(evidence.get("lastVacuum").isNull()).isTrue();
        assertThat(evidence.get("age").asText()).isEqualTo("PT1H30M");
        assertThat(evidence.get("columns").get(1).asText()).isEqualTo("created_at");
        assertThat(evidence.get("sizes").get("heap").asInt()).isEqualTo(10);
        assertThat(evidence.get("notANumber").asText()).isEqualTo("NaN");
    }

    @Test
    void render_isByteStableAndEndsWithANewline() {
        Findings findings = Findings.of(MISSING_INDEX, MISSING_INDEX.at("V1.sql", 1));

        String first = FindingsRenderer.json().renderToString(findings);
        String second = FindingsRenderer.json().renderToString(Findings.of(findings.list().get(1), findings.list().get(0)));

        assertThat(first).isEqualTo(second).endsWith("}\n").doesNotContain("\r");
        assertThat(first).contains("\"rule\": \"design.fk-without-index\"");
    }

    @Test
    void render_leavesTheWriterOpen() throws Exception {
        StringWriter text = new StringWriter();
        Writer out = new java.io.FilterWriter(text) {
            @Override
            public void close() {
                throw new AssertionError("renderer closed the caller's writer");
            }
        };

        FindingsRenderer.json().render(Findings.of(MISSING_INDEX), out);

        assertThat(text.toString()).contains("\"findings\"");
    }
}
