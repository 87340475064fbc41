package dev.keel.core.progress;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Progress for an interactive terminal: one line redrawn in place with a carriage return at most ten
 * times a second, showing a bar, percent, amounts, rate and ETA, or a spinner when the total is unknown.
 * The line is cut to less than the terminal width, since a wrapped line cannot be redrawn in place; the
 * status text goes first, then the ETA.
 */
final class BarProgress extends TrackedProgress {

    static final long REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final String SPINNER = "|/-\\";
    private static final int MIN_BAR = 10;
    private static final int MAX_BAR = 30;
    private static final int NUMBERS_ROOM = 45;

    private final int width;
    private final int barWidth;
    private int frame; // guarded by the superclass's draw lock
    private int lastLength; // guarded by the superclass's draw lock

    BarProgress(String task, long total, Unit unit, ProgressOutput out) {
        super(task, total, unit, out, REDRAW_NANOS);
        this.width = out.width();
        // Fixed for the task's life so the numbers after it do not jitter as their length changes: a quarter
        // of the width, less on narrow terminals so the usual numbers (about 45 columns) still fit.
        int room = width - 1 - task.length() - " [] ".length() - NUMBERS_ROOM;
        this.barWidth = Math.max(MIN_BAR, Math.min(MAX_BAR, Math.min(room, (width - task.length()) / 4)));
    }

    @Override
    String begin(Snapshot now) {
        return update(now);
    }

    @Override
    String update(Snapshot now) {
        String line = fit(line(now));
        String text = "\r" + line + " ".repeat(Math.max(0, lastLength - line.length()));
        lastLength = line.length();
        return text;
    }

    @Override
    String finish(Snapshot now) {
        String line = finalLine(now);
        return "\r" + line + " ".repeat(Math.max(0, lastLength - line.length())) + "\n";
    }

    private String line(Snapshot now) {
        StringBuilder numbers = new StringBuilder();
        if (total >= 0) {
            numbers.append(String.format(Locale.ROOT, "%3d%%", now.percent())).append("  ");
        }
        numbers.append(amounts(now));
        if (now.elapsedNanos() > 0) {
            numbers.append("  ").append(unit.formatRate(now.perSecond()));
        }
        if (now.etaNanos() >= 0) {
            numbers.append("  ETA ").append(formatDuration(now.etaNanos()));
        }
        String status = now.status().isEmpty() ? "" : "  " + now.status();
        if (total < 0) {
            char spinner = SPINNER.charAt(frame++ % SPINNER.length());
            return task + " " + spinner + "  " + numbers + status;
        }
        return task + " " + bar(now) + " " + numbers + status;
    }

    /** "[=========>          ]" */
    private String bar(Snapshot now) {
        int filled = (int) Math.min(barWidth, (long) now.percent() * barWidth / 100);
        StringBuilder bar = new StringBuilder(barWidth + 2).append('[');
        bar.append("=".repeat(filled));
        if (filled < barWidth) {
            bar.append('>').append(" ".repeat(barWidth - filled - 1));
        }
        return bar.append(']').toString();
    }

    private String fit(String line) {
        return line.length() < width ? line : line.substring(0, width - 1);
    }
}
