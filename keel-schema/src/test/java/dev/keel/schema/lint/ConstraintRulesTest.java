package dev.keel.schema.lint;

import static dev.keel.schema.lint.Lint.none;
import static dev.keel.schema.lint.Lint.script;
import static dev.keel.schema.lint.Lint.single;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Severity;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConstraintRulesTest {

    @Test
    void check_withoutNotValidScansUnderAccessExclusiveLock() {
        List<Finding> findings = script("""
                SET lock_timeout = '5s';
                ALTER TABLE shop.products ADD CONSTRAINT products_weight_check CHECK (weight > 0);
                """);

        Finding f = single(findings, LintRule.CHECK_WITHOUT_NOT_VALID);
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.object()).isEqualTo("shop.products");
        assertThat(f.location().line()).isEqualTo(2);
        assertThat(f.evidence()).containsEntry("lockMode", "AccessExclusiveLock").containsEntry("rewrite", false)
                .containsEntry("scan", true);
        assertThat(f.remedy()).isEqualTo("""
                ALTER TABLE shop.products ADD CONSTRAINT products_weight_check CHECK (weight > 0) NOT VALID;  -- new rows are checked from now on
                ALTER TABLE shop.products VALIDATE CONSTRAINT products_weight_check;  -- ShareUpdateExclusiveLock: reads and writes go on""");
    }

    @Test
    void check_safeFormIsQuiet() {
        assertThat(script("""
                SET lock_timeout = '5s';
                ALTER TABLE shop.products ADD CONSTRAINT products_weight_check CHECK (weight > 0) NOT VALID;
                ALTER TABLE shop.products VALIDATE CONSTRAINT products_weight_check;
                """)).isEmpty();
    }

    @Test
    void check_unnamedGetsANameInTheRemedy() {
        Finding f = single(script("ALTER TABLE t ADD CHECK (a > 0);"), LintRule.CHECK_WITHOUT_NOT_VALID);

        assertThat(f.remedy()).startsWith("ALTER TABLE t ADD CONSTRAINT t_check CHECK (a > 0) NOT VALID;");
    }

    @Test
    void foreignKey_withoutNotValidBlocksWritesOnBothTables() {
        List<Finding> findings = script("""
                SET lock_timeout = '5s';
                ALTER TABLE shop.order_lines ADD FOREIGN KEY (product_id) REFERENCES shop.products (product_id);
                """);

        Finding f = single(findings, LintRule.FOREIGN_KEY_WITHOUT_NOT_VALID);
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.evidence()).containsEntry("lockMode", "ShareRowExclusiveLock").containsEntry("scan", true);
        assertThat(f.message()).contains("shop.products");
        assertThat(f.remedy()).isEqualTo("""
                ALTER TABLE shop.order_lines ADD CONSTRAINT order_lines_product_id_fkey FOREIGN KEY (product_id) REFERENCES shop.products (product_id) NOT VALID;  -- new rows are checked from now on
                ALTER TABLE shop.order_lines VALIDATE CONSTRAINT order_lines_product_id_fkey;  -- ShareUpdateExclusiveLock; RowShareLock on shop.products""");
    }

    @Test
    void foreignKey_notValidThenValidateIsQuiet() {
        assertThat(script("""
                SET lock_timeout = '5s';
                ALTER TABLE shop.order_lines ADD CONSTRAINT fk FOREIGN KEY (product_id) REFERENCES shop.products NOT VALID;
                ALTER TABLE shop.order_lines VALIDATE CONSTRAINT fk;
                """)).isEmpty();
    }

    @Test
    void unique_withoutUsingIndexBuildsItUnderTheLock() {
        Finding f = single(script("ALTER TABLE shop.customers ADD CONSTRAINT customers_email_key UNIQUE (email);"),
                LintRule.CONSTRAINT_BUILDS_INDEX);

        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.evidence()).containsEntry("lockMode", "AccessExclusiveLock").containsEntry("rewrite", false)
                .containsEntry("scan", true);
        assertThat(f.remedy()).isEqualTo("""
                CREATE UNIQUE INDEX CONCURRENTLY customers_email_key ON shop.customers (email);  -- outside BEGIN ... COMMIT
                ALTER TABLE shop.customers ADD CONSTRAINT customers_email_key UNIQUE USING INDEX customers_email_key;""");
    }

    @Test
    void primaryKey_withoutUsingIndexAlsoSetsNotNull() {
        Finding f = single(script("ALTER TABLE audit_events ADD PRIMARY KEY (event_id);"), LintRule.CONSTRAINT_BUILDS_INDEX);

        assertThat(f.message()).contains("NOT NULL");
        assertThat(f.remedy()).contains("CREATE UNIQUE INDEX CONCURRENTLY audit_events_pkey ON audit_events (event_id);",
                "ADD CONSTRAINT audit_events_pkey PRIMARY KEY USING INDEX audit_events_pkey;");
    }

    @Test
    void uniqueAndPrimaryKey_usingAPrebuiltIndexAreQuiet() {
        List<Finding> findings = script("""
                ALTER TABLE shop.customers ADD CONSTRAINT customers_email_key UNIQUE USING INDEX customers_email_key;
                ALTER TABLE audit_events ADD CONSTRAINT audit_events_pkey PRIMARY KEY USING INDEX audit_events_pkey;
                """);

        none(findings, LintRule.CONSTRAINT_BUILDS_INDEX);
    }

    @Test
    void exclusionConstraint_hasNoOnlineForm() {
        Finding f = single(script("ALTER TABLE booking ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);"),
                LintRule.CONSTRAINT_BUILDS_INDEX);

        assertThat(f.remedy()).contains("no online form");
    }

    @Test
    void domainConstraint_withoutNotValidScansEveryColumnOfTheDomain() {
        List<Finding> findings = script("ALTER DOMAIN shop.price ADD CONSTRAINT price_positive CHECK (VALUE > 0);");

        Finding f = single(findings, LintRule.DOMAIN_CONSTRAINT_WITHOUT_NOT_VALID);
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.object()).isEqualTo("shop.price");
        assertThat(f.evidence()).containsEntry("lockMode", "ShareLock").containsEntry("scan", true);
        assertThat(f.remedy()).startsWith(
                "ALTER DOMAIN shop.price ADD CONSTRAINT price_positive CHECK (VALUE > 0) NOT VALID;");
        none(script("ALTER DOMAIN shop.price ADD CONSTRAINT price_positive CHECK (VALUE > 0) NOT VALID;"),
                LintRule.DOMAIN_CONSTRAINT_WITHOUT_NOT_VALID);
        single(script("ALTER DOMAIN shop.price SET NOT NULL;"), LintRule.DOMAIN_CONSTRAINT_WITHOUT_NOT_VALID);
    }

    @Test
    void domainCreatedInTheFile_isExemptButItsConstraintIsNoted() {
        List<Finding> findings = script("""
                CREATE DOMAIN shop.price AS numeric(12,2) CHECK (VALUE >= 0);
                ALTER DOMAIN shop.price ADD CONSTRAINT price_cap CHECK (VALUE < 1000000);
                """);

        assertThat(Lint.rules(findings)).containsExactly(LintRule.CREATE_DOMAIN_WITH_CONSTRAINT.id());
        assertThat(findings.get(0).severity()).isEqualTo(Severity.INFO);
    }
}
