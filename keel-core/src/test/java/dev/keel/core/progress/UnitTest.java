package dev.keel.core.progress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.progress.Progress.Unit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UnitTest {

    @ParameterizedTest(name = "{0} bytes -> {1}")
    @CsvSource({
        "0,                   0 B",
        "1023,                1023 B",
        "1024,                1.0 KiB",
        "1536,                1.5 KiB",
        "1048575,             1.0 MiB",
        "1572864,             1.5 MiB",
        "3113851289,          2.9 GiB",
        "1099511627776,       1.0 TiB",
        "9223372036854775807, 8.0 EiB",
    })
    void formatBytes_usesBinaryMultiplesWithOneDecimal(long bytes, String expected) {
        assertThat(Unit.BYTES.format(bytes)).isEqualTo(expected);
    }

    @Test
    void formatCount_groupsThousands() {
        assertThat(Unit.COUNT.format(10_000)).isEqualTo("10,000");
        assertThat(Unit.count("tables").formatWithNoun(1_234_567)).isEqualTo("1,234,567 tables");
        assertThat(Unit.COUNT.formatWithNoun(3)).isEqualTo("3 items");
    }

    @Test
    void formatRate_showsItemsOrBytesPerSecond() {
        assertThat(Unit.COUNT.formatRate(3125.4)).isEqualTo("3,125/s");
        assertThat(Unit.COUNT.formatRate(2.5)).isEqualTo("2.5/s");
        assertThat(Unit.BYTES.formatRate(85.3 * 1024 * 1024)).isEqualTo("85.3 MiB/s");
    }

    @Test
    void count_rejectsABlankNoun() {
        assertThatThrownBy(() -> Unit.count(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "{0} ms -> {1}")
    @CsvSource({
        "400,      0.4 s",
        "3200,     3.2 s",
        "42000,    42 s",
        "245000,   4 min 05 s",
        "3720000,  1 h 02 min",
    })
    void formatDuration_isShortAndReadable(long millis, String expected) {
        assertThat(TrackedProgress.formatDuration(millis * 1_000_000)).isEqualTo(expected);
    }
}
