package dev.keel.schema.lint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.findings.Severity;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class LintRuleTest {

    @Test
    void ids_areUniqueKebabCaseUnderLint() {
        Set<String> ids = Arrays.stream(LintRule.values()).map(LintRule::id).collect(Collectors.toSet());

        assertThat(ids).hasSize(LintRule.values().length);
        assertThat(ids).allMatch(id -> id.matches("lint\\.[a-z0-9]+(-[a-z0-9]+)*"));
    }

    @Test
    void everyRule_hasADescriptionOfOneLine() {
        assertThat(LintRule.values()).allSatisfy(rule -> {
            assertThat(rule.description()).isNotBlank().doesNotContain("\n");
            assertThat(rule.severity()).isNotNull();
        });
    }

    @Test
    void versions_areKnownPerRule() {
        assertThat(LintRule.REINDEX_NOT_CONCURRENTLY.appliesTo(11)).isFalse();
        assertThat(LintRule.REINDEX_NOT_CONCURRENTLY.appliesTo(12)).isTrue();
        assertThat(LintRule.REINDEX_NOT_CONCURRENTLY.majors()).isEqualTo("12+");
        assertThat(LintRule.DETACH_PARTITION_NOT_CONCURRENTLY.majors()).isEqualTo("14+");
        assertThat(LintRule.SET_NOT_NULL.majors()).isEqualTo("all");
    }

    @Test
    void byId_findsRules() {
        assertThat(LintRule.byId("lint.create-index-not-concurrently")).contains(LintRule.CREATE_INDEX_NOT_CONCURRENTLY);
        assertThat(LintRule.byId("lint.nope")).isEmpty();
    }

    @Test
    void severities_errorsAreAboutLocksFailuresAndBreakage() {
        assertThat(LintRule.CREATE_INDEX_NOT_CONCURRENTLY.severity()).isEqualTo(Severity.ERROR);
        assertThat(LintRule.MISSING_LOCK_TIMEOUT.severity()).isEqualTo(Severity.WARNING);
        assertThat(LintRule.PREFER_JSONB.severity()).isEqualTo(Severity.INFO);
    }
}
