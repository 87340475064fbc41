package dev.keel.core.progress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.KeelException;
import dev.keel.core.progress.Progress.Unit;
import dev.keel.core.progress.ProgressOutput.Mode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressOutputTest {

    @Test
    void choose_picksBarOnATerminalAndPlainElsewhere() {
        assertThat(Mode.choose(true, Map.of())).isEqualTo(Mode.BAR);
        assertThat(Mode.choose(false, Map.of())).isEqualTo(Mode.PLAIN);
        assertThat(Mode.choose(false, Map.of("KEEL_PROGRESS", ""))).isEqualTo(Mode.PLAIN);
    }

    @Test
    void choose_letsKeelProgressOverrideTheTerminalCheck() {
        assertThat(Mode.choose(true, Map.of("KEEL_PROGRESS", "plain"))).isEqualTo(Mode.PLAIN);
        assertThat(Mode.choose(false, Map.of("KEEL_PROGRESS", "BAR"))).isEqualTo(Mode.BAR);
        assertThat(Mode.choose(true, Map.of("KEEL_PROGRESS", "off"))).isEqualTo(Mode.OFF);
    }

    @Test
    void choose_rejectsAnUnknownKeelProgressAsBadConfiguration() {
        assertThatThrownBy(() -> Mode.choose(true, Map.of("KEEL_PROGRESS", "fancy")))
                .isInstanceOf(KeelException.class)
                .hasMessage("KEEL_PROGRESS=fancy is not a progress mode")
                .satisfies(e -> {
                    assertThat(((KeelException) e).exitCode()).isEqualTo(KeelException.USAGE);
                    assertThat(((KeelException) e).remedy()).contains("Set KEEL_PROGRESS to plain, bar or off, or unset it.");
                });
    }

    @Test
    void off_printsNothing() {
        StringWriter text = new StringWriter();
        try (Progress progress = Progress.start("backup", 100, Unit.BYTES, ProgressOutput.to(text, Mode.OFF))) {
            progress.advance(100);
            progress.message("done");
        }

        assertThat(text.toString()).isEmpty();
    }

    @Test
    void printStreamOutput_receivesTheLines() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FakeClock clock = new FakeClock();
        ProgressOutput out = ProgressOutput.to(new PrintStream(bytes, true, StandardCharsets.UTF_8), Mode.PLAIN)
                .withClock(clock);

        try (Progress progress = Progress.start("dump", 3, Unit.count("tables"), out)) {
            clock.advance(Duration.ofSeconds(1));
            progress.advance(3);
        }

        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .isEqualTo("dump: started, 3 tables\ndump: 3 tables in 1.0 s (3.0/s)\n");
    }

    @Test
    void start_checksItsArguments() {
        ProgressOutput out = ProgressOutput.to(new StringWriter(), Mode.PLAIN);

        assertThatThrownBy(() -> Progress.start(" ", 1, Unit.COUNT, out)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Progress.start("x", -2, Unit.COUNT, out)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Progress.start("x", 1, Unit.COUNT, out).advance(-1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> out.withPlainInterval(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
