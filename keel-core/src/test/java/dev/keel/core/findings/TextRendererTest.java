package dev.keel.core.findings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextRendererTest {

    static final Findings REPORT = Findings.of(
            Finding.of("insight.unused-index", Severity.INFO, "public.orders_status_idx",
                    "Index has not been scanned since statistics were reset.",
                    "DROP INDEX CONCURRENTLY public.orders_status_idx;"),
            Finding.of("design.no-primary-key", Severity.ERROR, "public.orders",
                    "Table has no primary key, so logical replication cannot publish its updates and deletes.",
                    "ALTER TABLE public.orders ADD PRIMARY KEY (id);"),
            Finding.of("design.fk-without-index", Severity.WARNING, "public.order_lines.order_id",
                    "Foreign key has no index; deleting an order scans the whole table.",
                    "CREATE INDEX CONCURRENTLY ON public.order_lines (order_id);"));

    @Test
    void render_showsATableWithRemediesAndASummary() {
        String text = FindingsRenderer.text(false, 100).renderToString(REPORT);

        assertThat(text).isEqualTo("""
                SEVERITY  RULE                     OBJECT
                error     design.no-primary-key    public.orders
                          Table has no primary key, so logical replication cannot publish its updates and deletes.
                          fix: ALTER TABLE public.orders ADD PRIMARY KEY (id);
                warning   design.fk-without-index  public.order_lines.order_id
                          Foreign key has no index; deleting an order scans the whole table.
                          fix: CREATE INDEX CONCURRENTLY ON public.order_lines (order_id);
                info      insight.unused-index     public.orders_status_idx
                          Index has not been scanned since statistics were reset.
                          fix: DROP INDEX CONCURRENTLY public.orders_status_idx;

                3 findings: 1 error, 1 warning, 1 info
                """);
    }

    @Test
    void render_namesFileAndLineOfFindingsInFiles() {
        Finding lint = Finding.of("lint.x", Severity.ERROR, "shop.orders", "m", "").at("db/V7__x.sql", 4);
        assertThat(FindingsRenderer.text(false, 80).renderToString(Findings.of(lint)))
                .contains("lint.x  shop.orders  (db/V7__x.sql:4)");
    }

    @Test
    void render_showsEvidenceButNotTheStatementText() {
        Finding lint = Finding.of("lint.x", Severity.ERROR, "shop.orders", "m", "fix it")
                .withEvidence("statement", "alter table shop.orders ...").withEvidence("lockMode", "AccessExclusiveLock")
                .withEvidence("rewrite", true).withEvidence("basis", "both");
        String text = FindingsRenderer.text(false, 80).renderToString(Findings.of(lint));
        assertThat(text).contains("evidence: lockMode=AccessExclusiveLock, rewrite=true, basis=both")
                .doesNotContain("alter table shop.orders");
        assertThat(text.indexOf("evidence:")).isLessThan(text.indexOf("fix: fix it"));
    }

    @Test
    void render_wrapsMessagesToTheWidth() {
        int width = 100;
        String text = FindingsRenderer.text(false, width).renderToString(REPORT);

        assertThat(text.lines().filter(line -> !line.contains("fix:")))
                .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(width));
    }

    @Test
    void render_withColourPaintsSeveritiesAndOtherwiseMatchesPlainText() {
        String plain = FindingsRenderer.text(false, 100).renderToString(REPORT);
        String coloured = FindingsRenderer.text(true, 100).renderToString(REPORT);

        assertThat(coloured).contains("\u001b[1;31merror\u001b[0m", "\u001b[33mwarning\u001b[0m",
                "\u001b[36minfo\u001b[0m", "\u001b[1;31m1 error\u001b[0m");
        assertThat(coloured.replaceAll("\u001b\\[[0-9;]*m", "")).isEqualTo(plain);
        assertThat(plain).doesNotContain("\u001b");
    }

    @Test
    void render_saysNoFindingsForAnEmptyReport() {
        assertThat(FindingsRenderer.text(true, 80).renderToString(Findings.empty())).isEqualTo("No findings.\n");
    }

    @Test
    void render_pluralisesTheSummaryAndLeavesOutZeroCounts() {
        Findings two = Findings.of(
                Finding.of("a.b", Severity.WARNING, "x", "m", ""), Finding.of("a.c", Severity.WARNING, "y", "m", ""));
        Findings one = Findings.of(Finding.of("a.b", Severity.ERROR, "x", "m", ""));

        assertThat(FindingsRenderer.text(false, 80).renderToString(two)).endsWith("\n2 findings: 2 warnings\n");
        assertThat(FindingsRenderer.text(false, 80).renderToString(one)).endsWith("\n1 finding: 1 error\n");
    }

    @Test
    void render_indentsEveryLineOfAMultiLineRemedy() {
        Findings findings = Findings.of(Finding.of("a.b", Severity.ERROR, "public.t", "m",
                "BEGIN;\nALTER TABLE public.t ADD PRIMARY KEY (id);\nCOMMIT;"));

        assertThat(FindingsRenderer.text(false, 80).renderToString(findings)).contains("""
                          fix: BEGIN;
                               ALTER TABLE public.t ADD PRIMARY KEY (id);
                               COMMIT;
                """);
    }

    @Test
    void render_toAPrintStreamWritesTheSameText() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        FindingsRenderer.text(false, 100).render(REPORT, out);

        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .isEqualTo(FindingsRenderer.text(false, 100).renderToString(REPORT));
    }

    @Test
    void wrap_splitsWordsLongerThanTheWidth() {
        assertThat(TextRenderer.wrap("short averyveryverylongword end", 8))
                .containsExactly("short", "averyver", "yverylon", "gword", "end");
    }

    @Test
    void text_rejectsANarrowWidth() {
        assertThatThrownBy(() -> FindingsRenderer.text(false, 10)).isInstanceOf(IllegalArgumentException.class);
    }
}
