package dev.keel.schema.lint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Severity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The lint on migrations nobody wrote for it: the sample shop's (examples/commerce) and Pagila's pg_dump schema.
 * They create their tables, so no lock rule may fire; the style findings that do fire are the schema smells the
 * sample keeps on purpose (its README lists them).
 */
class RealMigrationsTest {

    private static List<Finding> lintExample(String name) throws IOException {
        Path file = repositoryRoot().resolve("examples/commerce/db/migrations").resolve(name);
        return MigrationLinter.lint("db/migrations/" + name, Files.readString(file), LintContext.defaults());
    }

    @Test
    void v1_createCustomers_isClean() throws IOException {
        // a bigint identity key, timestamptz, text: nothing to say ("marketingOptIn" is the design lint's business)
        assertThat(lintExample("V1__create_customers.sql")).isEmpty();
    }

    @Test
    void v2_createProducts_reportsTheDeliberateSerialKey() throws IOException {
        // categories.category_id serial with a table-level PRIMARY KEY: a 32-bit key, and serial instead of identity
        assertThat(lintExample("V2__create_products.sql"))
                .extracting(Finding::rule, Finding::object, Finding::severity, f -> f.location().line())
                .containsExactly(
                        Tuple.tuple("lint.int-primary-key", "shop.categories.category_id", Severity.WARNING, 7),
                        Tuple.tuple("lint.prefer-identity", "shop.categories.category_id", Severity.WARNING, 7));
    }

    @Test
    void v3_createOrders_reportsTheDeliberateTimestamp() throws IOException {
        // indexes, a trigger and stored generated columns on tables this file creates: no lock finding
        assertThat(lintExample("V3__create_orders.sql"))
                .extracting(Finding::rule, Finding::object, f -> f.location().line())
                .containsExactly(Tuple.tuple("lint.timestamp-without-time-zone", "shop.orders.shipped_at", 10));
    }

    @Test
    void v4AndV5_partitionsAndAnAuditLog_areClean() throws IOException {
        assertThat(lintExample("V4__create_payments.sql")).isEmpty();
        assertThat(lintExample("V5__create_audit_events.sql")).isEmpty();
    }

    @Test
    void v6_addNullableColumn_onlyLacksALockTimeout() throws IOException {
        // adding a nullable column without a default is catalog-only, but still needs an AccessExclusiveLock
        // for a moment, and without lock_timeout that moment can queue every query on shop.orders
        assertThat(lintExample("V6__add_order_coupon_code.sql"))
                .extracting(Finding::rule, Finding::object, Finding::severity, f -> f.location().line())
                .containsExactly(Tuple.tuple("lint.missing-lock-timeout", "shop.orders", Severity.WARNING, 5));
    }

    @Test
    void repeatableViews_areClean() throws IOException {
        assertThat(lintExample("R__reporting_views.sql")).isEmpty();
    }

    @Test
    void pagilaSchemaDump_hasNoLockFindings() throws IOException {
        Path schema = repositoryRoot().resolveSibling("shared").resolve("workloads/pagila/pagila-schema.sql");
        Assumptions.assumeTrue(Files.isRegularFile(schema), "Pagila is not at " + schema);

        List<Finding> findings = MigrationLinter.lint("pagila-schema.sql", Files.readString(schema), LintContext.defaults());

        // pg_dump creates every table, sequence and view before it indexes, keys, references or re-owns it, so no
        // lock rule fires; what does fire is the schema's style: the "year" domain's CHECK, and language.name char(20)
        assertThat(findings)
                .extracting(Finding::rule, Finding::object, Finding::severity)
                .containsExactly(
                        Tuple.tuple(LintRule.CREATE_DOMAIN_WITH_CONSTRAINT.id(), "public.year", Severity.INFO),
                        Tuple.tuple(LintRule.CHAR_TYPE.id(), "public.language.name", Severity.WARNING));
    }

    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("examples/commerce"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no directory containing examples/commerce above " + Path.of("").toAbsolutePath());
    }
}
