package dev.keel.ops.insight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.ops.insight.MetricFamily.Type;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsExpositionTest {

    @Test
    void text_escapesLabelValuesAndRoundTrips() {
        String nasty = "a \"quoted\" back\\slash\nnewline";
        MetricFamily f = new MetricFamily.Builder("pg_stat_activity_count", "help with \\ and\nnewline", Type.GAUGE)
                .add(3, "datname", nasty, "state", "idle").build();

        String text = MetricsExposition.text(List.of(f));

        assertThat(text).contains("# HELP pg_stat_activity_count help with \\\\ and\\nnewline\n")
                .contains("# TYPE pg_stat_activity_count gauge\n")
                .contains("pg_stat_activity_count{datname=\"a \\\"quoted\\\" back\\\\slash\\nnewline\",state=\"idle\"} 3\n");
        ExpositionParser parsed = ExpositionParser.parse(text);
        assertThat(parsed.samples).singleElement().satisfies(s -> assertThat(s.labels().get("datname")).isEqualTo(nasty));
    }

    @Test
    void value_writesIntegersWithoutFractionAndSpecialValues() {
        assertThat(MetricsExposition.value(42)).isEqualTo("42");
        assertThat(MetricsExposition.value(1.5)).isEqualTo("1.5");
        assertThat(MetricsExposition.value(Double.NaN)).isEqualTo("NaN");
        assertThat(MetricsExposition.value(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    }

    @Test
    void down_isPgUpZero() {
        assertThat(MetricsExposition.text(MetricsCollectors.down()))
                .endsWith("# TYPE pg_up gauge\npg_up 0\n");
    }

    @Test
    void family_rejectsAnInvalidName() {
        assertThatThrownBy(() -> MetricFamily.single("pg-up", "h", Type.GAUGE, 1))
                .hasMessageContaining("pg-up");
    }
}
