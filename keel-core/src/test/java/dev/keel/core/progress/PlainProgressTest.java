package dev.keel.core.progress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.progress.Progress.Unit;
import dev.keel.core.progress.ProgressOutput.Mode;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PlainProgressTest {

    private final FakeClock clock = new FakeClock();
    private final StringWriter text = new StringWriter();
    private final ProgressOutput out = ProgressOutput.to(text, Mode.PLAIN).withClock(clock);

    @Test
    void plain_printsStartPeriodicAndFinalLinesWithTheRightNumbers() {
        try (Progress progress = Progress.start("inspect", 10_000, Unit.count("tables"), out)) {
            for (int i = 0; i < 10; i++) {
                clock.advanceMillis(320);
                progress.advance(1_000); // 10 calls over 3.2 s; only the one past 5 s would print, none here
            }
        }

        assertThat(text.toString()).isEqualTo("""
                inspect: started, 10,000 tables
                inspect: 10,000 tables in 3.2 s (3,125/s)
                """);
    }

    @Test
    void plain_printsAProgressLineAtMostEveryInterval() {
        try (Progress progress = Progress.start("load", 1_000, Unit.COUNT, out)) {
            for (int second = 1; second <= 12; second++) {
                clock.advance(Duration.ofSeconds(1));
                progress.advance(50);
            }
        }

        assertThat(text.toString().lines()).containsExactly(
                "load: started, 1,000 items",
                "load: 250/1,000 items (25%), 50/s, ETA 15 s",
                "load: 500/1,000 items (50%), 50/s, ETA 10 s",
                "load: stopped at 600/1,000 items (60%) after 12 s");
    }

    @Test
    void plain_honoursAConfiguredInterval() {
        ProgressOutput everySecond = out.withPlainInterval(Duration.ofSeconds(1));
        try (Progress progress = Progress.start("load", -1, Unit.COUNT, everySecond)) {
            for (int i = 0; i < 3; i++) {
                clock.advance(Duration.ofSeconds(1));
                progress.advance(10);
            }
        }

        assertThat(text.toString().lines()).containsExactly(
                "load: started",
                "load: 10 items, 10/s",
                "load: 20 items, 10/s",
                "load: 30 items, 10/s",
                "load: 30 items in 3.0 s (10/s)");
    }

    @Test
    void plain_showsBytesAndTheStatusMessage() {
        try (Progress progress = Progress.start("backup", 2L << 30, Unit.BYTES, out)) {
            progress.message("copying base/16384");
            clock.advance(Duration.ofSeconds(8));
            progress.set(1L << 30);
            clock.advance(Duration.ofSeconds(8));
            progress.set(2L << 30);
        }

        assertThat(text.toString().lines()).containsExactly(
                "backup: started, 2.0 GiB",
                "backup: 1.0 GiB/2.0 GiB (50%), 128.0 MiB/s, ETA 8.0 s - copying base/16384",
                "backup: 2.0 GiB/2.0 GiB (100%), 128.0 MiB/s - copying base/16384",
                "backup: 2.0 GiB in 16 s (128.0 MiB/s)");
    }

    @Test
    void close_isIdempotentAndLaterCallsPrintNothing() {
        Progress progress = Progress.start("inspect", -1, Unit.COUNT, out);
        clock.advance(Duration.ofSeconds(1));
        progress.advance(5);
        progress.close();
        String afterClose = text.toString();

        clock.advance(Duration.ofSeconds(60));
        progress.advance(5);
        progress.close();

        assertThat(text.toString()).isEqualTo(afterClose);
        assertThat(afterClose).endsWith("inspect: 5 items in 1.0 s (5.0/s)\n");
    }
}
