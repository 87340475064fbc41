package dev.keel.core.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

/** Property tests of the duration parser behind backup.retention.window and verify --schedule. */
class RetentionWindowPropertyTest {

    @Property(tries = 300)
    void parseDuration_numberAndUnit_givesThatSpan(@ForAll @IntRange(min = 1, max = 999_999_999) int n,
                                                   @ForAll @IntRange(min = 0, max = 5) int unitIndex) {
        String[] units = {"d", "h", "m", "min", "s", "ms"};
        Duration expected = switch (unitIndex) {
            case 0 -> Duration.ofDays(n);
            case 1 -> Duration.ofHours(n);
            case 2, 3 -> Duration.ofMinutes(n);
            case 4 -> Duration.ofSeconds(n);
            default -> Duration.ofMillis(n);
        };
        assertThat(ProjectConfig.parseDuration(n + units[unitIndex])).isEqualTo(expected);
        assertThat(ProjectConfig.parseDuration(" " + n + " " + units[unitIndex].toUpperCase() + " ")).isEqualTo(expected);
    }

    @Property(tries = 500)
    void parseDuration_anyText_eitherParsesOrSaysWhy(@ForAll @StringLength(max = 12) String text) {
        Throwable t = catchThrowable(() -> ProjectConfig.parseDuration(text));
        if (t == null) {
            assertThat(ProjectConfig.parseDuration(text)).isPositive();
        } else {
            assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(text);
        }
    }
}
