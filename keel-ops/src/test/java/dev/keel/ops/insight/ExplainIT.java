package dev.keel.ops.insight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.KeelException;
import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Severity;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** EXPLAIN on a real server: each rule fires on the plan shape it is for. */
@KeelPostgres
class ExplainIT {

    @BeforeAll
    static void setUp(TestDatabase db) throws Exception {
        db.execute("""
                create table big (id int, category int, a int, b int, note text);
                insert into big select g, g % 1000, g % 100, g % 100, md5(g::text) from generate_series(1, 200000) g;
                analyze big;
                create table small (id int primary key, name text);
                insert into small select g, 'n' || g from generate_series(1, 100) g;
                analyze small;
                """);
    }

    private static List<Finding> rule(Explanation explanation, String rule) {
        return explanation.findings().list().stream().filter(f -> f.rule().equals(rule)).toList();
    }

    @Test
    void seqScanOfBigTableWithFilter_suggestsIndexOnFilteredColumn(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            Explanation x = Explainer.explain(c, "select * from big where category = 42;", false);

            List<Finding> found = rule(x, "explain.seq-scan-big-table");
            assertThat(found).hasSize(1);
            Finding f = found.get(0);
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.object()).isEqualTo("public.big");
            assertThat(f.message()).contains("Seq Scan on public.big").contains("200,000 rows");
            assertThat(f.remedy()).startsWith("CREATE INDEX CONCURRENTLY ON public.big (category);");
            assertThat(f.evidence()).containsKeys("pages", "tableRows", "filter");
            assertThat(x.analyzed()).isFalse();
            assertThat(x.costlyNodes()).contains((Integer) f.evidence().get("node"));
            assertThat(x.plan().get("Plan").get("Node Type").asText()).isNotBlank();
        }
    }

    @Test
    void smallTableScan_isNoFinding(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            Explanation x = Explainer.explain(c, "select * from small where name = 'n5'", true);
            assertThat(x.findings().isEmpty()).isTrue();
            assertThat(x.root().actualRows()).isPresent();
        }
    }

    @Test
    void correlatedColumns_areAMisestimateWithAnalyze(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            Explanation x = Explainer.explain(c, "select id from big where a = 1 and b = 1", true);

            List<Finding> found = rule(x, "explain.misestimate");
            assertThat(found).hasSize(1);
            Finding f = found.get(0);
            assertThat(f.object()).isEqualTo("public.big");
            assertThat(f.message()).contains("estimated at").contains("returned 2,000");
            assertThat(f.evidence().get("actualRows")).isEqualTo(2000L);
            assertThat(f.remedy()).contains("ANALYZE public.big;").contains("CREATE STATISTICS").contains("ON a, b FROM public.big");

            Explanation estimatesOnly = Explainer.explain(c, "select id from big where a = 1 and b = 1", false);
            assertThat(rule(estimatesOnly, "explain.misestimate")).isEmpty();
        }
    }

    @Test
    void sortOverWorkMem_isASpillWithTheWorkMemToSet(TestDatabase db) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("set work_mem = '64kB'");
            Explanation x = Explainer.explain(c, "select * from big order by note", true);

            List<Finding> found = rule(x, "explain.spill");
            assertThat(found).isNotEmpty();
            Finding f = found.get(0);
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.message()).contains("to disk").contains("work_mem (64 kB)");
            assertThat(f.remedy()).containsPattern("SET work_mem = '\\d+MB';");
            assertThat((Long) f.evidence().get("spillKB")).isPositive();

            Explanation estimate = Explainer.explain(c, "select * from big order by note", false);
            assertThat(rule(estimate, "explain.spill")).singleElement()
                    .satisfies(s -> assertThat(s.message()).contains("will likely spill"));
        }
    }

    @Test
    void forcedNestedLoopOverManyRows_isAFindingNamingTheSetting(TestDatabase db) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("set enable_hashjoin = off");
            st.execute("set enable_mergejoin = off");
            String sql = "select count(*) from big join small on small.id = big.category";
            for (boolean analyze : new boolean[]{false, true}) {
                Explanation x = Explainer.explain(c, sql, analyze);
                List<Finding> found = rule(x, "explain.nested-loop-many-rows");
                assertThat(found).as("analyze=" + analyze).hasSize(1);
                assertThat(found.get(0).message()).contains("Nested Loop runs its inner side").contains("public.big");
                assertThat(found.get(0).remedy()).contains("SET enable_hashjoin = on;");
            }
        }
    }

    @Test
    void analyzeOfDelete_isRolledBack(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            Explanation x = Explainer.explain(c, "delete from small where id <= 50", true);
            assertThat(x.rolledBack()).isTrue();
            assertThat(x.root().actualRows()).isPresent();
            assertThat(c.getAutoCommit()).isTrue();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select count(*) from small")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(100);
            }
        }
    }

    @Test
    void secondStatementSmuggledAfterASemicolon_changesNothing(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            for (boolean analyze : new boolean[]{false, true}) {
                assertThatThrownBy(() -> Explainer.explain(c, "select 1; delete from small", analyze))
                        .isInstanceOf(InsightException.class);
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select count(*) from small")) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("analyze=" + analyze).isEqualTo(100);
                }
            }
        }
    }

    @Test
    void sqlError_isUsageErrorWithPostgresMessage(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            assertThatThrownBy(() -> Explainer.explain(c, "select * from no_such_table", false))
                    .isInstanceOf(InsightException.class)
                    .hasMessageContaining("relation \"no_such_table\" does not exist")
                    .extracting(e -> ((KeelException) e).exitCode()).isEqualTo(KeelException.USAGE);
            // the connection is still usable
            assertThat(Explainer.explain(c, "select 1", false).findings().isEmpty()).isTrue();
        }
    }
}
