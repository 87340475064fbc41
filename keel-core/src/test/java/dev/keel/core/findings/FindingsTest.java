package dev.keel.core.findings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FindingsTest {

    private static Finding finding(String rule, Severity severity, String object) {
        return Finding.of(rule, severity, object, "message", "");
    }

    @ParameterizedTest(name = "worst {0}, --fail-on {1} -> exit {2}")
    @CsvSource({
        "ERROR,   ERROR,   1",
        "ERROR,   WARNING, 1",
        "ERROR,   INFO,    1",
        "WARNING, ERROR,   0",
        "WARNING, WARNING, 1",
        "WARNING, INFO,    1",
        "INFO,    ERROR,   0",
        "INFO,    WARNING, 0",
        "INFO,    INFO,    1",
    })
    void exitCode_isOneWhenAFindingReachesFailOn(Severity worst, Severity failOn, int expected) {
        Findings findings = Findings.of(finding("a.rule", worst, "public.t"), finding("b.rule", Severity.INFO, "public.u"));

        assertThat(findings.exitCode(failOn)).isEqualTo(expected);
    }

    @Test
    void exitCode_isZeroWithoutFindingsAtAnyFailOn() {
        for (Severity failOn : Severity.values()) {
            assertThat(Findings.empty().exitCode(failOn)).isZero();
        }
    }

    @Test
    void list_isSortedBySeverityDescThenRuleThenObject() {
        Finding infoA = finding("a.rule", Severity.INFO, "public.a");
        Finding warnB = finding("b.rule", Severity.WARNING, "public.a");
        Finding warnAz = finding("a.rule", Severity.WARNING, "public.z");
        Finding warnAa = finding("a.rule", Severity.WARNING, "public.a");
        Finding errorZ = finding("z.rule", Severity.ERROR, "public.z");

        Findings findings = Findings.of(infoA, warnB, warnAz, warnAa, errorZ);

        assertThat(findings.list()).containsExactly(errorZ, warnAa, warnAz, warnB, infoA);
    }

    @Test
    void of_givesTheSameReportWhateverTheInputOrder() {
        Finding a = finding("a.rule", Severity.WARNING, "public.a").at("V2.sql", 3);
        Finding b = finding("a.rule", Severity.WARNING, "public.a").at("V1.sql", 9);
        Finding c = finding("a.rule", Severity.WARNING, "public.a");

        assertThat(Findings.of(a, b, c)).isEqualTo(Findings.of(c, b, a));
        assertThat(Findings.of(a, b, c).list()).containsExactly(c, b, a);
    }

    @Test
    void list_isImmutable() {
        Findings findings = Findings.of(finding("a.rule", Severity.INFO, "x"));

        assertThatThrownBy(() -> findings.list().add(finding("b.rule", Severity.ERROR, "y")))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void count_countsEachSeverity() {
        Findings findings = Findings.of(List.of(
                finding("a", Severity.ERROR, "x"), finding("b", Severity.WARNING, "x"),
                finding("c", Severity.WARNING, "y")));

        assertThat(findings.count(Severity.ERROR)).isEqualTo(1);
        assertThat(findings.count(Severity.WARNING)).isEqualTo(2);
        assertThat(findings.count(Severity.INFO)).isZero();
        assertThat(findings.size()).isEqualTo(3);
        assertThat(findings.highest()).contains(Severity.ERROR);
        assertThat(Findings.empty().highest()).isEmpty();
    }

    @Test
    void plus_mergesAndResorts() {
        Findings lint = Findings.of(finding("design.a", Severity.WARNING, "x"));
        Findings audit = Findings.of(finding("security.b", Severity.ERROR, "y"));

        Findings both = lint.plus(audit);

        assertThat(both.list()).extracting(Finding::rule).containsExactly("security.b", "design.a");
    }

    @Test
    void atLeast_keepsOnlyFindingsAtOrAboveTheThreshold() {
        Findings findings = Findings.of(finding("a", Severity.ERROR, "x"), finding("b", Severity.WARNING, "x"),
                finding("c", Severity.INFO, "x"));

        assertThat(findings.atLeast(Severity.WARNING).list()).extracting(Finding::rule).containsExactly("a", "b");
        assertThat(findings.atLeast(Severity.WARNING).count(Severity.INFO)).isZero();
    }
}
