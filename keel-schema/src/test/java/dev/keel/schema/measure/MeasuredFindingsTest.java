package dev.keel.schema.measure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Severity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeasuredFindingsTest {

    private static final String FILE = "db/migrations/V7__change.sql";

    private static Measurement measured(String sql, List<Measurement.Lock> locks, List<Measurement.Relation> rewritten,
                                        List<Measurement.Scan> scanned, long millis) {
        return new Measurement(sql, 4, Measurement.Outcome.MEASURED, "", true, locks, rewritten, scanned, millis);
    }

    private static Measurement.Lock lock(String relation, String mode) {
        return new Measurement.Lock(relation, "table", mode);
    }

    private static Finding only(List<Finding> findings) {
        assertThat(findings).hasSize(1);
        return findings.get(0);
    }

    @Test
    void rewrite_isAnError_withEvidenceInTheDocumentedOrder() {
        Measurement m = measured("alter table shop.orders alter column order_id type bigint",
                List.of(lock("shop.orders", "AccessExclusiveLock"),
                        new Measurement.Lock("shop.orders_pkey", "index", "AccessExclusiveLock")),
                List.of(new Measurement.Relation("shop.orders", "table"), new Measurement.Relation("shop.orders_pkey", "index")),
                List.of(new Measurement.Scan("shop.orders", 1, 5000)), 12);

        Finding f = only(MeasuredFindings.findings(FILE, List.of(m)));

        assertThat(f.rule()).isEqualTo("lint.measured.rewrite");
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.object()).isEqualTo("shop.orders");
        assertThat(f.location()).isEqualTo(new Finding.Location(FILE, 4));
        assertThat(f.evidence().keySet()).containsExactly("statement", "lockMode", "rewrite", "scan", "locks", "millis", "basis");
        assertThat(f.evidence()).containsEntry("lockMode", "AccessExclusiveLock").containsEntry("rewrite", true)
                .containsEntry("scan", true).containsEntry("millis", 12L).containsEntry("basis", "measurement")
                .containsEntry("locks", List.of("shop.orders: AccessExclusiveLock", "shop.orders_pkey: AccessExclusiveLock"));
    }

    @Test
    void scanUnderAccessExclusiveLock_isAnError() {
        Measurement m = measured("alter table shop.orders add constraint c check (total >= 0)",
                List.of(lock("shop.orders", "AccessExclusiveLock")), List.of(),
                List.of(new Measurement.Scan("shop.orders", 1, 5000)), 3);

        Finding f = only(MeasuredFindings.findings(FILE, List.of(m)));

        assertThat(f.rule()).isEqualTo("lint.measured.scan-under-lock");
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.evidence()).containsEntry("scan", true).containsEntry("rewrite", false);
    }

    @Test
    void briefAccessExclusiveLock_isInfo_butAWarningWhenItTookASecondEvenOnTheScratchCopy() {
        Measurement brief = measured("alter table shop.orders add column note text",
                List.of(lock("shop.orders", "AccessExclusiveLock")), List.of(), List.of(), 2);
        Measurement slow = measured("alter table shop.orders add column note text",
                List.of(lock("shop.orders", "AccessExclusiveLock")), List.of(), List.of(), 1500);

        Finding briefFinding = only(MeasuredFindings.findings(FILE, List.of(brief)));
        Finding slowFinding = only(MeasuredFindings.findings(FILE, List.of(slow)));

        assertThat(briefFinding.rule()).isEqualTo("lint.measured.access-exclusive-lock");
        assertThat(briefFinding.severity()).isEqualTo(Severity.INFO);
        assertThat(slowFinding.severity()).isEqualTo(Severity.WARNING);
        assertThat(slowFinding.message()).contains("1500 ms");
    }

    @Test
    void foreignKey_scanUnderShareRowExclusive_isAnErrorOnBothTables() {
        Measurement m = measured("alter table shop.orders add foreign key (customer_id) references shop.customers",
                List.of(lock("shop.customers", "ShareRowExclusiveLock"), lock("shop.orders", "ShareRowExclusiveLock")),
                List.of(), List.of(new Measurement.Scan("shop.orders", 1, 5000)), 5);

        List<Finding> findings = MeasuredFindings.findings(FILE, List.of(m));

        assertThat(findings).extracting(Finding::rule, Finding::object).containsExactly(
                org.assertj.core.groups.Tuple.tuple("lint.measured.scan-under-lock", "shop.customers"),
                org.assertj.core.groups.Tuple.tuple("lint.measured.scan-under-lock", "shop.orders"));
    }

    @Test
    void shareLockWithoutScan_isAWarning_andWeakLocksGiveNothing() {
        Measurement share = measured("lock table shop.orders in share mode",
                List.of(lock("shop.orders", "ShareLock")), List.of(), List.of(), 1);
        Measurement concurrent = new Measurement("create index concurrently i on shop.orders (placed_at)", 9,
                Measurement.Outcome.MEASURED, "", false, List.of(lock("shop.orders", "ShareUpdateExclusiveLock")),
                List.of(), List.of(new Measurement.Scan("shop.orders", 2, 10000)), 40);
        Measurement insert = measured("insert into shop.orders default values",
                List.of(lock("shop.orders", "RowExclusiveLock")), List.of(), List.of(), 1);

        Finding f = only(MeasuredFindings.findings(FILE, List.of(share, concurrent, insert)));

        assertThat(f.rule()).isEqualTo("lint.measured.blocks-writes");
        assertThat(f.severity()).isEqualTo(Severity.WARNING);
        assertThat(f.evidence()).containsEntry("lockMode", "ShareLock");
    }

    @Test
    void locksOnIndexesAlone_andSkippedStatements_giveNothing() {
        Measurement index = measured("alter index shop.orders_pkey rename to orders_pk",
                List.of(new Measurement.Lock("shop.orders_pkey", "index", "AccessExclusiveLock")), List.of(), List.of(), 1);
        Measurement skipped = Measurement.skipped("begin", 1, false, "transaction control");

        assertThat(MeasuredFindings.findings(FILE, List.of(index, skipped))).isEmpty();
    }

    @Test
    void failedStatement_isAWarningWithTheServersError() {
        Measurement failed = new Measurement("alter table shop.nope add column x int", 7, Measurement.Outcome.FAILED,
                "relation \"shop.nope\" does not exist (SQLSTATE 42P01)", true, List.of(), List.of(), List.of(), 0);

        Finding f = only(MeasuredFindings.findings(FILE, List.of(failed)));

        assertThat(f.rule()).isEqualTo("lint.measured.failed");
        assertThat(f.severity()).isEqualTo(Severity.WARNING);
        assertThat(f.location().line()).isEqualTo(7);
        assertThat(f.evidence()).containsEntry("error", "relation \"shop.nope\" does not exist (SQLSTATE 42P01)");
    }

    @Test
    void statementEvidence_isCutAt200Characters() {
        String longSql = "alter table shop.orders add column c int -- " + "x".repeat(300);
        Measurement m = measured(longSql, List.of(lock("shop.orders", "AccessExclusiveLock")), List.of(), List.of(), 1);

        assertThat((String) only(MeasuredFindings.findings(FILE, List.of(m))).evidence().get("statement")).hasSize(200);
    }

    // ---- merge ------------------------------------------------------------------------------------------------

    private static Finding rule(String id, Severity severity, String object, int line, Map<String, Object> evidence) {
        return new Finding(id, severity, object, "static message", "static remedy", evidence, new Finding.Location(FILE, line));
    }

    private static Map<String, Object> ruleEvidence(String lockMode, Boolean rewrite, Boolean scan, Long rows) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("statement", "alter table shop.orders add column token uuid default gen_random_uuid()");
        e.put("lockMode", lockMode);
        if (rewrite != null) {
            e.put("rewrite", rewrite);
        }
        if (scan != null) {
            e.put("scan", scan);
        }
        if (rows != null) {
            e.put("rows", rows);
        }
        e.put("basis", "rule");
        return e;
    }

    @Test
    void merge_sameLineAndTable_becomesOneFindingWithBasisBoth_measuredLockFactsWin() {
        Finding fromRule = rule("lint.add-column-volatile-default", Severity.ERROR, "shop.orders.token", 4,
                ruleEvidence("ShareLock", true, null, 5000L));
        Measurement m = measured("alter table shop.orders add column token uuid default gen_random_uuid()",
                List.of(lock("shop.orders", "AccessExclusiveLock")), List.of(new Measurement.Relation("shop.orders", "table")),
                List.of(new Measurement.Scan("shop.orders", 1, 5000)), 20);
        List<Finding> measured = MeasuredFindings.findings(FILE, List.of(m));

        Finding merged = only(MeasuredFindings.merge(List.of(fromRule), measured));

        assertThat(merged.rule()).isEqualTo("lint.add-column-volatile-default");
        assertThat(merged.object()).isEqualTo("shop.orders.token");
        assertThat(merged.remedy()).isEqualTo("static remedy");
        assertThat(merged.severity()).isEqualTo(Severity.ERROR);
        assertThat(merged.evidence().keySet())
                .containsExactly("statement", "lockMode", "rewrite", "scan", "rows", "locks", "millis", "basis");
        assertThat(merged.evidence()).containsEntry("lockMode", "AccessExclusiveLock").containsEntry("rewrite", true)
                .containsEntry("scan", true).containsEntry("rows", 5000L).containsEntry("millis", 20L)
                .containsEntry("basis", "both");
    }

    @Test
    void merge_keepsAMeasuredErrorThatNoStaticFindingAsSevereCovers() {
        Finding timeout = rule("lint.missing-lock-timeout", Severity.WARNING, "shop.orders", 4,
                ruleEvidence("AccessExclusiveLock", null, null, null));
        Measurement m = measured("alter table shop.orders add constraint c check (total > 0)",
                List.of(lock("shop.orders", "AccessExclusiveLock")), List.of(),
                List.of(new Measurement.Scan("shop.orders", 1, 10)), 2);
        List<Finding> measured = MeasuredFindings.findings(FILE, List.of(m));

        List<Finding> merged = MeasuredFindings.merge(List.of(timeout), measured);

        assertThat(merged).extracting(Finding::rule)
                .containsExactly("lint.missing-lock-timeout", "lint.measured.scan-under-lock");
        assertThat(merged.get(0).evidence()).containsEntry("basis", "both").containsEntry("scan", true);
        assertThat(merged.get(1).evidence()).containsEntry("basis", "measurement");
    }

    @Test
    void merge_leavesOtherLinesTablesAndStyleFindingsAlone() {
        Finding otherLine = rule("lint.create-index-not-concurrently", Severity.ERROR, "shop.orders", 9,
                ruleEvidence("ShareLock", false, true, null));
        Finding otherTable = rule("lint.foreign-key-without-not-valid", Severity.ERROR, "shop.customers", 4,
                ruleEvidence("ShareRowExclusiveLock", false, true, null));
        Finding style = rule("lint.timestamp-without-time-zone", Severity.WARNING, "shop.orders.shipped", 4,
                Map.of("statement", "alter table shop.orders add column shipped timestamp", "basis", "rule"));
        Measurement m = measured("alter table shop.orders add column shipped timestamp",
                List.of(lock("shop.orders", "AccessExclusiveLock")), List.of(), List.of(), 1);
        List<Finding> measured = MeasuredFindings.findings(FILE, List.of(m));

        List<Finding> merged = MeasuredFindings.merge(List.of(otherLine, otherTable, style), measured);

        assertThat(merged).containsExactly(otherLine, otherTable, style, measured.get(0));
    }
}
