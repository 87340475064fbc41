package dev.keel.schema.lint;

import static dev.keel.schema.lint.Lint.none;
import static dev.keel.schema.lint.Lint.script;
import static dev.keel.schema.lint.Lint.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Severity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlterColumnRulesTest {

    private static LintContext knowing(String column, String type) {
        return LintContext.defaults().withColumnTypes(Map.of(column, type));
    }

    @Test
    void intToBigint_rewritesEvenWithoutTheCurrentType() {
        List<Finding> findings = script("ALTER TABLE shop.orders ALTER COLUMN order_id TYPE bigint;");

        Finding f = single(findings, LintRule.COLUMN_TYPE_CHANGE);
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.object()).isEqualTo("shop.orders.order_id");
        assertThat(f.evidence()).containsEntry("lockMode", "AccessExclusiveLock").containsEntry("rewrite", true)
                .containsEntry("scan", true);
        assertThat(f.remedy()).contains("ALTER TABLE shop.orders ADD COLUMN order_id_new bigint;",
                "RENAME COLUMN order_id_new TO order_id;");
    }

    @Test
    void knownCurrentType_intToBigintNamesBothTypes() {
        List<Finding> findings = script("ALTER TABLE shop.orders ALTER COLUMN order_id SET DATA TYPE int8;",
                knowing("shop.orders.order_id", "integer"));

        assertThat(single(findings, LintRule.COLUMN_TYPE_CHANGE).message()).contains("from integer to bigint");
    }

    @Test
    void binaryCoercibleChanges_doNotRewrite() {
        Map<String, String> current = Map.of(
                "public.t.a", "character varying(20)",
                "public.t.b", "character varying(20)",
                "public.t.c", "character varying",
                "public.t.d", "text",
                "public.t.e", "numeric(10,2)",
                "public.t.f", "numeric(10,2)",
                "public.t.g", "bit varying(8)",
                "public.t.h", "cidr",
                "public.t.i", "timestamp(3) without time zone");
        List<Finding> findings = script("""
                ALTER TABLE t ALTER COLUMN a TYPE varchar(40);
                ALTER TABLE t ALTER COLUMN b TYPE text;
                ALTER TABLE t ALTER COLUMN c TYPE text;
                ALTER TABLE t ALTER COLUMN d TYPE varchar;
                ALTER TABLE t ALTER COLUMN e TYPE numeric(12,2);
                ALTER TABLE t ALTER COLUMN f TYPE numeric;
                ALTER TABLE t ALTER COLUMN g TYPE varbit(16);
                ALTER TABLE t ALTER COLUMN h TYPE inet;
                ALTER TABLE t ALTER COLUMN i TYPE timestamp(6);
                """, LintContext.defaults().withColumnTypes(current));

        none(findings, LintRule.COLUMN_TYPE_CHANGE);
    }

    @Test
    void shrinkingOrRescaling_rewrites() {
        Map<String, String> current = Map.of(
                "public.t.a", "character varying(20)",
                "public.t.b", "text",
                "public.t.c", "numeric(10,2)",
                "public.t.d", "json");
        List<Finding> findings = script("""
                ALTER TABLE t ALTER COLUMN a TYPE varchar(10);
                ALTER TABLE t ALTER COLUMN b TYPE varchar(10);
                ALTER TABLE t ALTER COLUMN c TYPE numeric(12,3);
                ALTER TABLE t ALTER COLUMN d TYPE jsonb USING d::jsonb;
                """, LintContext.defaults().withColumnTypes(current));

        assertThat(Lint.of(findings, LintRule.COLUMN_TYPE_CHANGE))
                .extracting(Finding::object, Finding::severity)
                .containsExactly(
                        tuple("public.t.a", Severity.ERROR),
                        tuple("public.t.b", Severity.ERROR),
                        tuple("public.t.c", Severity.ERROR),
                        tuple("public.t.d", Severity.ERROR));
    }

    @Test
    void unknownCurrentType_possiblyFreeChangeIsAWarningWithoutRewriteEvidence() {
        List<Finding> findings = script("ALTER TABLE t ALTER COLUMN name TYPE varchar(200);");

        Finding f = single(findings, LintRule.COLUMN_TYPE_CHANGE);
        assertThat(f.severity()).isEqualTo(Severity.WARNING);
        assertThat(f.evidence()).containsEntry("lockMode", "AccessExclusiveLock").doesNotContainKeys("rewrite", "scan");
        assertThat(f.message()).contains("does not know the current type");
    }

    @Test
    void timestampToTimestamptz_isFreeOnlyInUtcFrom12() {
        LintContext current = knowing("public.t.at", "timestamp without time zone");

        Finding pg12 = single(script("ALTER TABLE t ALTER COLUMN at TYPE timestamptz;", current.withPgMajor(12)),
                LintRule.COLUMN_TYPE_CHANGE);
        Finding pg11 = single(script("ALTER TABLE t ALTER COLUMN at TYPE timestamptz;", current.withPgMajor(11)),
                LintRule.COLUMN_TYPE_CHANGE);

        assertThat(pg12.severity()).isEqualTo(Severity.WARNING);
        assertThat(pg12.evidence()).containsEntry("rewrite", false);
        assertThat(pg12.remedy()).startsWith("SET timezone = 'UTC';");
        assertThat(pg11.severity()).isEqualTo(Severity.ERROR);
        assertThat(pg11.evidence()).containsEntry("rewrite", true);
    }

    @Test
    void setNotNull_scansUnderAccessExclusiveLock() {
        List<Finding> findings = script("""
                SET lock_timeout = '5s';
                ALTER TABLE shop.orders ALTER COLUMN customer_id SET NOT NULL;
                """);

        Finding f = single(findings, LintRule.SET_NOT_NULL);
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.location().line()).isEqualTo(2);
        assertThat(f.evidence()).containsEntry("lockMode", "AccessExclusiveLock").containsEntry("rewrite", false)
                .containsEntry("scan", true);
        assertThat(f.remedy()).isEqualTo("""
                ALTER TABLE shop.orders ADD CONSTRAINT orders_customer_id_not_null CHECK (customer_id IS NOT NULL) NOT VALID;
                ALTER TABLE shop.orders VALIDATE CONSTRAINT orders_customer_id_not_null;  -- scans without blocking reads or writes
                ALTER TABLE shop.orders ALTER COLUMN customer_id SET NOT NULL;  -- uses the validated check: no scan
                ALTER TABLE shop.orders DROP CONSTRAINT orders_customer_id_not_null;""");
    }

    @Test
    void setNotNull_afterAValidatedCheckIsFreeFrom12() {
        String safe = """
                SET lock_timeout = '5s';
                ALTER TABLE shop.orders ADD CONSTRAINT orders_customer_id_not_null CHECK (customer_id IS NOT NULL) NOT VALID;
                ALTER TABLE shop.orders VALIDATE CONSTRAINT orders_customer_id_not_null;
                ALTER TABLE shop.orders ALTER COLUMN customer_id SET NOT NULL;
                ALTER TABLE shop.orders DROP CONSTRAINT orders_customer_id_not_null;
                """;

        assertThat(script(safe, 12)).isEmpty();
        Finding pg11 = single(script(safe, 11), LintRule.SET_NOT_NULL);
        assertThat(pg11.remedy()).startsWith("-- before PostgreSQL 12 SET NOT NULL always scans");
    }

    @Test
    void setNotNull_anUnvalidatedCheckOrOneOnAnotherColumnDoesNotHelp() {
        List<Finding> notValidated = script("""
                ALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID;
                ALTER TABLE t ALTER COLUMN a SET NOT NULL;
                """);
        List<Finding> otherColumn = script("""
                ALTER TABLE t ADD CONSTRAINT c CHECK (b IS NOT NULL) NOT VALID;
                ALTER TABLE t VALIDATE CONSTRAINT c;
                ALTER TABLE t ALTER COLUMN a SET NOT NULL;
                """);

        assertThat(single(notValidated, LintRule.SET_NOT_NULL).location().line()).isEqualTo(2);
        assertThat(single(otherColumn, LintRule.SET_NOT_NULL).location().line()).isEqualTo(3);
    }

    @Test
    void dropNotNull_warnsThatOldCodeMaySeeNulls() {
        Finding f = single(script("ALTER TABLE t ALTER COLUMN a DROP NOT NULL;"), LintRule.DROP_NOT_NULL);

        assertThat(f.severity()).isEqualTo(Severity.WARNING);
    }

    @Test
    void setExpression_rewrites() {
        Finding f = single(script("ALTER TABLE t ALTER COLUMN total SET EXPRESSION AS (a + b);", 17),
                LintRule.REWRITING_ALTER_TABLE);

        assertThat(f.evidence()).containsEntry("rewrite", true);
    }

    @Test
    void multipleActions_eachIsJudged() {
        List<Finding> findings = script("""
                ALTER TABLE shop.orders
                    ADD COLUMN note text,
                    ALTER COLUMN total TYPE bigint,
                    ALTER COLUMN customer_id SET NOT NULL,
                    ADD CONSTRAINT orders_total_check CHECK (total >= 0),
                    DROP COLUMN legacy;
                """);

        assertThat(Lint.rules(findings)).containsExactly(
                LintRule.COLUMN_TYPE_CHANGE.id(),
                LintRule.SET_NOT_NULL.id(),
                LintRule.CHECK_WITHOUT_NOT_VALID.id(),
                LintRule.DROP_COLUMN.id(),
                LintRule.MISSING_LOCK_TIMEOUT.id());
        assertThat(findings).allSatisfy(f -> assertThat(f.location().line()).isEqualTo(1));
    }
}
