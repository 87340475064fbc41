package dev.keel.ops.insight;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The advisor's pieces that need no database: parameter handling, workload filters, column extraction. */
class IndexAdvisorTest {

    @Test
    void prepared_noParameters_isNull() {
        assertThat(PlanSession.prepared("select * from t where a = 1 and b = '$1'")).isNull();
    }

    @Test
    void prepared_limitAndOffsetBecomeConstantsAndTheRestAreRenumbered() {
        String[] p = PlanSession.prepared("select * from t where a = $1 and b > $2 order by c limit $3 offset $4");
        assertThat(p[0]).isEqualTo("select * from t where a = $1 and b > $2 order by c limit 100 offset 0");
        assertThat(p[1]).isEqualTo("(null, null)");

        String[] q = PlanSession.prepared("select * from t order by c limit $1");
        assertThat(q[0]).isEqualTo("select * from t order by c limit 100");
        assertThat(q[1]).isEmpty();

        String[] r = PlanSession.prepared("select * from t where a = $2 and s = 'x$9' and b = $3 limit $1");
        assertThat(r[0]).isEqualTo("select * from t where a = $1 and s = 'x$9' and b = $2 limit 100");
        assertThat(r[1]).isEqualTo("(null, null)");
    }

    @Test
    void longLiteralsAndIdentifiers_doNotOverflowTheStack() {
        // a data-loading statement in pg_stat_statements can carry a literal of megabytes: the sample shop's does
        String big = "x".repeat(200_000);
        String sql = "insert into \"" + big + "\" values ('" + big + "''s', $1)";
        assertThat(PlanSession.blankStrings(sql)).hasSameSizeAs(sql).doesNotContain("'s'");
        assertThat(PlanSession.prepared(sql)[0]).endsWith("$1)");
        assertThat(IndexAdvisor.writeTarget(sql)).isEqualTo("\"" + big + "\"");
        assertThat(Workload.reasonToSkip("select * from t where note = '" + big + "'")).isNull();
        assertThat(Workload.reasonToSkip(sql)).isNull();
    }

    @Test
    void reasonToSkip_utilityCatalogAndOwnStatements() {
        assertThat(Workload.reasonToSkip("SET application_name = $1")).isEqualTo("utility statement");
        assertThat(Workload.reasonToSkip("explain select 1")).isEqualTo("utility statement");
        assertThat(Workload.reasonToSkip("select * from pg_class where relname = $1")).isEqualTo("reads the system catalog");
        assertThat(Workload.reasonToSkip("select hypopg_create_index($1)")).isEqualTo("Keel's own statement");
        assertThat(Workload.reasonToSkip("/* app */ select * from orders where note = 'pg_class'")).isNull();
        assertThat(Workload.reasonToSkip("with x as (select 1) select * from x")).isNull();
        assertThat(Workload.reasonToSkip("/* app: orders page\n   owner: shop team */\nselect * from orders where id = $1")).isNull();
        assertThat(Workload.reasonToSkip("/* keel insight */ insert into keel_health_probe values ($1)")).isEqualTo("Keel's own statement");
        assertThat(Workload.kind("/* several\nlines */ update orders set note = $1")).isEqualTo("update");
    }

    @Test
    void columnUse_classifiesEqualityRangeJoinAndSortColumns() throws Exception {
        String plan = """
                {"Node Type": "Limit", "Plans": [{"Node Type": "Sort", "Sort Key": ["o.created_at DESC"], "Plans": [
                  {"Node Type": "Hash Join", "Hash Cond": "(o.customer_id = c.id)", "Plans": [
                    {"Node Type": "Seq Scan", "Schema": "public", "Relation Name": "orders", "Alias": "o",
                     "Filter": "(((o.status)::text = 'paid'::text) AND (o.amount > $1) AND (lower(o.note) = $2))"},
                    {"Node Type": "Hash", "Plans": [{"Node Type": "Seq Scan", "Schema": "public", "Relation Name": "customers",
                     "Alias": "c", "Filter": "(c.country = $3)"}]}]}]}]}
                """;
        ColumnUse use = ColumnUse.of(new ObjectMapper().readTree(plan));

        assertThat(use.eq().get("public.orders")).containsExactly("customer_id", "status");
        assertThat(use.range().get("public.orders")).containsExactly("amount");
        assertThat(use.sort().get("public.orders")).containsExactly("created_at");
        assertThat(use.eq().get("public.customers")).containsExactly("id", "country");
        assertThat(use.seqScanned()).containsExactlyInAnyOrder("public.orders", "public.customers");
        assertThat(use.candidates("public.orders")).contains(List.of("customer_id"), List.of("amount"),
                List.of("customer_id", "status"), List.of("customer_id", "status", "amount"),
                List.of("customer_id", "status", "created_at"));
        assertThat(use.rule("public.orders")).containsExactly("customer_id", "status", "amount");
    }

    private static java.util.Optional<List<RangeValues.Param>> rangeParams(String planJson) throws Exception {
        return RangeValues.rangeParams(new ObjectMapper().readTree(planJson));
    }

    private static String scan(String filter) {
        return "{\"Node Type\": \"Seq Scan\", \"Schema\": \"public\", \"Relation Name\": \"orders\", \"Alias\": \"o\","
                + " \"Plan Rows\": 66667, \"Filter\": \"" + filter + "\"}";
    }

    @Test
    void rangeParams_oneSidedReversedAndPairsAreMappedEqualityStaysGeneric() throws Exception {
        assertThat(rangeParams(scan("(o.created_at > $1)")).orElseThrow())
                .containsExactly(new RangeValues.Param("public.orders", "created_at", 1, true));
        assertThat(rangeParams(scan("($1 > o.created_at)")).orElseThrow())
                .containsExactly(new RangeValues.Param("public.orders", "created_at", 1, false));
        assertThat(rangeParams(scan("((o.customer_id = $1) AND (o.created_at >= $2) AND (o.created_at <= $3))")).orElseThrow())
                .containsExactly(new RangeValues.Param("public.orders", "created_at", 2, true),
                        new RangeValues.Param("public.orders", "created_at", 3, false));
        assertThat(rangeParams(scan("(o.customer_id = $1)")).orElseThrow()).isEmpty();
    }

    @Test
    void rangeParams_whenRowsDoNotFollowTheRangeOrAParameterIsNotAPlainComparison_keepsTheGenericPlan() throws Exception {
        // Aggregate: one row per call says nothing about the range.
        assertThat(rangeParams("{\"Node Type\": \"Aggregate\", \"Plans\": [" + scan("(o.created_at > $1)") + "]}")).isEmpty();
        // Two range columns, two lower bounds, an expression, a parameter used twice.
        assertThat(rangeParams(scan("((o.created_at > $1) AND (o.amount < $2))"))).isEmpty();
        assertThat(rangeParams(scan("((o.created_at > $1) AND (o.created_at >= $2))"))).isEmpty();
        assertThat(rangeParams(scan("(o.created_at > ($1 - '1 day'::interval))"))).isEmpty();
        assertThat(rangeParams(scan("((o.created_at > $1) OR (o.customer_id = $1))"))).isEmpty();
    }
}
