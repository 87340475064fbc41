package dev.keel.core.progress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.progress.Progress.Unit;
import dev.keel.core.progress.ProgressOutput.Mode;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BarProgressTest {

    private final FakeClock clock = new FakeClock();
    private final StringWriter text = new StringWriter();
    private final ProgressOutput out = ProgressOutput.to(text, Mode.BAR).withClock(clock);

    /** The frames drawn so far, each as the user would see it (trailing blanks that erase longer frames trimmed). */
    private List<String> frames() {
        return Arrays.stream(text.toString().split("\r")).filter(s -> !s.isEmpty()).map(String::stripTrailing).toList();
    }

    @Test
    void bar_showsPercentAmountsRateAndEta() {
        Progress progress = Progress.start("backup", 2L << 30, Unit.BYTES, out);
        clock.advance(Duration.ofSeconds(4));
        progress.set(512L << 20);

        String frame = frames().get(frames().size() - 1);
        assertThat(frame).startsWith("backup [").contains(" 25%", "512.0 MiB/2.0 GiB", "128.0 MiB/s", "ETA 12 s");
        String bar = frame.substring(frame.indexOf('[') + 1, frame.indexOf(']'));
        assertThat(bar.chars().filter(c -> c == '=').count()).isEqualTo(bar.length() * 25 / 100);
        assertThat(frame.length()).isLessThan(80);
        assertThat(text.toString()).doesNotContain("\n");
    }

    @Test
    void bar_drawsAFrameAtStart() {
        Progress.start("inspect", 100, Unit.count("tables"), out);

        assertThat(frames()).hasSize(1);
        assertThat(frames().get(0)).contains("  0%", "0/100 tables");
    }

    @Test
    void bar_redrawsAtMostTenTimesASecond() {
        Progress progress = Progress.start("generate", 100_000, Unit.COUNT, out);
        for (int i = 0; i < 1_000; i++) {
            clock.advanceMillis(1);
            progress.advance(1);
        }

        // One frame at start, then one per 100 ms over one second.
        assertThat(frames()).hasSize(11);
    }

    @Test
    void bar_withoutTotalShowsASpinnerCountAndRate() {
        Progress progress = Progress.start("scan", -1, Unit.count("rows"), out);
        for (int i = 0; i < 3; i++) {
            clock.advanceMillis(100);
            progress.advance(500);
        }

        List<String> frames = frames();
        assertThat(frames).hasSize(4);
        assertThat(frames.get(3)).isEqualTo("scan \\  1,500 rows  5,000/s");
        assertThat(frames).extracting(f -> f.charAt(5)).containsExactly('|', '/', '-', '\\');
        assertThat(frames.get(3)).doesNotContain("%", "ETA");
    }

    @Test
    void bar_showsTheStatusMessageAndKeepsTheLineInsideTheWidth() {
        ProgressOutput terminal = out.withWidth(100);
        Progress progress = Progress.start("restore", 1_000, Unit.COUNT, terminal);
        progress.message("replaying WAL segment 000000010000000000000042, then the next ones, until the target time");
        clock.advanceMillis(200);
        progress.advance(10);

        String frame = frames().get(frames().size() - 1);
        assertThat(frame).contains("replaying WAL");
        assertThat(frame.length()).isEqualTo(99);
    }

    @Test
    void bar_dropsTheStatusBeforeTheNumbersOnANarrowTerminal() {
        Progress progress = Progress.start("restore", 1_000, Unit.COUNT, out.withWidth(60));
        progress.message("replaying WAL segment 000000010000000000000042");
        clock.advanceMillis(200);
        progress.advance(10);

        String frame = frames().get(frames().size() - 1);
        assertThat(frame).contains("1%", "10/1,000 items", "50/s", "ETA 20 s");
        assertThat(frame.length()).isLessThan(60);
    }

    @Test
    void close_replacesTheBarWithTheFinalLine() {
        Progress progress = Progress.start("inspect", 10_000, Unit.count("tables"), out);
        clock.advanceMillis(3_200);
        progress.set(10_000);
        progress.close();

        assertThat(text.toString()).endsWith("\n");
        String last = text.toString().substring(text.toString().lastIndexOf('\r') + 1);
        assertThat(last.stripTrailing()).isEqualTo("inspect: 10,000 tables in 3.2 s (3,125/s)");
        // The final line is padded with blanks to erase the longer bar it replaces.
        String bar = frames().get(frames().size() - 2);
        assertThat(last.length() - 1).isGreaterThanOrEqualTo(bar.length());
    }
}
