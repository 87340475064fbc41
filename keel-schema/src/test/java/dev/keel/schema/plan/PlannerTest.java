package dev.keel.schema.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.QualifiedName;
import dev.keel.core.catalog.Table;
import dev.keel.core.catalog.TableStatistics;
import dev.keel.schema.measure.Measurement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlannerTest {

    private static final long MB = 1024L * 1024;

    private static Table table(String name, boolean partitioned, String parent, TableStatistics statistics) {
        return new Table("shop", name, "keel", partitioned, partitioned ? "RANGE (paid_at)" : null,
                parent == null ? null : QualifiedName.of("shop", parent), null, List.of(), false, List.of(), null, false,
                false, null, List.of(), List.of(), List.of(), List.of(), List.of(), statistics);
    }

    private static Planner.Sizes sizes(Table... tables) {
        return Planner.Sizes.of(new Catalog("target", "15.10", 150010, List.of(), List.of(tables), List.of(), List.of(),
                List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of()));
    }

    private static Measurement measured(List<Measurement.Lock> locks, List<Measurement.Relation> rewritten,
                                        List<Measurement.Scan> scanned, long millis) {
        return new Measurement("alter table shop.orders ...", 3, Measurement.Outcome.MEASURED, "", true, locks,
                rewritten, scanned, millis);
    }

    private static final Planner.Sizes ORDERS = sizes(
            table("orders", false, null, new TableStatistics(1_000_000L, 300 * MB, 200 * MB, 100 * MB)),
            table("customers", false, null, new TableStatistics(50_000L, 12 * MB, 10 * MB, 2 * MB)));

    @Test
    void rewrite_isEstimatedFromTableAndIndexBytesAtTheAssumedRewriteSpeed() {
        Measurement m = measured(List.of(new Measurement.Lock("shop.orders", "table", "AccessExclusiveLock")),
                List.of(new Measurement.Relation("shop.orders", "table"), new Measurement.Relation("shop.orders_pkey", "index")),
                List.of(new Measurement.Scan("shop.orders", 1, 0)), 4);

        PlannedStatement p = Planner.planned("V7__x.sql", m, ORDERS);

        assertThat(p.rewrite()).isTrue();
        assertThat(p.scan()).isTrue();
        assertThat(p.rows()).isEqualTo(1_000_000L);
        assertThat(p.bytes()).isEqualTo(300 * MB);
        assertThat(p.estimateMillis()).isEqualTo(4 + 300 * MB * 1000 / Planner.REWRITE_BYTES_PER_SECOND);
    }

    @Test
    void scan_isEstimatedFromTableBytesAtTheAssumedScanSpeed() {
        Measurement m = measured(List.of(new Measurement.Lock("shop.orders", "table", "ShareRowExclusiveLock"),
                        new Measurement.Lock("shop.customers", "table", "ShareRowExclusiveLock")), List.of(),
                List.of(new Measurement.Scan("shop.orders", 1, 0)), 2);

        PlannedStatement p = Planner.planned("V7__x.sql", m, ORDERS);

        assertThat(p.rewrite()).isFalse();
        assertThat(p.scan()).isTrue();
        assertThat(p.rows()).as("both locked tables").isEqualTo(1_050_000L);
        assertThat(p.estimateMillis()).isEqualTo(2 + 200 * MB * 1000 / Planner.SCAN_BYTES_PER_SECOND);
    }

    @Test
    void otherStatements_takeTheMeasuredTime_andUnknownTablesHaveNoRows() {
        Measurement brief = measured(List.of(new Measurement.Lock("shop.orders", "table", "AccessExclusiveLock")),
                List.of(), List.of(), 3);
        Measurement newTable = measured(List.of(new Measurement.Lock("shop.created_earlier", "table", "AccessExclusiveLock")),
                List.of(), List.of(), 1);

        assertThat(Planner.planned("V7__x.sql", brief, ORDERS)).satisfies(p -> {
            assertThat(p.estimateMillis()).isEqualTo(3);
            assertThat(p.rows()).isEqualTo(1_000_000L);
        });
        assertThat(Planner.planned("V7__x.sql", newTable, ORDERS)).satisfies(p -> {
            assertThat(p.rows()).isNull();
            assertThat(p.bytes()).isNull();
        });
    }

    @Test
    void partitionedTable_isCountedThroughItsPartitionsOnce() {
        Planner.Sizes payments = sizes(
                table("payments", true, null, new TableStatistics(3000L, 0, 0, 0)),
                table("payments_2026_01", false, "payments", new TableStatistics(1000L, 2 * MB, MB, MB)),
                table("payments_2026_02", false, "payments", new TableStatistics(2000L, 4 * MB, 2 * MB, 2 * MB)));
        List<Measurement.Lock> locks = new ArrayList<>();
        for (String t : List.of("payments", "payments_2026_01", "payments_2026_02")) {
            locks.add(new Measurement.Lock("shop." + t, t.equals("payments") ? "partitioned table" : "table",
                    "AccessExclusiveLock"));
        }

        PlannedStatement p = Planner.planned("V7__x.sql", measured(locks, List.of(), List.of(), 1), payments);

        assertThat(p.rows()).isEqualTo(3000L);
        assertThat(p.bytes()).isEqualTo(6 * MB);
    }

    @Test
    void json_isTheStatementsArrayWithCamelCaseFields() throws Exception {
        Measurement m = measured(List.of(new Measurement.Lock("shop.orders", "table", "AccessExclusiveLock")),
                List.of(), List.of(), 3);
        Plan plan = new Plan(List.of(Planner.planned("V7__x.sql", m, ORDERS)));

        JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(plan));

        assertThat(json.properties()).extracting(java.util.Map.Entry::getKey).containsExactly("statements");
        JsonNode s = json.get("statements").get(0);
        assertThat(s.properties()).extracting(java.util.Map.Entry::getKey).containsExactly("file", "line", "statement",
                "outcome", "message", "transactional", "locks", "rewrite", "scan", "rows", "bytes", "estimateMillis");
        assertThat(s.get("locks").get(0).get("mode").asText()).isEqualTo("AccessExclusiveLock");
        assertThat(s.get("outcome").asText()).isEqualTo("MEASURED");
        assertThat(s.get("rows").asLong()).isEqualTo(1_000_000L);
    }
}
