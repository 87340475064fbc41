package dev.keel.core.progress;

import static java.util.Objects.requireNonNull;

import dev.keel.core.KeelException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Where progress goes (stderr in the CLI, never stdout, which carries {@code --json} documents) and how:
 * a live bar on an interactive terminal, periodic plain lines elsewhere, or nothing. Immutable; the
 * {@code with...} methods return copies.
 */
public final class ProgressOutput {

    /** The environment variable that overrides the mode: plain, bar or off. */
    public static final String ENV = "KEEL_PROGRESS";

    static final Duration DEFAULT_PLAIN_INTERVAL = Duration.ofSeconds(5);
    static final int DEFAULT_WIDTH = 80;

    /** How progress is shown. */
    public enum Mode {
        /** A single line redrawn in place with carriage returns, for an interactive terminal. */
        BAR,
        /** A line at start, one every few seconds, and a final line: for CI logs and pipes. */
        PLAIN,
        /** Nothing at all. */
        OFF;

        /**
         * The mode for a run: {@code KEEL_PROGRESS} when set, otherwise BAR on an interactive terminal and
         * PLAIN elsewhere.
         *
         * @param interactive whether stderr is a terminal; callers pass {@code System.console() != null}
         * @param env         the environment, usually {@code System.getenv()}
         * @throws KeelException (exit code 2) when {@code KEEL_PROGRESS} holds anything else
         */
        public static Mode choose(boolean interactive, Map<String, String> env) {
            requireNonNull(env, "null env");
            String override = env.get(ENV);
            if (override == null || override.isBlank()) {
                return interactive ? BAR : PLAIN;
            }
            return switch (override.strip().toLowerCase(Locale.ROOT)) {
                case "bar" -> BAR;
                case "plain" -> PLAIN;
                case "off" -> OFF;
                default -> throw new KeelException(
                        ENV + "=" + override + " is not a progress mode",
                        "Set " + ENV + " to plain, bar or off, or unset it.",
                        KeelException.USAGE, null);
            };
        }
    }

    /** Receives rendered text; implementations flush and never throw, since progress must not fail work. */
    interface Sink {
        void write(String text);
    }

    private final Sink sink;
    private final Mode mode;
    private final long plainIntervalNanos;
    private final int width;
    private final LongSupplier nanoClock;

    private ProgressOutput(Sink sink, Mode mode, long plainIntervalNanos, int width, LongSupplier nanoClock) {
        this.sink = sink;
        this.mode = mode;
        this.plainIntervalNanos = plainIntervalNanos;
        this.width = width;
        this.nanoClock = nanoClock;
    }

    /** Progress on {@code System.err}, in the mode {@link Mode#choose} picks. */
    public static ProgressOutput stderr(boolean interactive, Map<String, String> env) {
        return to(System.err, Mode.choose(interactive, env));
    }

    public static ProgressOutput to(PrintStream out, Mode mode) {
        requireNonNull(out, "null out");
        return of(text -> {
            out.print(text);
            out.flush();
        }, mode);
    }

    public static ProgressOutput to(Writer out, Mode mode) {
        requireNonNull(out, "null out");
        return of(text -> {
            try {
                out.write(text);
                out.flush();
            } catch (IOException ignored) {
                // A closed or broken stderr must not stop a backup; the work's own result still stands.
            }
        }, mode);
    }

    private static ProgressOutput of(Sink sink, Mode mode) {
        requireNonNull(mode, "null mode");
        return new ProgressOutput(sink, mode, DEFAULT_PLAIN_INTERVAL.toNanos(), DEFAULT_WIDTH, System::nanoTime);
    }

    /** How often plain mode prints a line while work goes on; 5 seconds unless set. */
    public ProgressOutput withPlainInterval(Duration interval) {
        requireNonNull(interval, "null interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("plain interval must be positive, was " + interval);
        }
        return new ProgressOutput(sink, mode, interval.toNanos(), width, nanoClock);
    }

    /** The terminal width the bar must fit in (it is redrawn in place, so it must never wrap); 80 unless set. */
    public ProgressOutput withWidth(int columns) {
        if (columns < 20) {
            throw new IllegalArgumentException("width must be at least 20 columns, was " + columns);
        }
        return new ProgressOutput(sink, mode, plainIntervalNanos, columns, nanoClock);
    }

    /** A different time source, in nanoseconds like {@link System#nanoTime()}; for tests. */
    ProgressOutput withClock(LongSupplier nanos) {
        requireNonNull(nanos, "null nanos");
        return new ProgressOutput(sink, mode, plainIntervalNanos, width, nanos);
    }

    public Mode mode() {
        return mode;
    }

    Sink sink() {
        return sink;
    }

    long plainIntervalNanos() {
        return plainIntervalNanos;
    }

    int width() {
        return width;
    }

    LongSupplier nanoClock() {
        return nanoClock;
    }
}
