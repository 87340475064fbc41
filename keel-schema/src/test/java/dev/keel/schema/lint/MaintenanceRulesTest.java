package dev.keel.schema.lint;

import static dev.keel.schema.lint.Lint.none;
import static dev.keel.schema.lint.Lint.script;
import static dev.keel.schema.lint.Lint.single;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Severity;
import java.util.List;
import org.junit.jupiter.api.Test;

class MaintenanceRulesTest {

    @Test
    void vacuumFull_rewritesUnderAccessExclusiveLock() {
        for (String sql : List.of("VACUUM FULL shop.orders;", "VACUUM (FULL, ANALYZE) shop.orders;",
                "vacuum full verbose analyze shop.orders;")) {
            Finding f = single(script(sql), LintRule.VACUUM_FULL);
            assertThat(f.severity()).as(sql).isEqualTo(Severity.ERROR);
            assertThat(f.object()).isEqualTo("shop.orders");
            assertThat(f.evidence()).containsEntry("lockMode", "AccessExclusiveLock").containsEntry("rewrite", true)
                    .containsEntry("scan", true);
            assertThat(f.remedy()).contains("pg_repack --table=shop.orders");
        }
        none(script("VACUUM (ANALYZE) shop.orders;"), LintRule.VACUUM_FULL);
        none(script("VACUUM (FULL false) shop.orders;"), LintRule.VACUUM_FULL);
        assertThat(single(script("VACUUM FULL;"), LintRule.VACUUM_FULL).object()).isEqualTo("database");
    }

    @Test
    void cluster_rewritesUnderAccessExclusiveLock() {
        Finding f = single(script("CLUSTER shop.orders USING orders_placed_at_idx;"), LintRule.CLUSTER);

        assertThat(f.object()).isEqualTo("shop.orders");
        assertThat(f.evidence()).containsEntry("rewrite", true);
        assertThat(f.remedy()).contains("pg_repack --table=shop.orders --order-by=");
    }

    @Test
    void setTablespace_copiesTheTable() {
        Finding f = single(script("ALTER TABLE shop.orders SET TABLESPACE fast_ssd;"), LintRule.SET_TABLESPACE);

        assertThat(f.evidence()).containsEntry("lockMode", "AccessExclusiveLock").containsEntry("rewrite", true);
        assertThat(f.remedy()).contains("--tablespace=fast_ssd");
        single(script("ALTER INDEX shop.orders_pkey SET TABLESPACE fast_ssd;"), LintRule.SET_TABLESPACE);
    }

    @Test
    void setLoggedOrUnlogged_rewrites() {
        single(script("ALTER TABLE shop.orders SET UNLOGGED;"), LintRule.REWRITING_ALTER_TABLE);
        single(script("ALTER TABLE shop.orders SET LOGGED;"), LintRule.REWRITING_ALTER_TABLE);
        none(script("ALTER TABLE shop.orders SET (fillfactor = 80);"), LintRule.REWRITING_ALTER_TABLE);
    }

    @Test
    void refreshMaterializedView_withoutConcurrentlyBlocksReads() {
        Finding f = single(script("REFRESH MATERIALIZED VIEW shop.daily_sales;"), LintRule.REFRESH_MATERIALIZED_VIEW);

        assertThat(f.severity()).isEqualTo(Severity.WARNING);
        assertThat(f.remedy()).startsWith("REFRESH MATERIALIZED VIEW CONCURRENTLY shop.daily_sales;");
        none(script("REFRESH MATERIALIZED VIEW CONCURRENTLY shop.daily_sales;"), LintRule.REFRESH_MATERIALIZED_VIEW);
        none(script("""
                CREATE MATERIALIZED VIEW shop.daily_sales AS SELECT 1 AS x WITH NO DATA;
                REFRESH MATERIALIZED VIEW shop.daily_sales;
                """), LintRule.REFRESH_MATERIALIZED_VIEW);
    }

    @Test
    void lockTable_reportsTheModeItTakes() {
        Finding f = single(script("BEGIN; LOCK TABLE shop.orders IN SHARE ROW EXCLUSIVE MODE; COMMIT;"),
                LintRule.LOCK_TABLE);

        assertThat(f.severity()).isEqualTo(Severity.WARNING);
        assertThat(f.evidence()).containsEntry("lockMode", "ShareRowExclusiveLock");
        assertThat(single(script("LOCK shop.orders;"), LintRule.LOCK_TABLE).evidence())
                .containsEntry("lockMode", "AccessExclusiveLock");
    }

    @Test
    void truncateCascade_isAnError() {
        Finding f = single(script("TRUNCATE TABLE shop.orders CASCADE;"), LintRule.TRUNCATE_CASCADE);

        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.object()).isEqualTo("shop.orders");
        none(script("TRUNCATE shop.orders, shop.order_lines;"), LintRule.TRUNCATE_CASCADE);
    }

    @Test
    void updateWithoutWhere_isAnUnbatchedBackfill() {
        Finding f = single(script("UPDATE shop.orders SET coupon_code = '';"), LintRule.UPDATE_ALL_ROWS);

        assertThat(f.severity()).isEqualTo(Severity.WARNING);
        assertThat(f.evidence()).containsEntry("lockMode", "RowExclusiveLock").containsEntry("scan", true);
        assertThat(f.remedy()).contains("WHERE <key> BETWEEN <from> AND <to>;");
        none(script("UPDATE shop.orders SET coupon_code = '' WHERE coupon_code IS NULL;"), LintRule.UPDATE_ALL_ROWS);
    }
}
