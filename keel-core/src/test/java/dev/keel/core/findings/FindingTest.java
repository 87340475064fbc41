package dev.keel.core.findings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FindingTest {

    private static final Finding NO_PK = Finding.of("design.no-primary-key", Severity.ERROR, "public.orders",
            "Table public.orders has no primary key.", "ALTER TABLE public.orders ADD PRIMARY KEY (id);");

    @Test
    void of_requiresRuleSeverityObjectAndMessage() {
        assertThatThrownBy(() -> Finding.of(null, Severity.ERROR, "o", "m", "r")).hasMessage("null rule");
        assertThatThrownBy(() -> Finding.of("r", null, "o", "m", "r")).hasMessage("null severity");
        assertThatThrownBy(() -> Finding.of("r", Severity.ERROR, null, "m", "r")).hasMessage("null object");
        assertThatThrownBy(() -> Finding.of("r", Severity.ERROR, "o", null, "r")).hasMessage("null message");
        assertThatThrownBy(() -> Finding.of(" ", Severity.ERROR, "o", "m", "r")).hasMessage("blank rule");
    }

    @Test
    void of_treatsMissingRemedyAsEmpty() {
        assertThat(Finding.of("r", Severity.INFO, "o", "m", null).remedy()).isEmpty();
    }

    @Test
    void withEvidence_keepsInsertionOrderAndLeavesTheOriginalUnchanged() {
        Finding withFacts = NO_PK.withEvidence("rows", 1_200_000L).withEvidence("size", "96 MB")
                .withEvidence("lockMode", "AccessExclusiveLock");

        assertThat(withFacts.evidence()).containsExactly(
                Map.entry("rows", 1_200_000L), Map.entry("size", "96 MB"), Map.entry("lockMode", "AccessExclusiveLock"));
        assertThat(NO_PK.evidence()).isEmpty();
    }

    @Test
    void withEvidence_replacesAValueInPlace() {
        Finding finding = NO_PK.withEvidence("a", 1).withEvidence("b", 2).withEvidence("a", 3);

        assertThat(finding.evidence()).containsExactly(Map.entry("a", 3), Map.entry("b", 2));
    }

    @Test
    void evidence_isAnUnmodifiableCopy() {
        Map<String, Object> facts = new HashMap<>(Map.of("rows", 5));
        Finding finding = new Finding("r", Severity.INFO, "o", "m", "", facts, null);
        facts.put("rows", 6);

        assertThat(finding.evidence()).containsEntry("rows", 5);
        assertThatThrownBy(() -> finding.evidence().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void at_returnsACopyWithALocation() {
        Finding located = NO_PK.at("db/migration/V3__orders.sql", 12);

        assertThat(located.location()).isEqualTo(new Finding.Location("db/migration/V3__orders.sql", 12));
        assertThat(NO_PK.location()).isNull();
        assertThat(located.rule()).isEqualTo(NO_PK.rule());
    }

    @Test
    void location_rejectsNegativeLineAndBlankFile() {
        assertThatThrownBy(() -> NO_PK.at("V1.sql", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NO_PK.at(" ", 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
