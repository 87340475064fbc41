package dev.keel.schema.review;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Severity;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationReviewTest {

    private static Finding finding(String rule, Severity severity, String object, String basis, int line) {
        return Finding.of(rule, severity, object, "m", "").withEvidence("basis", basis).at("V7__x.sql", line);
    }

    @Test
    void dropCovered_dropsMeasuredFindingsOnPartitionsOfAStatementAStaticErrorAlreadyReports() {
        Finding check = finding("lint.check-without-not-valid", Severity.ERROR, "shop.payments", "both", 6);
        Finding partition1 = finding("lint.measured.scan-under-lock", Severity.ERROR, "shop.payments_2026_01", "measurement", 6);
        Finding partition2 = finding("lint.measured.scan-under-lock", Severity.ERROR, "shop.payments_2026_02", "measurement", 6);

        assertThat(MigrationReview.dropCovered(List.of(check, partition1, partition2))).containsExactly(check);
    }

    @Test
    void dropCovered_keepsMeasuredFindingsMoreSevereThanTheStaticOnesOrOnOtherStatements() {
        Finding timeout = finding("lint.missing-lock-timeout", Severity.WARNING, "shop.orders", "rule", 3);
        Finding rewrite = finding("lint.measured.rewrite", Severity.ERROR, "shop.orders", "measurement", 3);
        Finding elsewhere = finding("lint.measured.blocks-writes", Severity.WARNING, "shop.items", "measurement", 9);

        assertThat(MigrationReview.dropCovered(List.of(timeout, rewrite, elsewhere))).containsExactly(timeout, rewrite, elsewhere);
    }
}
