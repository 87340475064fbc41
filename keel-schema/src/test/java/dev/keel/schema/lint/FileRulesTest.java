package dev.keel.schema.lint;

import static dev.keel.schema.lint.Lint.none;
import static dev.keel.schema.lint.Lint.script;
import static dev.keel.schema.lint.Lint.single;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Severity;
import dev.keel.core.sql.SqlStatement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Rules and mechanics that span a file: lock_timeout, suppression comments, disabled rules, the direct API. */
class FileRulesTest {

    @Test
    void missingLockTimeout_onceAtTheFirstBlockingStatement() {
        List<Finding> findings = script("""
                CREATE TABLE shop.coupons (code text PRIMARY KEY);
                ALTER TABLE shop.coupons ADD COLUMN percent numeric;
                ALTER TABLE shop.orders ADD COLUMN coupon_code text;
                ALTER TABLE shop.customers ADD COLUMN coupon_code text;
                """);

        Finding f = single(findings, LintRule.MISSING_LOCK_TIMEOUT);
        assertThat(f.severity()).isEqualTo(Severity.WARNING);
        assertThat(f.object()).isEqualTo("shop.orders");
        assertThat(f.location().line()).isEqualTo(3);
        assertThat(f.evidence()).containsExactly(
                Map.entry("statement", "ALTER TABLE shop.orders ADD COLUMN coupon_code text"),
                Map.entry("lockMode", "AccessExclusiveLock"),
                Map.entry("basis", "rule"));
        assertThat(f.message()).contains("Keel's migration runner sets lock_timeout itself; Flyway and psql do not.");
        assertThat(f.remedy()).startsWith("SET lock_timeout = '5s';");
    }

    @Test
    void missingLockTimeout_quietWhenSetFirst() {
        assertThat(script("""
                SET lock_timeout TO '2s';
                ALTER TABLE shop.orders ADD COLUMN coupon_code text;
                """)).isEmpty();
        assertThat(script("""
                SELECT set_config('lock_timeout', '2s', false);
                ALTER TABLE shop.orders ADD COLUMN coupon_code text;
                """)).isEmpty();
        assertThat(script("""
                BEGIN;
                SET LOCAL lock_timeout = '2s';
                ALTER TABLE shop.orders ADD COLUMN coupon_code text;
                COMMIT;
                """)).isEmpty();
    }

    @Test
    void missingLockTimeout_zeroResetOrAnEndedLocalSettingDoNotCount() {
        single(script("""
                SET lock_timeout = 0;
                ALTER TABLE shop.orders ADD COLUMN a text;
                """), LintRule.MISSING_LOCK_TIMEOUT);
        single(script("""
                SET lock_timeout = '2s';
                RESET lock_timeout;
                ALTER TABLE shop.orders ADD COLUMN a text;
                """), LintRule.MISSING_LOCK_TIMEOUT);
        Finding afterCommit = single(script("""
                BEGIN;
                SET LOCAL lock_timeout = '2s';
                ALTER TABLE shop.orders ADD COLUMN a text;
                COMMIT;
                CREATE INDEX orders_a_idx ON shop.orders (a);
                """), LintRule.MISSING_LOCK_TIMEOUT);
        assertThat(afterCommit.location().line()).isEqualTo(5);
        assertThat(afterCommit.evidence()).containsEntry("lockMode", "ShareLock");
    }

    @Test
    void missingLockTimeout_notForStatementsThatDoNotBlockWrites() {
        assertThat(script("""
                CREATE INDEX CONCURRENTLY orders_a_idx ON shop.orders (a);
                ALTER TABLE shop.orders VALIDATE CONSTRAINT orders_a_check;
                ALTER TABLE shop.orders ALTER COLUMN a SET STATISTICS 500;
                COMMENT ON TABLE shop.orders IS 'orders';
                """)).isEmpty();
    }

    @Test
    void suppression_onTheLineBeforeTheStatement() {
        List<Finding> findings = script("""
                SET lock_timeout = '5s';
                -- keel:ignore lint.drop-column (nothing reads it since release 42)
                ALTER TABLE shop.orders DROP COLUMN legacy_ref;
                ALTER TABLE shop.orders DROP COLUMN legacy_note;
                """);

        assertThat(single(findings, LintRule.DROP_COLUMN).location().line()).isEqualTo(4);
    }

