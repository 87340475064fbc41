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

class BreakingChangeRulesTest {

    @Test
    void renameTable_breaksTheRunningVersion() {
        Finding f = single(script("ALTER TABLE shop.orders RENAME TO purchases;"), LintRule.RENAME_TABLE);

        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.object()).isEqualTo("shop.orders");
        assertThat(f.evidence()).containsEntry("lockMode", "AccessExclusiveLock").containsEntry("rewrite", false)
                .containsEntry("scan", false);
        assertThat(f.remedy()).isEqualTo("""
                BEGIN;
                ALTER TABLE shop.orders RENAME TO purchases;
                CREATE VIEW shop.orders AS SELECT * FROM shop.purchases;  -- the old name keeps working: simple views are updatable
                COMMIT;
                -- once no running version uses the old name, in a later migration:
                DROP VIEW shop.orders;""");
    }

    @Test
    void setSchema_isARenameToo() {
        single(script("ALTER TABLE shop.orders SET SCHEMA archive;"), LintRule.RENAME_TABLE);
    }

    @Test
    void renameColumn_breaksTheRunningVersion() {
        Finding f = single(script("ALTER TABLE shop.customers RENAME COLUMN full_name TO display_name;",
                LintContext.defaults().withColumnTypes(Map.of("shop.customers.full_name", "text"))),
                LintRule.RENAME_COLUMN);

        assertThat(f.object()).isEqualTo("shop.customers.full_name");
        assertThat(f.remedy()).contains("ALTER TABLE shop.customers ADD COLUMN display_name text;",
                "ALTER TABLE shop.customers DROP COLUMN full_name;");
    }

    @Test
    void renames_ofWhatTheFileCreatedAreQuiet() {
        List<Finding> findings = script("""
                CREATE TABLE shop.coupon (code text);
                ALTER TABLE shop.coupon RENAME TO coupons;
                ALTER TABLE shop.coupons RENAME COLUMN code TO coupon_code;
                ALTER TABLE shop.coupons ADD COLUMN percent int;
                ALTER TABLE shop.orders ADD COLUMN coupon text;
                ALTER TABLE shop.orders RENAME COLUMN coupon TO coupon_code;
                """);

        none(findings, LintRule.RENAME_TABLE);
        none(findings, LintRule.RENAME_COLUMN);
    }

    @Test
    void dropTableAndColumn_breakTheRunningVersion() {
        List<Finding> findings = script("""
                DROP TABLE IF EXISTS shop.legacy_carts, shop.legacy_wishlists;
                ALTER TABLE shop.orders DROP COLUMN IF EXISTS legacy_ref;
                """);

        assertThat(Lint.of(findings, LintRule.DROP_TABLE)).extracting(Finding::object)
                .containsExactly("shop.legacy_carts", "shop.legacy_wishlists");
        Finding column = single(findings, LintRule.DROP_COLUMN);
        assertThat(column.object()).isEqualTo("shop.orders.legacy_ref");
        assertThat(column.severity()).isEqualTo(Severity.ERROR);
        assertThat(column.remedy()).contains("-- keel:ignore lint.drop-column");
    }

    @Test
    void drops_ofWhatTheFileCreatedAreQuiet() {
        assertThat(script("""
                CREATE TABLE scratch (id bigint);
                ALTER TABLE scratch DROP COLUMN id;
                DROP TABLE scratch;
                """)).isEmpty();
    }

    @Test
    void dropCascade_isAWarningOnAnyDrop() {
        List<Finding> findings = script("""
                DROP VIEW IF EXISTS shop.order_summary CASCADE;
                DROP TYPE shop.order_status CASCADE;
                ALTER TABLE shop.orders DROP COLUMN status CASCADE;
                DROP SCHEMA IF EXISTS reporting CASCADE;
                """);

        assertThat(Lint.of(findings, LintRule.DROP_CASCADE)).extracting(Finding::object)
                .containsExactly("shop.order_summary", "shop.order_status", "shop.orders.status", "reporting");
        assertThat(Lint.of(findings, LintRule.DROP_CASCADE)).allSatisfy(
                f -> assertThat(f.severity()).isEqualTo(Severity.WARNING));
    }

    @Test
    void dropDatabase_isAnError() {
        assertThat(single(script("DROP DATABASE IF EXISTS shop_old;"), LintRule.DROP_DATABASE).object())
                .isEqualTo("shop_old");
    }

    @Test
    void identifierTooLong_countsUtf8Bytes() {
        String ascii63 = "a".repeat(63);
        String umlauts = "ä".repeat(32); // 32 characters, 64 bytes
        List<Finding> findings = script("""
                CREATE TABLE %s (id bigint);
                CREATE TABLE "%s" (id bigint);
                ALTER TABLE t RENAME COLUMN a TO %s;
                """.formatted(ascii63, umlauts, "b".repeat(64)));

        List<Finding> tooLong = Lint.of(findings, LintRule.IDENTIFIER_TOO_LONG);
        assertThat(tooLong).extracting(f -> f.location().line()).containsExactly(2, 3);
        assertThat(tooLong.get(0).severity()).isEqualTo(Severity.ERROR);
        assertThat(tooLong.get(0).message()).contains("64 bytes", "\"" + "ä".repeat(31) + "\"");
    }

    @Test
    void enumAddValue_insideATransactionFailsBefore12() {
        String sql = """
                BEGIN;
                ALTER TYPE shop.order_status ADD VALUE 'refunded';
                COMMIT;
                """;

        Finding pg11 = single(script(sql, 11), LintRule.ENUM_ADD_VALUE_IN_TRANSACTION);
        assertThat(pg11.severity()).isEqualTo(Severity.ERROR);
        assertThat(pg11.location().line()).isEqualTo(2);
        none(script(sql, 12), LintRule.ENUM_ADD_VALUE_IN_TRANSACTION);
        none(script("ALTER TYPE shop.order_status ADD VALUE 'refunded';", 11), LintRule.ENUM_ADD_VALUE_IN_TRANSACTION);
    }

    @Test
    void enumAddValue_usedInTheSameTransactionWarnsFrom12() {
        List<Finding> findings = script("""
                ALTER TYPE shop.order_status ADD VALUE IF NOT EXISTS 'refunded' AFTER 'delivered';
                UPDATE shop.orders SET status = 'refunded' WHERE refund_id IS NOT NULL;
                """, 12);

        Finding f = single(findings, LintRule.ENUM_ADD_VALUE_IN_TRANSACTION);
        assertThat(f.severity()).isEqualTo(Severity.WARNING);
        assertThat(f.location().line()).isEqualTo(2);
        assertThat(f.object()).isEqualTo("shop.order_status");
        none(script("""
                BEGIN;
                ALTER TYPE shop.order_status ADD VALUE 'refunded';
                COMMIT;
                UPDATE shop.orders SET status = 'refunded' WHERE refund_id IS NOT NULL;
                """, 12), LintRule.ENUM_ADD_VALUE_IN_TRANSACTION);
    }

    @Test
    void transactions_nestedAndUncommitted() {
        List<Finding> findings = script("""
                BEGIN;
                CREATE TABLE a (id bigint);
                BEGIN;
                CREATE TABLE b (id bigint);
                COMMIT;
                START TRANSACTION;
                CREATE TABLE c (id bigint);
                """);

        assertThat(single(findings, LintRule.NESTED_TRANSACTION).location().line()).isEqualTo(3);
        Finding open = single(findings, LintRule.UNCOMMITTED_TRANSACTION);
        assertThat(open.location().line()).isEqualTo(6);
        assertThat(open.remedy()).startsWith("COMMIT;");
    }
}
