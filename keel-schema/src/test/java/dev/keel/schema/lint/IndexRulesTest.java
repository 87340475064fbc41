package dev.keel.schema.lint;

import static dev.keel.schema.lint.Lint.none;
import static dev.keel.schema.lint.Lint.script;
import static dev.keel.schema.lint.Lint.single;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Severity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IndexRulesTest {

    @Test
    void createIndex_onAnExistingTableBlocksWrites() {
        List<Finding> findings = script("""
                SET lock_timeout = '5s';
                -- speeds up the customer page
                create index orders_customer_idx on shop.orders (customer_id) where status <> 'cancelled';
                """);

        Finding f = single(findings, LintRule.CREATE_INDEX_NOT_CONCURRENTLY);
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.object()).isEqualTo("shop.orders");
        assertThat(f.location().line()).isEqualTo(3);
        assertThat(f.evidence()).containsExactly(
                Map.entry("statement", "create index orders_customer_idx on shop.orders (customer_id) where status <> 'cancelled'"),
                Map.entry("lockMode", "ShareLock"),
                Map.entry("rewrite", false),
                Map.entry("scan", true),
                Map.entry("basis", "rule"));
        assertThat(f.remedy()).startsWith(
                "create index CONCURRENTLY orders_customer_idx on shop.orders (customer_id) where status <> 'cancelled';\n"
                        + "-- outside BEGIN ... COMMIT");
    }

    @Test
    void createIndex_concurrentlyIsQuiet() {
        assertThat(script("""
                SET lock_timeout = '5s';
                CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_ref_key ON shop.orders USING btree (ref);
                """)).isEmpty();
    }

    @Test
    void createIndex_onATableCreatedInTheFileOrKnownEmptyIsQuiet() {
        List<Finding> newTable = script("""
                CREATE TABLE shop.coupons (code text PRIMARY KEY, valid_until timestamptz);
                CREATE INDEX ON shop.coupons (valid_until);
                """);
        List<Finding> emptyTable = script("CREATE INDEX ON shop.coupons (valid_until);",
                Lint.rows(Map.of("shop.coupons", 0L)));

        assertThat(newTable).isEmpty();
        none(emptyTable, LintRule.CREATE_INDEX_NOT_CONCURRENTLY);
    }

    @Test
    void createIndex_onOnlyAPartitionedParentBuildsNothing() {
        none(script("CREATE INDEX payments_paid_at_idx ON ONLY shop.payments (paid_at);"),
                LintRule.CREATE_INDEX_NOT_CONCURRENTLY);
    }

    @Test
    void createIndex_unqualifiedTableFollowsSearchPath() {
        List<Finding> findings = script("""
                SET search_path TO shop, public;
                CREATE INDEX ON orders (placed_at);
                """);

        assertThat(single(findings, LintRule.CREATE_INDEX_NOT_CONCURRENTLY).object()).isEqualTo("shop.orders");
    }

    @Test
    void dropIndex_withoutConcurrentlyIsAWarning() {
        Finding f = single(script("DROP INDEX IF EXISTS shop.orders_placed_at_idx;"), LintRule.DROP_INDEX_NOT_CONCURRENTLY);

        assertThat(f.severity()).isEqualTo(Severity.WARNING);
        assertThat(f.object()).isEqualTo("shop.orders_placed_at_idx");
        assertThat(f.evidence()).containsEntry("lockMode", "AccessExclusiveLock").containsEntry("rewrite", false)
                .containsEntry("scan", false);
        assertThat(f.remedy()).isEqualTo("DROP INDEX CONCURRENTLY shop.orders_placed_at_idx;  -- outside BEGIN ... COMMIT");
        none(script("DROP INDEX CONCURRENTLY IF EXISTS shop.orders_placed_at_idx;"), LintRule.DROP_INDEX_NOT_CONCURRENTLY);
    }

    @Test
    void dropIndex_createdInTheSameFileIsQuiet() {
        none(script("""
                CREATE INDEX CONCURRENTLY tmp_idx ON shop.orders (status);
                DROP INDEX tmp_idx;
                """), LintRule.DROP_INDEX_NOT_CONCURRENTLY);
    }

    @Test
    void reindex_withoutConcurrentlyFrom12() {
        Finding pg12 = single(script("REINDEX INDEX shop.orders_pkey;", 12), LintRule.REINDEX_NOT_CONCURRENTLY);

        assertThat(pg12.severity()).isEqualTo(Severity.ERROR);
        assertThat(pg12.evidence()).containsEntry("lockMode", "AccessExclusiveLock").containsEntry("scan", true);
        assertThat(pg12.remedy()).startsWith("REINDEX INDEX CONCURRENTLY shop.orders_pkey;");
        assertThat(single(script("REINDEX TABLE shop.orders;", 14), LintRule.REINDEX_NOT_CONCURRENTLY).evidence())
                .containsEntry("lockMode", "ShareLock");
        // before 12 there is no CONCURRENTLY form, so nothing to suggest
        none(script("REINDEX INDEX shop.orders_pkey;", 11), LintRule.REINDEX_NOT_CONCURRENTLY);
        none(script("REINDEX INDEX CONCURRENTLY shop.orders_pkey;", 12), LintRule.REINDEX_NOT_CONCURRENTLY);
        none(script("REINDEX (CONCURRENTLY, VERBOSE) TABLE shop.orders;", 14), LintRule.REINDEX_NOT_CONCURRENTLY);
        assertThat(single(script("REINDEX SCHEMA shop;", 14), LintRule.REINDEX_NOT_CONCURRENTLY).object()).isEqualTo("shop");
    }

    @Test
    void detachPartition_withoutConcurrentlyFrom14() {
        String sql = "ALTER TABLE shop.payments DETACH PARTITION shop.payments_2026_01;";

        Finding pg14 = single(script(sql, 14), LintRule.DETACH_PARTITION_NOT_CONCURRENTLY);
        assertThat(pg14.severity()).isEqualTo(Severity.WARNING);
        assertThat(pg14.evidence()).containsEntry("lockMode", "AccessExclusiveLock");
        assertThat(pg14.remedy()).startsWith(
                "ALTER TABLE shop.payments DETACH PARTITION shop.payments_2026_01 CONCURRENTLY;");
        none(script(sql, 13), LintRule.DETACH_PARTITION_NOT_CONCURRENTLY);
        none(script("ALTER TABLE shop.payments DETACH PARTITION shop.payments_2026_01 CONCURRENTLY;", 14),
                LintRule.DETACH_PARTITION_NOT_CONCURRENTLY);
    }

    @Test
    void concurrently_insideATransactionFails() {
        List<Finding> findings = script("""
                BEGIN;
                SET LOCAL lock_timeout = '5s';
                CREATE INDEX CONCURRENTLY orders_status_idx ON shop.orders (status);
                DROP INDEX CONCURRENTLY shop.orders_old_idx;
                REINDEX INDEX CONCURRENTLY shop.orders_pkey;
                ALTER TABLE shop.payments DETACH PARTITION shop.payments_2026_01 CONCURRENTLY;
                COMMIT;
                CREATE INDEX CONCURRENTLY orders_status2_idx ON shop.orders (status);
                """);

        List<Finding> failing = Lint.of(findings, LintRule.CONCURRENTLY_IN_TRANSACTION);
        assertThat(failing).extracting(f -> f.location().line()).containsExactly(3, 4, 5, 6);
        assertThat(failing).allSatisfy(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.message()).contains("BEGIN on line 1");
        });
        assertThat(failing.get(0).remedy()).contains(
                "CREATE INDEX CONCURRENTLY orders_status_idx ON shop.orders (status);");
        assertThat(findings).hasSize(4);
    }
}
