package dev.keel.core.findings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SeverityTest {

    @ParameterizedTest
    @ValueSource(strings = {"warning", "WARNING", "Warning", "  warning "})
    void parse_ignoresCaseAndSurroundingBlanks(String text) {
        assertThat(Severity.parse(text)).isEqualTo(Severity.WARNING);
    }

    @Test
    void parse_rejectsUnknownTextListingTheValidValues() {
        assertThatThrownBy(() -> Severity.parse("fatal"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unknown severity 'fatal'; valid values: error, warning, info");
    }

    @Test
    void label_isLowercase() {
        assertThat(Severity.ERROR.label()).isEqualTo("error");
        assertThat(Severity.WARNING.label()).isEqualTo("warning");
        assertThat(Severity.INFO.label()).isEqualTo("info");
    }

    @Test
    void isAtLeast_ordersErrorAboveWarningAboveInfo() {
        assertThat(Severity.ERROR.isAtLeast(Severity.WARNING)).isTrue();
        assertThat(Severity.WARNING.isAtLeast(Severity.WARNING)).isTrue();
        assertThat(Severity.INFO.isAtLeast(Severity.WARNING)).isFalse();
        assertThat(Severity.WARNING.isAtLeast(Severity.ERROR)).isFalse();
        assertThat(Severity.INFO.isAtLeast(Severity.INFO)).isTrue();
    }
}