    @Test
    void suppression_inABlockOfCommentsOrOnTheStatementsLine() {
        List<Finding> findings = script("""
                SET lock_timeout = '5s';
                -- keel:ignore lint.create-index-not-concurrently, lint.drop-table
                -- the table is tiny and written once a day
                CREATE INDEX ON shop.settings (name);
                DROP TABLE shop.legacy; -- keel:ignore lint.drop-table
                """);

        assertThat(findings).isEmpty();
    }

    @Test
    void suppression_namesOnlyTheRulesItLists() {
        List<Finding> findings = script("""
                -- keel:ignore lint.missing-lock-timeout
                ALTER TABLE shop.orders ALTER COLUMN a SET NOT NULL;
                """);

        assertThat(Lint.rules(findings)).containsExactly(LintRule.SET_NOT_NULL.id());
    }

    @Test
    void suppression_insideTheStatementTextWorksWithTheStatementApi() {
        List<SqlStatement> statements = List.of(
                SqlStatement.of("SET lock_timeout = '5s'", 1),
                SqlStatement.of("ALTER TABLE shop.orders -- keel:ignore lint.drop-column\n    DROP COLUMN legacy_ref", 2),
                SqlStatement.of("ALTER TABLE shop.orders DROP COLUMN legacy_note", 4));

        List<Finding> findings = MigrationLinter.lint("V8__drop.sql", statements, LintContext.defaults());

        assertThat(findings).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo(LintRule.DROP_COLUMN.id());
            assertThat(f.location()).isEqualTo(new Finding.Location("V8__drop.sql", 4));
        });
    }

    @Test
    void disabledRules_areNotRun() {
        LintContext context = LintContext.defaults()
                .withDisabledRules(Set.of(LintRule.MISSING_LOCK_TIMEOUT.id(), LintRule.DROP_COLUMN.id()));

        assertThat(script("ALTER TABLE shop.orders DROP COLUMN legacy_ref;", context)).isEmpty();
    }

    @Test
    void statementApi_linesComeFromTheStatements() {
        List<Finding> findings = MigrationLinter.lint("V9__index.sql",
                List.of(SqlStatement.of("SET lock_timeout = '5s'", 3), SqlStatement.of("CREATE INDEX ON t (a)", 17)),
                LintContext.defaults());

        assertThat(findings).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo(LintRule.CREATE_INDEX_NOT_CONCURRENTLY.id());
            assertThat(f.object()).isEqualTo("public.t");
            assertThat(f.location().line()).isEqualTo(17);
        });
    }

    @Test
    void statementEvidence_isTheFirst200Characters() {
        String longStatement = "UPDATE shop.orders SET note = '" + "x".repeat(300) + "'";

        Finding f = single(script(longStatement + ";"), LintRule.UPDATE_ALL_ROWS);

        assertThat((String) f.evidence().get("statement")).isEqualTo(longStatement.substring(0, 200));
    }

    @Test
    void wordsInsideStringsAndCommentsAndBodies_areNotStatements() {
        assertThat(script("""
                SET lock_timeout = '5s';
                COMMENT ON TABLE shop.orders IS 'ALTER TABLE x DROP COLUMN y; CREATE INDEX ON z (a)';
                /* DROP TABLE shop.orders; */
                DO $$ BEGIN EXECUTE 'DROP TABLE shop.orders'; END $$;
                CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $body$ TRUNCATE shop.orders CASCADE $body$;
                """)).isEmpty();
    }

    @Test
    void unknownStatements_areLeftAlone() {
        assertThat(script("""
                GRANT SELECT ON shop.orders TO reporting;
                INSERT INTO shop.settings (name, value) VALUES ('a', 'b');
                CREATE EXTENSION IF NOT EXISTS pg_trgm;
                ALTER TABLE;
                ALTER TABLE shop.orders;
                CREATE INDEX;
                """)).extracting(Finding::rule).isEmpty();
    }
}
